// Package upload turns an image uploaded by staff into the renditions Vigil
// stores and serves.
//
// Every rendition is encoded afresh from decoded pixels, so nothing of the
// uploaded file but its picture survives: no EXIF (above all no GPS
// location), no XMP, no comments, no embedded thumbnails. Pictures may show
// people at risk and the places they hide; that is why the package never
// copies bytes from the upload into its output.
package upload

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // registers the GIF decoder
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"runtime/debug"

	_ "golang.org/x/image/webp" // registers the WebP decoder

	"vigil/internal/model"
)

// Limits on what Process accepts.
const (
	// MaxBytes is the largest upload accepted.
	MaxBytes = 10 << 20
	// MaxPixels bounds width×height, read from the header before decoding,
	// so that a small file cannot make the server allocate gigabytes.
	MaxPixels = 40_000_000
)

// Widths are the rendition widths pages offer in a srcset, ascending.
var Widths = []int{480, 960, 1600}

// jpegQuality is high enough for artefacts not to show in photographs and
// low enough to keep renditions light on slow connections.
const jpegQuality = 82

// Sentinel errors. Their messages are fit to show to the staff member who
// uploaded the file.
var (
	ErrNotImage      = errors.New("the file is not a JPEG, PNG, GIF or WebP image")
	ErrTooLarge      = errors.New("the file is larger than 10 MB")
	ErrTooManyPixels = errors.New("the image has more than 40 million pixels")
)

// formats maps the content types accepted, as http.DetectContentType sniffs
// them from the first bytes, to the names the image package registers their
// decoders under. The content decides, never the file name or the
// Content-Type the client claims.
var formats = map[string]string{
	"image/jpeg": "jpeg",
	"image/png":  "png",
	"image/gif":  "gif", // first frame only
	"image/webp": "webp",
}

// Process checks an upload by its content, decodes it and re-encodes it at
// each width in Widths not larger than the original; an image narrower than
// the smallest width gets one rendition at its own width. Renditions never
// upscale and keep the aspect ratio; JPEG orientation is applied.
//
// Renditions are PNG when the picture has any transparent pixel, whatever the
// source format, and JPEG otherwise: Vigil's images are photographs, and an
// opaque PNG photograph is several times the size of a good JPEG.
//
// Memory is bounded before anything is decoded: from the headers, Process
// works out what the decoder will hold and refuses a picture that would
// need more than MemoryBudget. A PNG that is not interlaced is decoded one
// row at a time straight into its largest rendition, so its size costs
// nothing; other formats are decoded whole (see docs/decisions.md). Once a
// large picture is done with, its memory is handed back to the system.
//
// The returned Image carries Width and Height of the largest rendition,
// Widths ascending, Format ("jpg" or "png") and Hash, the first 16 hex digits
// of the SHA-256 of the uploaded bytes. The caller fills in the rest.
//
// An upload refused wraps ErrTooLarge, ErrTooManyPixels, ErrTooMuchMemory
// (as a *MemoryError) or ErrNotImage.
func Process(data []byte) (model.Image, []model.ImageVariant, error) {
	img, variants, decoded, err := process(data)
	if decoded {
		// What decoding held is garbage now. Left to itself the runtime
		// keeps the pages it grew the heap by and returns them over
		// minutes (an idle server may not collect for two); a collection
		// now costs little next to the decoding, once per upload (see
		// BENCHMARKS.md, "Giving memory back").
		debug.FreeOSMemory()
	}
	return img, variants, err
}

// process is Process without giving memory back; decoded says whether it
// got as far as decoding.
func process(data []byte) (img model.Image, variants []model.ImageVariant, decoded bool, err error) {
	if len(data) > MaxBytes {
		return model.Image{}, nil, false, fmt.Errorf("upload: %d bytes: %w", len(data), ErrTooLarge)
	}
	contentType := http.DetectContentType(data)
	want, ok := formats[contentType]
	if !ok {
		return model.Image{}, nil, false, fmt.Errorf("upload: content %s: %w", contentType, ErrNotImage)
	}
	config, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err == nil && format != want {
		err = fmt.Errorf("header read as %s", format)
	}
	if err != nil {
		return model.Image{}, nil, false, fmt.Errorf("upload: read %s header: %w (%v)", want, ErrNotImage, err)
	}
	if config.Width <= 0 || config.Height <= 0 {
		return model.Image{}, nil, false, fmt.Errorf("upload: %d×%d px: %w", config.Width, config.Height, ErrNotImage)
	}
	if int64(config.Width)*int64(config.Height) > MaxPixels {
		return model.Image{}, nil, false, fmt.Errorf("upload: %d×%d px: %w", config.Width, config.Height, ErrTooManyPixels)
	}
	plan, err := planDecode(data, format, config.Width, config.Height)
	if err != nil {
		return model.Image{}, nil, false, fmt.Errorf("upload: read %s header: %w (%v)", format, ErrNotImage, err)
	}

	orientation := 1
	if format == "jpeg" {
		orientation = jpegOrientation(data)
	}
	// Sizes below are as displayed: a portrait photo stored sideways with
	// orientation 6 is as wide as the stored one is high.
	width, height := config.Width, config.Height
	if orientation >= 5 {
		width, height = height, width
	}
	widths := renditionWidths(width)
	largestW := widths[len(widths)-1]
	largestH := scaledHeight(width, height, largestW)
	held := plan.decode + renditionBytes(largestW, largestH)
	if held > MemoryBudget {
		fitting := int64(0)
		if plan.perPx > 0 {
			fitting = int64(float64(MemoryBudget-renditionBytes(largestW, largestH)) / plan.perPx)
		}
		return model.Image{}, nil, false, &MemoryError{Width: config.Width, Height: config.Height, Kind: plan.kind,
			Needed: held, FittingPixels: max(0, fitting)}
	}

	src, err := openSource(data, plan)
	if err != nil {
		return model.Image{}, nil, true, fmt.Errorf("upload: decode %s: %w (%v)", format, ErrNotImage, err)
	}
	if src.width != config.Width || src.height != config.Height {
		// A GIF's first frame may be smaller than its canvas: the frame is
		// the picture.
		width, height = src.width, src.height
		if orientation >= 5 {
			width, height = height, width
		}
		widths = renditionWidths(width)
		largestW = widths[len(widths)-1]
		largestH = scaledHeight(width, height, largestW)
	}
	scaledW, scaledH := largestW, largestH
	if orientation >= 5 {
		scaledW, scaledH = largestH, largestW
	}
	shrink := newShrinker(src.width, src.height, scaledW, scaledH)
	if err := src.rows(shrink); err != nil {
		return model.Image{}, nil, true, fmt.Errorf("upload: decode %s: %w (%v)", format, ErrNotImage, err)
	}
	// The decoded picture, when there is one, is garbage from here: only
	// the largest rendition goes on.
	largest, opaque := shrink.result(), shrink.opaque

	extension, contentType, encode := "jpg", "image/jpeg", encodeJPEG
	if !opaque {
		extension, contentType, encode = "png", "image/png", png.Encode
	}
	variants = make([]model.ImageVariant, len(widths))
	sum := sha256.Sum256(data)
	img = model.Image{Width: largestW, Height: largestH, Widths: widths, Format: extension, Hash: hex.EncodeToString(sum[:])[:16]}
	// Largest first, each smaller rendition scaled from the one above it.
	scaled := largest
	for i := len(widths) - 1; i >= 0; i-- {
		w := widths[i]
		if i < len(widths)-1 {
			h := scaledHeight(width, height, w)
			scaledW, scaledH := w, h
			if orientation >= 5 {
				scaledW, scaledH = h, w
			}
			shrink := newShrinker(scaled.Rect.Dx(), scaled.Rect.Dy(), scaledW, scaledH)
			shrink.addImage(scaled)
			scaled = shrink.result()
		}
		var out bytes.Buffer
		if err := encode(&out, orient(scaled, orientation)); err != nil {
			return model.Image{}, nil, true, fmt.Errorf("upload: encode %d px %s: %w", w, extension, err)
		}
		variants[i] = model.ImageVariant{Width: w, ContentType: contentType, Data: out.Bytes()}
	}
	return img, variants, true, nil
}

// scaledHeight is the height of a width×height picture scaled to w wide.
func scaledHeight(width, height, w int) int {
	return max(1, (height*w+width/2)/width)
}

// source is an upload ready to be read row by row.
type source struct {
	width, height int
	rows          func(*shrinker) error
}

// openSource reads a PNG that is not interlaced as it goes, and decodes any
// other picture whole.
func openSource(data []byte, plan decodePlan) (source, error) {
	if plan.streams {
		info := plan.png
		return source{info.width, info.height, func(s *shrinker) error { return info.rows(s.add) }}, nil
	}
	m, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return source{}, err
	}
	b := m.Bounds()
	return source{b.Dx(), b.Dy(), func(s *shrinker) error { s.addImage(m); return nil }}, nil
}

// renditionWidths lists the widths of Widths not larger than width, or width
// alone when it is smaller than all of them.
func renditionWidths(width int) []int {
	var widths []int
	for _, w := range Widths {
		if w <= width {
			widths = append(widths, w)
		}
	}
	if len(widths) == 0 {
		widths = []int{width}
	}
	return widths
}

// encodeJPEG has png.Encode's signature, so Process can pick either.
func encodeJPEG(w io.Writer, m image.Image) error {
	return jpeg.Encode(w, m, &jpeg.Options{Quality: jpegQuality})
}
