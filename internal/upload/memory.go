package upload

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// MemoryBudget bounds what processing one picture may allocate: the decoded
// picture as its decoder holds it, and the renditions. Vigil's server runs
// in 64 MiB when idle and must stay under 256 MiB during any one heavy
// operation, an upload among them; uploads are processed one at a time.
// With the 10 MB upload itself and what the collector lets accumulate
// before it runs, 128 MiB keeps the whole server under that bound
// (measured: see docs/decisions.md).
const MemoryBudget = 128 << 20

// ErrTooMuchMemory is wrapped by the error of a picture that would need more
// than MemoryBudget to process. Its message is fit for staff.
var ErrTooMuchMemory = errors.New("the picture is too large to process")

// MemoryError says how much memory a refused picture would have needed, and
// how many pixels of the same kind fit the budget.
type MemoryError struct {
	Width, Height int
	Kind          string // "progressive JPEG", "CMYK JPEG", "16-bit PNG", …
	Needed        int64  // bytes
	FittingPixels int64  // the largest width×height of this kind that fits
}

func (e *MemoryError) Error() string {
	return fmt.Sprintf("upload: %d×%d %s needs %d MiB to process, more than %d MiB: %v",
		e.Width, e.Height, e.Kind, e.Needed>>20, MemoryBudget>>20, ErrTooMuchMemory)
}

// Unwrap makes errors.Is(err, ErrTooMuchMemory) hold.
func (e *MemoryError) Unwrap() error { return ErrTooMuchMemory }

// decodePlan is how a picture will be decoded and what that will cost.
type decodePlan struct {
	kind    string
	perPx   float64 // bytes a pixel the decoder holds, averaged
	decode  int64   // bytes the decoder holds at its peak
	png     *pngInfo
	streams bool // decoded row by row (a PNG that is not interlaced)
}

// planDecode reads the headers of an upload already identified as format,
// width×height pixels, and says what decoding it will hold in memory. The
// figures follow what the decoders in use allocate (image/jpeg, image/png,
// image/gif, golang.org/x/image/webp), rounded up.
func planDecode(data []byte, format string, width, height int) (decodePlan, error) {
	pixels := int64(width) * int64(height)
	switch format {
	case "png":
		info, err := readPNGInfo(data)
		if err != nil {
			return decodePlan{}, err
		}
		kind := fmt.Sprintf("%d-bit PNG", info.depth)
		if !info.interlaced {
			// Two rows of image data and one of RGBA.
			row := int64(2*(1+(info.bitsPerPixel()*info.width+7)/8) + 4*info.width)
			return decodePlan{kind: kind, decode: row, png: info, streams: true}, nil
		}
		// Interlaced: the whole picture, plus each of the seven passes as
		// its own picture, merged in and then garbage.
		per := 2 * info.decodedBytesPerPixel()
		return decodePlan{kind: "interlaced " + kind, perPx: float64(per), decode: per * pixels, png: info}, nil
	case "jpeg":
		return planJPEG(data, width, height)
	case "gif":
		// The first frame, one byte a pixel, and as much again to
		// de-interlace it.
		return decodePlan{kind: "GIF", perPx: 2, decode: 2 * pixels}, nil
	case "webp":
		return planWebP(data, width, height), nil
	}
	return decodePlan{}, fmt.Errorf("no plan for %s", format)
}

// planJPEG reads the frame header. image/jpeg allocates, rounded up to whole
// MCUs, one byte a pixel of each component at its own sampling; a
// progressive JPEG keeps every component's DCT coefficients until the end
// as well (64 int32 for each 8×8 block: 4 bytes a pixel of each component);
// a 4-component (CMYK, YCCK) or RGB JPEG is then converted into a new
// 4-byte-a-pixel picture.
func planJPEG(data []byte, width, height int) (decodePlan, error) {
	frame, err := jpegFrame(data)
	if err != nil {
		return decodePlan{}, err
	}
	h0, v0 := frame.sampling[0][0], frame.sampling[0][1]
	if len(frame.sampling) == 1 {
		h0, v0 = 1, 1
	}
	mcuX := int64((width + 8*h0 - 1) / (8 * h0))
	mcuY := int64((height + 8*v0 - 1) / (8 * v0))
	var planes int64
	for i, hv := range frame.sampling {
		h, v := hv[0], hv[1]
		if len(frame.sampling) == 1 {
			h, v = 1, 1
		}
		if i == 2 && len(frame.sampling) >= 3 {
			// image/jpeg sizes Cr as Cb.
			h, v = frame.sampling[1][0], frame.sampling[1][1]
		}
		planes += 8 * int64(h) * mcuX * 8 * int64(v) * mcuY
	}
	kind, decode := "JPEG", planes
	if frame.progressive {
		kind, decode = "progressive JPEG", decode+4*planes
	}
	switch {
	case len(frame.sampling) == 4:
		kind = "CMYK " + kind
		decode += 4 * int64(width) * int64(height)
	case len(frame.sampling) == 3 && frame.rgb:
		kind = "RGB " + kind
		decode += 4 * int64(width) * int64(height)
	}
	return decodePlan{kind: kind, perPx: float64(decode) / float64(int64(width)*int64(height)), decode: decode}, nil
}

// jpegHeader is what planJPEG needs of a JPEG's frame header.
type jpegHeader struct {
	progressive bool
	sampling    [][2]int // per component: horizontal, vertical factor
	rgb         bool     // stored as RGB rather than YCbCr
}

// jpegFrame walks the marker segments up to the frame header.
func jpegFrame(data []byte) (jpegHeader, error) {
	var h jpegHeader
	jfif, adobe, adobeTransform := false, false, byte(0)
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xFF {
			break
		}
		marker := data[i+1]
		if marker == 0xFF { // fill byte
			i++
			continue
		}
		length := int(binary.BigEndian.Uint16(data[i+2:]))
		end := i + 2 + length
		if length < 2 || end > len(data) {
			break
		}
		segment := data[i+4 : end]
		switch marker {
		case 0xE0:
			jfif = jfif || bytes.HasPrefix(segment, []byte("JFIF\x00"))
		case 0xEE:
			if len(segment) >= 12 && bytes.HasPrefix(segment, []byte("Adobe")) {
				adobe, adobeTransform = true, segment[11]
			}
		case 0xC0, 0xC1, 0xC2:
			if len(segment) < 6 || len(segment) < 6+3*int(segment[5]) || segment[5] == 0 {
				return h, errors.New("malformed JPEG frame header")
			}
			h.progressive = marker == 0xC2
			n := int(segment[5])
			ids := make([]byte, n)
			for c := range n {
				ids[c] = segment[6+3*c]
				hv := segment[7+3*c]
				h.sampling = append(h.sampling, [2]int{max(1, int(hv>>4)), max(1, int(hv&0x0f))})
			}
			// As image/jpeg decides: an Adobe transform of 0 means RGB, and
			// so do components named R, G, B in a file without JFIF.
			h.rgb = n == 3 && !jfif && (adobe && adobeTransform == 0 || string(ids) == "RGB")
			return h, nil
		case 0xDA, 0xD9:
			return h, errors.New("JPEG without a frame header")
		}
		i = end
	}
	return h, errors.New("JPEG frame header not found")
}

// planWebP reads the first chunk of a WebP file. Lossy pictures decode to
// YCbCr 4:2:0 in whole 16-pixel macroblocks (1.5 bytes a pixel); an alpha
// channel compressed losslessly is decoded as a whole RGBA picture first (4
// bytes) and copied out (1); lossless pictures take 4 bytes a pixel, and as
// much again while a colour-indexing transform expands them.
func planWebP(data []byte, width, height int) decodePlan {
	pixels := int64(width) * int64(height)
	lossy := int64((width+15)/16*16) * int64((height+15)/16*16) * 3 / 2
	chunk := ""
	if len(data) >= 16 {
		chunk = string(data[12:16])
	}
	switch chunk {
	case "VP8 ":
		return decodePlan{kind: "WebP", perPx: 1.5, decode: lossy}
	case "VP8X":
		// Extended: find which picture follows, and whether it has alpha.
		var alpha, lossless bool
		for pos := 12; pos+8 <= len(data); {
			fourcc := string(data[pos : pos+4])
			size := int(binary.LittleEndian.Uint32(data[pos+4:]))
			alpha = alpha || fourcc == "ALPH"
			lossless = lossless || fourcc == "VP8L"
			if fourcc == "VP8 " || fourcc == "VP8L" || size < 0 || size > len(data) {
				break
			}
			pos += 8 + size + size&1
		}
		if !lossless {
			decode := lossy
			if alpha {
				decode += 5 * pixels
			}
			return decodePlan{kind: "WebP", perPx: float64(decode) / float64(pixels), decode: decode}
		}
	}
	return decodePlan{kind: "lossless WebP", perPx: 8, decode: 8 * pixels}
}

// renditionBytes is what the renditions of a picture hold while they are
// made: the largest, its turned copy or the next one scaled from it, in
// RGBA.
func renditionBytes(width, height int) int64 {
	return 2 * 4 * int64(width) * int64(height)
}
