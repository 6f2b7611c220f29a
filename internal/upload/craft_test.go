package upload

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"slices"
	"testing"
)

// Pictures made by hand for the memory tests: small files whose headers
// declare large pictures, in the forms that cost a decoder most. They are
// valid files, so a decoder that accepts them allocates what it would for a
// photograph of that size.

// jpegComponent is one colour component of a crafted JPEG and its sampling.
type jpegComponent struct {
	id   byte
	h, v int
}

var (
	ycbcr420 = []jpegComponent{{1, 2, 2}, {2, 1, 1}, {3, 1, 1}}
	ycbcr444 = []jpegComponent{{1, 1, 1}, {2, 1, 1}, {3, 1, 1}}
	cmyk     = []jpegComponent{{'C', 1, 1}, {'M', 1, 1}, {'Y', 1, 1}, {'K', 1, 1}}
)

// craftJPEG writes a flat grey JPEG of the given size: every block has a
// zero DC difference and no AC coefficient, coded with one-bit Huffman
// codes, so a 40-megapixel picture takes a few hundred kilobytes. A
// progressive one has a single DC scan (AC coefficients are zero unless a
// scan says otherwise). Four components are marked as Adobe CMYK.
func craftJPEG(t *testing.T, width, height int, comps []jpegComponent, progressive bool) []byte {
	t.Helper()
	be := binary.BigEndian
	segment := func(marker byte, body []byte) []byte {
		return slices.Concat([]byte{0xFF, marker}, be.AppendUint16(nil, uint16(len(body)+2)), body)
	}
	out := []byte{0xFF, 0xD8}
	if len(comps) == 4 {
		out = append(out, segment(0xEE, []byte("Adobe\x00\x64\x00\x00\x00\x00\x00"))...) // transform 0: CMYK
	}
	out = append(out, segment(0xDB, append([]byte{0}, bytes.Repeat([]byte{1}, 64)...))...)
	sof := []byte{8}
	sof = be.AppendUint16(sof, uint16(height))
	sof = be.AppendUint16(sof, uint16(width))
	sof = append(sof, byte(len(comps)))
	hmax, vmax, blocksPerMCU := 1, 1, 0
	for _, c := range comps {
		sof = append(sof, c.id, byte(c.h<<4|c.v), 0)
		hmax, vmax = max(hmax, c.h), max(vmax, c.v)
		blocksPerMCU += c.h * c.v
	}
	out = append(out, segment(map[bool]byte{false: 0xC0, true: 0xC2}[progressive], sof)...)
	// One code of one bit in each table: DC category 0, AC end of block.
	oneCode := append([]byte{1}, make([]byte, 15)...)
	out = append(out, segment(0xC4, slices.Concat([]byte{0x00}, oneCode, []byte{0}, []byte{0x10}, oneCode, []byte{0}))...)
	sos := []byte{byte(len(comps))}
	for _, c := range comps {
		sos = append(sos, c.id, 0x00)
	}
	bitsPerBlock := 2 // DC, then end of block
	if progressive {
		sos = append(sos, 0, 0, 0) // DC only, first pass
		bitsPerBlock = 1
	} else {
		sos = append(sos, 0, 63, 0)
	}
	out = append(out, segment(0xDA, sos)...)
	mcus := ((width + 8*hmax - 1) / (8 * hmax)) * ((height + 8*vmax - 1) / (8 * vmax))
	bits := mcus * blocksPerMCU * bitsPerBlock
	data := make([]byte, (bits+7)/8)
	if pad := len(data)*8 - bits; pad > 0 {
		data[len(data)-1] = 1<<pad - 1 // padded with ones; never a whole 0xFF
	}
	out = append(out, data...)
	return append(out, 0xFF, 0xD9)
}

// craftPNG writes a PNG of the given colour type and depth whose rows come
// from row (filtered with filter type filter(y)); nil rows are zero. An
// interlaced one has zero image data in each of its seven passes.
func craftPNG(t *testing.T, width, height, depth int, colorType byte, interlaced bool, extra []byte,
	row func(y int, buf []byte), filter func(y int) byte) []byte {
	t.Helper()
	ihdr := binary.BigEndian.AppendUint32(nil, uint32(width))
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(height))
	ihdr = append(ihdr, byte(depth), colorType, 0, 0, map[bool]byte{false: 0, true: 1}[interlaced])
	samples := map[byte]int{pngGrey: 1, pngRGB: 3, pngPalette: 1, pngGreyAlpha: 2, pngRGBA: 4}[colorType]
	rowBytes := func(w int) int { return (w*samples*depth + 7) / 8 }
	var idat bytes.Buffer
	z, err := zlib.NewWriterLevel(&idat, zlib.BestSpeed)
	if err != nil {
		t.Fatal(err)
	}
	write := func(b []byte) {
		if _, err := z.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	if interlaced {
		for _, p := range [][4]int{{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}} {
			pw, ph := (width-p[0]+p[2]-1)/p[2], (height-p[1]+p[3]-1)/p[3]
			if pw <= 0 || ph <= 0 {
				continue
			}
			zero := make([]byte, 1+rowBytes(pw))
			for range ph {
				write(zero)
			}
		}
	} else {
		buf := make([]byte, 1+rowBytes(width))
		for y := range height {
			clear(buf)
			if filter != nil {
				buf[0] = filter(y)
			}
			if row != nil {
				row(y, buf[1:])
			}
			write(buf)
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return slices.Concat([]byte("\x89PNG\r\n\x1a\n"), pngChunk("IHDR", ihdr), extra,
		pngChunk("IDAT", idat.Bytes()), pngChunk("IEND", nil))
}
