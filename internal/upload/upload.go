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

	"golang.org/x/image/draw"
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
// The returned Image carries Width and Height of the largest rendition,
// Widths ascending, Format ("jpg" or "png") and Hash, the first 16 hex digits
// of the SHA-256 of the uploaded bytes. The caller fills in the rest.
//
// An upload refused wraps ErrTooLarge, ErrTooManyPixels or ErrNotImage.
func Process(data []byte) (model.Image, []model.ImageVariant, error) {
	if len(data) > MaxBytes {
		return model.Image{}, nil, fmt.Errorf("upload: %d bytes: %w", len(data), ErrTooLarge)
	}
	contentType := http.DetectContentType(data)
	want, ok := formats[contentType]
	if !ok {
		return model.Image{}, nil, fmt.Errorf("upload: content %s: %w", contentType, ErrNotImage)
	}
	config, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err == nil && format != want {
		err = fmt.Errorf("header read as %s", format)
	}
	if err != nil {
		return model.Image{}, nil, fmt.Errorf("upload: read %s header: %w (%v)", want, ErrNotImage, err)
	}
	if config.Width <= 0 || config.Height <= 0 {
		return model.Image{}, nil, fmt.Errorf("upload: %d×%d px: %w", config.Width, config.Height, ErrNotImage)
	}
	if int64(config.Width)*int64(config.Height) > MaxPixels {
		return model.Image{}, nil, fmt.Errorf("upload: %d×%d px: %w", config.Width, config.Height, ErrTooManyPixels)
	}
	src, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return model.Image{}, nil, fmt.Errorf("upload: decode %s: %w (%v)", format, ErrNotImage, err)
	}

	orientation := 1
	if format == "jpeg" {
		orientation = jpegOrientation(data)
	}
	// Sizes below are as displayed: a portrait photo stored sideways with
	// orientation 6 is as wide as the stored one is high.
	width, height := src.Bounds().Dx(), src.Bounds().Dy()
	if orientation >= 5 {
		width, height = height, width
	}

	extension, contentType, encode := "jpg", "image/jpeg", encodeJPEG
	if hasTransparency(src) {
		extension, contentType, encode = "png", "image/png", png.Encode
	}
	widths := renditionWidths(width)
	variants := make([]model.ImageVariant, len(widths))
	sum := sha256.Sum256(data)
	img := model.Image{Width: widths[len(widths)-1], Widths: widths, Format: extension, Hash: hex.EncodeToString(sum[:])[:16]}
	// Largest first, each smaller rendition scaled from the one above it:
	// going back to a 40-megapixel source for every width costs seconds.
	for i := len(widths) - 1; i >= 0; i-- {
		w := widths[i]
		h := max(1, (height*w+width/2)/width)
		if w == img.Width {
			img.Height = h
		}
		scaledW, scaledH := w, h
		if orientation >= 5 {
			scaledW, scaledH = h, w
		}
		// Orient the scaled result rather than the full-size source: fewer
		// pixels to move.
		scaled := image.NewRGBA(image.Rect(0, 0, scaledW, scaledH))
		draw.CatmullRom.Scale(scaled, scaled.Bounds(), src, src.Bounds(), draw.Src, nil)
		src = scaled
		var out bytes.Buffer
		if err := encode(&out, orient(scaled, orientation)); err != nil {
			return model.Image{}, nil, fmt.Errorf("upload: encode %d px %s: %w", w, extension, err)
		}
		variants[i] = model.ImageVariant{Width: w, ContentType: contentType, Data: out.Bytes()}
	}
	return img, variants, nil
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

// hasTransparency reports whether any pixel of m is not fully opaque. Every
// image type of the standard decoders answers Opaque by scanning its pixels.
func hasTransparency(m image.Image) bool {
	opaque, ok := m.(interface{ Opaque() bool })
	return !ok || !opaque.Opaque()
}

// encodeJPEG has png.Encode's signature, so Process can pick either.
func encodeJPEG(w io.Writer, m image.Image) error {
	return jpeg.Encode(w, m, &jpeg.Options{Quality: jpegQuality})
}
