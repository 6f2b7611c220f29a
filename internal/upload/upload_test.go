package upload

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"runtime"
	"slices"
	"testing"
)

// The GPS test plants this in the EXIF data and in a PNG text chunk.
const secret = "SECRETGPS"

// TestProcessStripsEXIFAndGPS covers a photo wider than every rendition and
// one narrower, kept at its own width, where passing the upload through
// unchanged would be tempting.
func TestProcessStripsEXIFAndGPS(t *testing.T) {
	tests := []struct {
		width, height int
		widths        []int
	}{
		{1700, 425, []int{480, 960, 1600}},
		{300, 75, []int{300}},
	}
	for _, tt := range tests {
		upload := withSegment(encodeJPEGFile(t, photo(tt.width, tt.height)), exifSegment(1))
		if !bytes.Contains(upload, []byte(secret)) {
			t.Fatal("test upload lacks the planted marker")
		}
		if _, err := jpeg.Decode(bytes.NewReader(upload)); err != nil {
			t.Fatalf("test upload does not decode: %v", err)
		}

		img, variants, err := Process(upload)
		if err != nil {
			t.Fatal(err)
		}
		largest := tt.widths[len(tt.widths)-1]
		if img.Format != "jpg" || img.Width != largest || img.Height != largest/4 || !slices.Equal(img.Widths, tt.widths) {
			t.Errorf("%d px: image = %+v, want jpg %d×%d with widths %v", tt.width, img, largest, largest/4, tt.widths)
		}
		if len(variants) != len(tt.widths) {
			t.Fatalf("%d px: %d variants, want %d", tt.width, len(variants), len(tt.widths))
		}
		for i, v := range variants {
			if v.Width != tt.widths[i] || v.ContentType != "image/jpeg" {
				t.Errorf("%d px: variant %d is %d px %q", tt.width, i, v.Width, v.ContentType)
			}
			for _, leak := range []string{"Exif", secret} {
				if bytes.Contains(v.Data, []byte(leak)) {
					t.Errorf("%d px: output contains %q", v.Width, leak)
				}
			}
			for _, marker := range jpegMarkers(t, v.Data) {
				if marker >= 0xE0 && marker <= 0xEF || marker == 0xFE {
					t.Errorf("%d px: output has metadata segment FF%X", v.Width, marker)
				}
			}
			m, err := jpeg.Decode(bytes.NewReader(v.Data))
			if err != nil {
				t.Fatalf("%d px: %v", v.Width, err)
			}
			if got, want := m.Bounds().Size(), image.Pt(v.Width, v.Width/4); got != want {
				t.Errorf("%d px: size %v, want %v", v.Width, got, want)
			}
		}
	}
}

func TestProcessWidths(t *testing.T) {
	tests := []struct {
		width, height int
		want          []int
	}{
		{2000, 300, []int{480, 960, 1600}},
		{1600, 250, []int{480, 960, 1600}},
		{1001, 333, []int{480, 960}},
		{480, 640, []int{480}},
		{300, 200, []int{300}},
		{1, 1, []int{1}},
	}
	for _, tt := range tests {
		img, variants, err := Process(encodeJPEGFile(t, photo(tt.width, tt.height)))
		if err != nil {
			t.Fatalf("%d×%d: %v", tt.width, tt.height, err)
		}
		if !slices.Equal(img.Widths, tt.want) || len(variants) != len(tt.want) {
			t.Fatalf("%d×%d: widths %v with %d variants, want %v", tt.width, tt.height, img.Widths, len(variants), tt.want)
		}
		var size image.Point
		for i, v := range variants {
			size = image.Pt(tt.want[i], int(math.Round(float64(tt.height)*float64(tt.want[i])/float64(tt.width))))
			if got := decode(t, v.Data).Bounds().Size(); got != size || v.Width != size.X {
				t.Errorf("%d×%d: variant %d is %v (Width %d), want %v", tt.width, tt.height, i, got, v.Width, size)
			}
		}
		if img.Width != size.X || img.Height != size.Y {
			t.Errorf("%d×%d: image is %d×%d, want the largest variant's %v", tt.width, tt.height, img.Width, img.Height, size)
		}
	}
}

// TestProcessFormat checks which format renditions take: PNG exactly when the
// picture has transparent pixels.
func TestProcessFormat(t *testing.T) {
	translucent := image.NewNRGBA(image.Rect(0, 0, 600, 400))
	for y := range 400 {
		for x := range 600 {
			translucent.SetNRGBA(x, y, color.NRGBA{200, 30, 30, uint8(x * 255 / 599)})
		}
	}
	palette := color.Palette{color.Transparent, color.RGBA{0, 0, 255, 255}}
	transparentGIF := image.NewPaletted(image.Rect(0, 0, 100, 100), palette)
	transparentGIF.SetColorIndex(50, 50, 1)
	opaqueGIF := image.NewPaletted(image.Rect(0, 0, 100, 100), palette[1:])

	tests := []struct {
		name   string
		upload []byte
		want   string
		width  int
	}{
		{"png with alpha", withPNGChunk(encodePNGFile(t, translucent), "tEXt", []byte("Comment\x00"+secret)), "png", 480},
		{"opaque png", encodePNGFile(t, photo(600, 400)), "jpg", 480},
		{"gif with transparent index", encodeGIFFile(t, transparentGIF), "png", 100},
		{"opaque gif", encodeGIFFile(t, opaqueGIF), "jpg", 100},
		{"opaque webp", webpFile(640, 480, color.NRGBA{10, 120, 200, 255}), "jpg", 480},
		{"webp with alpha", webpFile(640, 480, color.NRGBA{10, 120, 200, 128}), "png", 480},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, variants, err := Process(tt.upload)
			if err != nil {
				t.Fatal(err)
			}
			if img.Format != tt.want || !slices.Equal(img.Widths, []int{tt.width}) {
				t.Fatalf("format %q widths %v, want %q [%d]", img.Format, img.Widths, tt.want, tt.width)
			}
			v := variants[0]
			if v.ContentType != "image/"+map[string]string{"jpg": "jpeg", "png": "png"}[tt.want] {
				t.Errorf("content type %q for format %q", v.ContentType, tt.want)
			}
			m := decode(t, v.Data)
			if tt.want == "png" {
				if _, _, _, a := m.At(0, 0).RGBA(); a == 0xffff {
					t.Error("the transparent corner came out opaque")
				}
				for _, chunk := range pngChunkTypes(t, v.Data) {
					if !slices.Contains([]string{"IHDR", "PLTE", "tRNS", "IDAT", "IEND"}, chunk) {
						t.Errorf("output has %s chunk", chunk)
					}
				}
			}
			if bytes.Contains(v.Data, []byte(secret)) {
				t.Error("output contains the text chunk of the upload")
			}
		})
	}
}

// TestProcessOrientation stores a blue picture with a red top-left quarter
// and checks which corner turns red once each EXIF orientation is applied.
func TestProcessOrientation(t *testing.T) {
	stored := image.NewRGBA(image.Rect(0, 0, 200, 100))
	for y := range 100 {
		for x := range 200 {
			stored.Set(x, y, map[bool]color.RGBA{true: {255, 0, 0, 255}, false: {0, 0, 255, 255}}[x < 100 && y < 50])
		}
	}
	wide, tall := image.Pt(200, 100), image.Pt(100, 200)
	tests := []struct {
		orientation int
		size        image.Point
		redCorner   int // 0 top left, 1 top right, 2 bottom right, 3 bottom left
	}{
		{1, wide, 0},
		{2, wide, 1}, // mirrored
		{3, wide, 2},
		{4, wide, 3},
		{5, tall, 0}, // transposed
		{6, tall, 1}, // a quarter turn clockwise
		{7, tall, 2},
		{8, tall, 3},
	}
	for _, tt := range tests {
		upload := withSegment(encodeJPEGFile(t, stored), exifSegment(uint16(tt.orientation)))
		if got := jpegOrientation(upload); got != tt.orientation {
			t.Fatalf("test upload has orientation %d, want %d", got, tt.orientation)
		}
		img, variants, err := Process(upload)
		if err != nil {
			t.Fatal(err)
		}
		m := decode(t, variants[0].Data)
		if got := m.Bounds().Size(); got != tt.size || img.Width != tt.size.X || img.Height != tt.size.Y {
			t.Errorf("orientation %d: %v (image %d×%d), want %v", tt.orientation, got, img.Width, img.Height, tt.size)
			continue
		}
		right, bottom := tt.size.X-10, tt.size.Y-10
		for i, corner := range []image.Point{{10, 10}, {right, 10}, {right, bottom}, {10, bottom}} {
			r, _, b, _ := m.At(corner.X, corner.Y).RGBA()
			if red := r > 0xc000 && b < 0x4000; red != (i == tt.redCorner) {
				t.Errorf("orientation %d: corner %v red = %t", tt.orientation, corner, red)
			}
		}
	}
}

func TestProcessRejects(t *testing.T) {
	small := encodeJPEGFile(t, photo(64, 48))
	// Any package in the binary may register a decoder, as importing
	// golang.org/x/image/tiff would; only the four formats may pass.
	image.RegisterFormat("fake", "FAKEIMG",
		func(io.Reader) (image.Image, error) { return photo(10, 10), nil },
		func(io.Reader) (image.Config, error) {
			return image.Config{ColorModel: color.RGBAModel, Width: 10, Height: 10}, nil
		})
	tests := []struct {
		name   string
		upload []byte
		want   error
	}{
		{"empty", nil, ErrNotImage},
		{"text", []byte("just some words, nothing to see"), ErrNotImage},
		{"html", []byte("<!DOCTYPE html><html><body><img src=x onerror=alert(1)></body></html>"), ErrNotImage},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>`), ErrNotImage},
		{"svg with prolog", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>`), ErrNotImage},
		{"truncated jpeg", small[:len(small)/2], ErrNotImage},
		{"png signature only", []byte("\x89PNG\r\n\x1a\n"), ErrNotImage},
		{"other registered format", []byte("FAKEIMG"), ErrNotImage},
		{"gif polyglot", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00<script>alert(1)</script>"), ErrNotImage},
		{"20000×20000 png", pngBomb(t), ErrTooManyPixels},
		{"over MaxBytes", append(small, make([]byte, MaxBytes+1-len(small))...), ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, variants, err := Process(tt.upload)
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			if variants != nil || img.Hash != "" {
				t.Errorf("returned %+v and %d variants along with the error", img, len(variants))
			}
		})
	}

	// The limit is inclusive: trailing bytes after the image do not matter.
	if _, _, err := Process(append(small, make([]byte, MaxBytes-len(small))...)); err != nil {
		t.Errorf("exactly MaxBytes: %v", err)
	}
}

// TestProcessRefusesBombBeforeDecoding checks that the pixel limit is applied
// from the header: decoding the bomb would allocate 1.6 GB.
func TestProcessRefusesBombBeforeDecoding(t *testing.T) {
	bomb := pngBomb(t)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _, err := Process(bomb)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrTooManyPixels) {
		t.Fatalf("error %v, want ErrTooManyPixels", err)
	}
	if allocated := after.TotalAlloc - before.TotalAlloc; allocated > 1<<20 {
		t.Errorf("allocated %d bytes refusing the bomb", allocated)
	}
}

func TestProcessHash(t *testing.T) {
	upload := encodeJPEGFile(t, photo(300, 200))
	first, _, err := Process(upload)
	if err != nil {
		t.Fatal(err)
	}
	second, _, err := Process(bytes.Clone(upload))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(upload)
	if want := hex.EncodeToString(sum[:8]); first.Hash != want || second.Hash != want {
		t.Errorf("hashes %q and %q, want %q", first.Hash, second.Hash, want)
	}
	other, _, err := Process(encodeJPEGFile(t, photo(300, 201)))
	if err != nil {
		t.Fatal(err)
	}
	if other.Hash == first.Hash {
		t.Errorf("two different uploads share the hash %q", other.Hash)
	}
}

// photo is an opaque gradient: enough detail for the encoders to work on.
func photo(width, height int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, width, height))
	for y := range height {
		for x := range width {
			m.Set(x, y, color.RGBA{uint8(x), uint8(y), uint8(x + y), 255})
		}
	}
	return m
}

func decode(t *testing.T, data []byte) image.Image {
	t.Helper()
	m, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("output does not decode: %v", err)
	}
	return m
}

func encodeJPEGFile(t *testing.T, m image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodePNGFile(t *testing.T, m image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeGIFFile(t *testing.T, m *image.Paletted) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := gif.Encode(&b, m, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// exifSegment is a JPEG APP1 segment holding a big-endian TIFF structure:
// IFD0 with an Orientation and a GPSInfo pointer, and a GPS IFD with a
// latitude and a map datum that reads secret.
func exifSegment(orientation uint16) []byte {
	be := binary.BigEndian
	tiff := []byte("MM\x00\x2a\x00\x00\x00\x08")
	entry := func(tag, typ uint16, count, value uint32) {
		tiff = be.AppendUint16(tiff, tag)
		tiff = be.AppendUint16(tiff, typ)
		tiff = be.AppendUint32(tiff, count)
		tiff = be.AppendUint32(tiff, value)
	}
	const gpsIFD, latitude, datum = 38, 80, 104
	tiff = be.AppendUint16(tiff, 2)
	entry(0x0112, 3, 1, uint32(orientation)<<16) // Orientation, SHORT
	entry(0x8825, 4, 1, gpsIFD)                  // GPSInfo, LONG
	tiff = be.AppendUint32(tiff, 0)
	tiff = be.AppendUint16(tiff, 3)
	entry(0x0001, 2, 2, 'N'<<24)                   // GPSLatitudeRef "N"
	entry(0x0002, 5, 3, latitude)                  // GPSLatitude, 3 RATIONALs
	entry(0x0012, 2, uint32(len(secret)+1), datum) // GPSMapDatum
	tiff = be.AppendUint32(tiff, 0)
	for _, n := range []uint32{51, 1, 30, 1, 1234, 100} { // 51° 30' 12.34"
		tiff = be.AppendUint32(tiff, n)
	}
	tiff = append(tiff, secret+"\x00"...)

	segment := []byte{0xFF, 0xE1, 0, 0}
	segment = append(segment, "Exif\x00\x00"...)
	segment = append(segment, tiff...)
	be.PutUint16(segment[2:], uint16(len(segment)-2))
	return segment
}

// withSegment inserts a marker segment right after the SOI marker of a JPEG.
func withSegment(jpegFile, segment []byte) []byte {
	return slices.Concat(jpegFile[:2], segment, jpegFile[2:])
}

// jpegMarkers lists the markers of the segments before the image data.
func jpegMarkers(t *testing.T, data []byte) []byte {
	t.Helper()
	var markers []byte
	for i := 2; ; {
		if i+4 > len(data) || data[i] != 0xFF {
			t.Fatalf("malformed JPEG at byte %d", i)
		}
		if data[i+1] == 0xDA {
			return markers
		}
		markers = append(markers, data[i+1])
		i += 2 + int(binary.BigEndian.Uint16(data[i+2:]))
	}
}

func pngChunk(typ string, data []byte) []byte {
	chunk := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	chunk = append(chunk, typ...)
	chunk = append(chunk, data...)
	return binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(chunk[4:]))
}

// withPNGChunk inserts a chunk right after the IHDR chunk of a PNG.
func withPNGChunk(pngFile []byte, typ string, data []byte) []byte {
	const afterIHDR = 8 + 25
	return slices.Concat(pngFile[:afterIHDR], pngChunk(typ, data), pngFile[afterIHDR:])
}

func pngChunkTypes(t *testing.T, data []byte) []string {
	t.Helper()
	var types []string
	for i := 8; i < len(data); {
		if i+12 > len(data) {
			t.Fatalf("malformed PNG at byte %d", i)
		}
		types = append(types, string(data[i+4:i+8]))
		i += 12 + int(binary.BigEndian.Uint32(data[i:]))
	}
	return types
}

// pngBomb is a small PNG whose header claims 20000×20000 RGBA pixels. It has
// image data, so a decoder that got that far would allocate them.
func pngBomb(t *testing.T) []byte {
	t.Helper()
	ihdr := binary.BigEndian.AppendUint32(nil, 20000)
	ihdr = binary.BigEndian.AppendUint32(ihdr, 20000)
	ihdr = append(ihdr, 8, 6, 0, 0, 0) // 8 bits, RGBA, deflate, no filter, no interlace
	var idat bytes.Buffer
	z := zlib.NewWriter(&idat)
	if _, err := z.Write(make([]byte, 4096)); err != nil {
		t.Fatal(err)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return slices.Concat([]byte("\x89PNG\r\n\x1a\n"), pngChunk("IHDR", ihdr), pngChunk("IDAT", idat.Bytes()), pngChunk("IEND", nil))
}

// webpFile is a lossless WebP of one colour, written by hand since no
// encoder is at hand: every prefix code of the VP8L bitstream holds a single
// symbol, so the pixels take no bits at all.
func webpFile(width, height int, c color.NRGBA) []byte {
	var bits []bool
	put := func(value, n int) { // least significant bit first
		for i := range n {
			bits = append(bits, value>>i&1 == 1)
		}
	}
	put(0x2f, 8) // signature
	put(width-1, 14)
	put(height-1, 14)
	put(map[bool]int{true: 1, false: 0}[c.A != 255], 1)     // alpha is used
	put(0, 3)                                               // version
	put(0, 3)                                               // no transform, no colour cache, no meta prefix codes
	for _, symbol := range []uint8{c.G, c.R, c.B, c.A, 0} { // the last code is for distances
		put(1, 1) // simple code
		put(0, 1) // of one symbol
		put(1, 1) // of 8 bits
		put(int(symbol), 8)
	}
	payload := make([]byte, (len(bits)+7)/8)
	for i, bit := range bits {
		if bit {
			payload[i/8] |= 1 << (i % 8)
		}
	}
	size := len(payload)
	if size%2 == 1 {
		payload = append(payload, 0) // RIFF chunks are padded to even length
	}
	le := binary.LittleEndian
	file := le.AppendUint32([]byte("RIFF"), uint32(4+8+len(payload)))
	file = append(file, "WEBPVP8L"...)
	file = le.AppendUint32(file, uint32(size))
	return append(file, payload...)
}
