package upload

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// A PNG is a stream of rows, each filtered against the one above it, so a
// picture that is not interlaced can be decoded one row at a time and
// scaled as it comes: memory then follows the width, not the area. The
// standard decoder returns the whole picture at once (8 bytes a pixel for a
// 16-bit one: 320 MB for 8000×5000), hence this reader. Colours come out
// exactly as image/png followed by image/draw would give them in an
// image.RGBA (the tests compare the two on every colour type and depth).

// pngInfo is what the chunks before the image data say.
type pngInfo struct {
	width, height int
	depth         int  // bits a sample: 1, 2, 4, 8 or 16
	colorType     byte // 0 grey, 2 RGB, 3 palette, 4 grey and alpha, 6 RGBA
	interlaced    bool
	transparent   []byte // tRNS of a grey or RGB picture: the colour shown transparent
	palette       [256][4]byte
	idat          [][]byte // the compressed image data, chunk by chunk
}

const (
	pngGrey      = 0
	pngRGB       = 2
	pngPalette   = 3
	pngGreyAlpha = 4
	pngRGBA      = 6
)

var errPNG = errors.New("malformed PNG")

// readPNGInfo walks the chunks of a PNG, checking each one's CRC.
func readPNGInfo(data []byte) (*pngInfo, error) {
	if !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) {
		return nil, errPNG
	}
	info := &pngInfo{}
	for i := range info.palette {
		info.palette[i] = [4]byte{0, 0, 0, 0xff} // as image/png: out of range is opaque black
	}
	var paletteLen int
	seenIHDR, seenIEND := false, false
	for pos := 8; !seenIEND; {
		if pos+12 > len(data) {
			return nil, fmt.Errorf("%w: truncated", errPNG)
		}
		length := int64(binary.BigEndian.Uint32(data[pos:]))
		if length > int64(len(data)-pos-12) {
			return nil, fmt.Errorf("%w: truncated chunk", errPNG)
		}
		end := pos + 8 + int(length)
		typ, body := string(data[pos+4:pos+8]), data[pos+8:end]
		if crc32.ChecksumIEEE(data[pos+4:end]) != binary.BigEndian.Uint32(data[end:]) {
			return nil, fmt.Errorf("%w: bad %s checksum", errPNG, typ)
		}
		pos = end + 4
		if !seenIHDR && typ != "IHDR" {
			return nil, fmt.Errorf("%w: %s before IHDR", errPNG, typ)
		}
		switch typ {
		case "IHDR":
			if seenIHDR || len(body) != 13 {
				return nil, fmt.Errorf("%w: bad IHDR", errPNG)
			}
			seenIHDR = true
			w, h := binary.BigEndian.Uint32(body), binary.BigEndian.Uint32(body[4:])
			if w == 0 || h == 0 || w > 1<<31-1 || h > 1<<31-1 {
				return nil, fmt.Errorf("%w: %d×%d", errPNG, w, h)
			}
			info.width, info.height = int(w), int(h)
			info.depth, info.colorType = int(body[8]), body[9]
			if !validDepth(info.colorType, info.depth) || body[10] != 0 || body[11] != 0 || body[12] > 1 {
				return nil, fmt.Errorf("%w: unsupported IHDR", errPNG)
			}
			info.interlaced = body[12] == 1
		case "PLTE":
			if len(body)%3 != 0 || len(body) == 0 || len(body) > 3*256 {
				return nil, fmt.Errorf("%w: bad PLTE", errPNG)
			}
			if info.colorType == pngPalette {
				paletteLen = len(body) / 3
				if paletteLen > 1<<info.depth {
					return nil, fmt.Errorf("%w: bad PLTE", errPNG)
				}
				for i := range paletteLen {
					info.palette[i] = [4]byte{body[3*i], body[3*i+1], body[3*i+2], 0xff}
				}
			}
		case "tRNS":
			switch info.colorType {
			case pngGrey, pngRGB:
				if len(body) != map[byte]int{pngGrey: 2, pngRGB: 6}[info.colorType] {
					return nil, fmt.Errorf("%w: bad tRNS", errPNG)
				}
				info.transparent = body
			case pngPalette:
				if len(body) > 256 {
					return nil, fmt.Errorf("%w: bad tRNS", errPNG)
				}
				for i, alpha := range body {
					c := info.palette[i]
					info.palette[i] = premultiply8(c[0], c[1], c[2], alpha)
				}
			default:
				return nil, fmt.Errorf("%w: tRNS for colour type %d", errPNG, info.colorType)
			}
		case "IDAT":
			info.idat = append(info.idat, body)
		case "IEND":
			seenIEND = true
		}
	}
	if info.colorType == pngPalette && paletteLen == 0 {
		return nil, fmt.Errorf("%w: no palette", errPNG)
	}
	if len(info.idat) == 0 {
		return nil, fmt.Errorf("%w: no image data", errPNG)
	}
	return info, nil
}

func validDepth(colorType byte, depth int) bool {
	switch colorType {
	case pngGrey:
		return depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16
	case pngPalette:
		return depth == 1 || depth == 2 || depth == 4 || depth == 8
	case pngRGB, pngGreyAlpha, pngRGBA:
		return depth == 8 || depth == 16
	}
	return false
}

// bitsPerPixel is the size of one pixel in the image data.
func (p *pngInfo) bitsPerPixel() int {
	samples := map[byte]int{pngGrey: 1, pngRGB: 3, pngPalette: 1, pngGreyAlpha: 2, pngRGBA: 4}[p.colorType]
	return samples * p.depth
}

// decodedBytesPerPixel is what image/png allocates a pixel for this colour
// type and depth.
func (p *pngInfo) decodedBytesPerPixel() int64 {
	switch {
	case p.colorType == pngPalette:
		return 1 // image.Paletted
	case p.depth == 16 && p.colorType == pngGrey && p.transparent == nil:
		return 2 // image.Gray16
	case p.depth == 16:
		return 8 // image.RGBA64, image.NRGBA64
	case p.colorType == pngGrey && p.transparent == nil:
		return 1 // image.Gray
	default:
		return 4 // image.RGBA, image.NRGBA
	}
}

// rows decodes the picture, which must not be interlaced, handing each row
// to add as premultiplied RGBA, 4×width bytes (reused from row to row).
func (p *pngInfo) rows(add func([]byte)) error {
	if p.interlaced {
		return errors.New("upload: interlaced PNG read by rows")
	}
	readers := make([]io.Reader, len(p.idat))
	for i, chunk := range p.idat {
		readers[i] = bytes.NewReader(chunk)
	}
	z, err := zlib.NewReader(io.MultiReader(readers...))
	if err != nil {
		return fmt.Errorf("%w: %v", errPNG, err)
	}
	defer z.Close()
	bpp := max(1, p.bitsPerPixel()/8) // the filters' distance to the pixel on the left
	rowSize := 1 + (p.bitsPerPixel()*p.width+7)/8
	cr, pr := make([]byte, rowSize), make([]byte, rowSize)
	out := make([]byte, 4*p.width)
	for range p.height {
		if _, err := io.ReadFull(z, cr); err != nil {
			return fmt.Errorf("%w: not enough pixel data (%v)", errPNG, err)
		}
		if err := unfilter(cr[0], cr[1:], pr[1:], bpp); err != nil {
			return err
		}
		p.convert(out, cr[1:])
		add(out)
		cr, pr = pr, cr
	}
	// The end of the stream checks zlib's checksum; more data is an error,
	// as for image/png.
	var one [1]byte
	if n, err := io.ReadFull(z, one[:]); n != 0 || !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: too much pixel data or a bad checksum (%v)", errPNG, err)
	}
	return nil
}

// unfilter undoes a row's filter in place, given the row above.
func unfilter(filter byte, cdat, pdat []byte, bpp int) error {
	switch filter {
	case 0: // none
	case 1: // sub
		for i := bpp; i < len(cdat); i++ {
			cdat[i] += cdat[i-bpp]
		}
	case 2: // up
		for i, b := range pdat {
			cdat[i] += b
		}
	case 3: // average
		for i := range min(bpp, len(cdat)) {
			cdat[i] += pdat[i] / 2
		}
		for i := bpp; i < len(cdat); i++ {
			cdat[i] += uint8((int(cdat[i-bpp]) + int(pdat[i])) / 2)
		}
	case 4: // Paeth
		for i := range cdat {
			var a, c uint8
			if i >= bpp {
				a, c = cdat[i-bpp], pdat[i-bpp]
			}
			cdat[i] += paeth(a, pdat[i], c)
		}
	default:
		return fmt.Errorf("%w: bad filter type %d", errPNG, filter)
	}
	return nil
}

// paeth is the PNG specification's predictor.
func paeth(a, b, c uint8) uint8 {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := abs(p-int(a)), abs(p-int(b)), abs(p-int(c))
	if pa <= pb && pa <= pc {
		return a
	} else if pb <= pc {
		return b
	}
	return c
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// convert turns one unfiltered row into premultiplied RGBA.
func (p *pngInfo) convert(out, row []byte) {
	w := p.width
	switch {
	case p.colorType == pngPalette:
		for x := range w {
			copy(out[4*x:4*x+4], p.palette[sample(row, x, p.depth)][:])
		}
	case p.colorType == pngGrey && p.depth < 16:
		scale := uint8(0xff / (1<<p.depth - 1))
		key, keyed := uint8(0), p.transparent != nil
		if keyed {
			key = p.transparent[1] * scale // as image/png, which keeps the low byte
		}
		for x := range w {
			v := uint8(sample(row, x, p.depth)) * scale
			if keyed && v == key {
				copy(out[4*x:4*x+4], []byte{0, 0, 0, 0})
			} else {
				copy(out[4*x:4*x+4], []byte{v, v, v, 0xff})
			}
		}
	case p.colorType == pngGrey:
		for x := range w {
			v := binary.BigEndian.Uint16(row[2*x:])
			if p.transparent != nil && v == binary.BigEndian.Uint16(p.transparent) {
				copy(out[4*x:4*x+4], []byte{0, 0, 0, 0})
			} else {
				copy(out[4*x:4*x+4], []byte{uint8(v >> 8), uint8(v >> 8), uint8(v >> 8), 0xff})
			}
		}
	case p.colorType == pngRGB && p.depth == 8:
		for x := range w {
			r, g, b := row[3*x], row[3*x+1], row[3*x+2]
			if t := p.transparent; t != nil && r == t[1] && g == t[3] && b == t[5] {
				copy(out[4*x:4*x+4], []byte{0, 0, 0, 0})
			} else {
				copy(out[4*x:4*x+4], []byte{r, g, b, 0xff})
			}
		}
	case p.colorType == pngRGB:
		for x := range w {
			s := row[6*x : 6*x+6]
			if t := p.transparent; t != nil && bytes.Equal(s, t) {
				copy(out[4*x:4*x+4], []byte{0, 0, 0, 0})
			} else {
				copy(out[4*x:4*x+4], []byte{s[0], s[2], s[4], 0xff})
			}
		}
	case p.colorType == pngGreyAlpha && p.depth == 8:
		for x := range w {
			c := premultiply8(row[2*x], row[2*x], row[2*x], row[2*x+1])
			copy(out[4*x:4*x+4], c[:])
		}
	case p.colorType == pngGreyAlpha:
		for x := range w {
			v, a := binary.BigEndian.Uint16(row[4*x:]), binary.BigEndian.Uint16(row[4*x+2:])
			c := premultiply16(v, v, v, a)
			copy(out[4*x:4*x+4], c[:])
		}
	case p.colorType == pngRGBA && p.depth == 8:
		for x := range w {
			s := row[4*x : 4*x+4]
			c := premultiply8(s[0], s[1], s[2], s[3])
			copy(out[4*x:4*x+4], c[:])
		}
	default: // RGBA, 16 bits
		for x := range w {
			s := row[8*x : 8*x+8]
			be := binary.BigEndian
			c := premultiply16(be.Uint16(s), be.Uint16(s[2:]), be.Uint16(s[4:]), be.Uint16(s[6:]))
			copy(out[4*x:4*x+4], c[:])
		}
	}
}

// sample reads the x-th sample of a row of samples of 1, 2, 4 or 8 bits.
func sample(row []byte, x, depth int) int {
	if depth == 8 {
		return int(row[x])
	}
	perByte := 8 / depth
	shift := 8 - depth*(x%perByte+1)
	return int(row[x/perByte]>>shift) & (1<<depth - 1)
}

// premultiply8 converts a colour with straight alpha to image.RGBA's
// premultiplied bytes, rounding as color.NRGBA's RGBA method does.
func premultiply8(r, g, b, a uint8) [4]byte {
	if a == 0xff {
		return [4]byte{r, g, b, a}
	}
	return premultiply16(uint16(r)*0x101, uint16(g)*0x101, uint16(b)*0x101, uint16(a)*0x101)
}

// premultiply16 is premultiply8 for 16-bit samples, as color.NRGBA64's
// RGBA method followed by keeping the high byte.
func premultiply16(r, g, b, a uint16) [4]byte {
	m := func(c uint16) uint8 { return uint8(uint32(c) * uint32(a) / 0xffff >> 8) }
	return [4]byte{m(r), m(g), m(b), uint8(a >> 8)}
}
