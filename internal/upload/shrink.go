package upload

import (
	"image"
	"image/color"
	"image/draw"
)

// shrinker scales a picture down to a smaller size, taking it one row at a
// time: each pixel of the result is the mean of the area of the source it
// covers (a box filter, exact for any ratio). It holds the result and two
// rows of sums, never the source, so a picture streamed to it row by row is
// never whole in memory.
//
// A kernel scaler such as golang.org/x/image/draw's CatmullRom needs a
// buffer of 32 bytes per pixel of the result's width times the source's
// height: 256 MB for a 1600 px rendition of an 8000×5000 picture.
//
// Rows are 8-bit RGBA with premultiplied alpha (image.RGBA's layout), so a
// mean weighs each colour by its opacity.
type shrinker struct {
	sw, sh, dw, dh int
	cols           []span // per source column: where it falls in the result
	dst            *image.RGBA
	sy, dy         int      // next source row; result row being summed
	cur, next      []uint64 // sums of result rows dy and dy+1, 4 a pixel
	row            []uint64 // the source row being added, summed across
	opaque         bool     // no source pixel so far has alpha below 255
}

// span is where one source column or row falls in the result: in index,
// and, when it straddles a boundary, partly in index+1. Weights are in units
// where a source pixel is as wide as the result (dw or dh units) and a result
// pixel as wide as the source (sw or sh units).
type span struct {
	index      int
	this, then uint64
}

// spans lists where each of n source pixels falls among m result pixels,
// m ≤ n.
func spans(n, m int) []span {
	s := make([]span, n)
	for i := range s {
		start, end := i*m, (i+1)*m
		index := start / n
		boundary := (index + 1) * n
		if end <= boundary {
			s[i] = span{index, uint64(m), 0}
		} else {
			s[i] = span{index, uint64(boundary - start), uint64(end - boundary)}
		}
	}
	return s
}

// newShrinker prepares a dw×dh result of an sw×sh source; a result larger
// than the source in either direction is clamped to it.
func newShrinker(sw, sh, dw, dh int) *shrinker {
	dw, dh = max(1, min(dw, sw)), max(1, min(dh, sh))
	return &shrinker{
		sw: sw, sh: sh, dw: dw, dh: dh,
		cols:   spans(sw, dw),
		dst:    image.NewRGBA(image.Rect(0, 0, dw, dh)),
		cur:    make([]uint64, 4*dw),
		next:   make([]uint64, 4*dw),
		row:    make([]uint64, 4*dw),
		opaque: true,
	}
}

// add takes the next source row, 4×sw bytes.
func (s *shrinker) add(pix []byte) {
	if s.sy >= s.sh {
		return
	}
	pix = pix[:4*s.sw]
	clear(s.row)
	for x, c := range s.cols {
		p := pix[4*x : 4*x+4 : 4*x+4]
		if p[3] != 0xff {
			s.opaque = false
		}
		r := s.row[4*c.index : 4*c.index+4 : 4*c.index+4]
		r[0] += uint64(p[0]) * c.this
		r[1] += uint64(p[1]) * c.this
		r[2] += uint64(p[2]) * c.this
		r[3] += uint64(p[3]) * c.this
		if c.then != 0 {
			r = s.row[4*c.index+4 : 4*c.index+8 : 4*c.index+8]
			r[0] += uint64(p[0]) * c.then
			r[1] += uint64(p[1]) * c.then
			r[2] += uint64(p[2]) * c.then
			r[3] += uint64(p[3]) * c.then
		}
	}
	start, end := s.sy*s.dh, (s.sy+1)*s.dh
	boundary := (s.dy + 1) * s.sh
	this, then := uint64(s.dh), uint64(0)
	if end > boundary {
		this, then = uint64(boundary-start), uint64(end-boundary)
	}
	for i, v := range s.row {
		s.cur[i] += v * this
		s.next[i] += v * then
	}
	s.sy++
	if end >= boundary {
		s.finishRow()
	}
}

// finishRow writes the result row being summed and starts the next.
func (s *shrinker) finishRow() {
	if s.dy < s.dh {
		area := uint64(s.sw) * uint64(s.sh)
		out := s.dst.Pix[s.dy*s.dst.Stride:][:4*s.dw]
		for i, v := range s.cur {
			out[i] = uint8((v + area/2) / area)
		}
	}
	s.cur, s.next = s.next, s.cur
	clear(s.next)
	s.dy++
}

// addImage takes every row of a decoded picture, converted to RGBA one row
// at a time.
func (s *shrinker) addImage(m image.Image) {
	b := m.Bounds()
	if rgba, ok := m.(*image.RGBA); ok {
		for y := b.Min.Y; y < b.Max.Y; y++ {
			s.add(rgba.Pix[rgba.PixOffset(b.Min.X, y):])
		}
		return
	}
	row := image.NewRGBA(image.Rect(0, 0, b.Dx(), 1))
	if p, ok := m.(*image.Paletted); ok {
		// image/draw has no fast path from a palette to RGBA: look each
		// index up in the palette converted once.
		var lut [256][4]byte
		for i, c := range p.Palette {
			rgba := color.RGBAModel.Convert(c).(color.RGBA)
			lut[i] = [4]byte{rgba.R, rgba.G, rgba.B, rgba.A}
		}
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x, index := range p.Pix[p.PixOffset(b.Min.X, y):][:b.Dx()] {
				copy(row.Pix[4*x:], lut[index][:])
			}
			s.add(row.Pix)
		}
		return
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		draw.Draw(row, row.Rect, m, image.Pt(b.Min.X, y), draw.Src)
		s.add(row.Pix)
	}
}

// result returns the scaled picture once every source row is in.
func (s *shrinker) result() *image.RGBA {
	return s.dst
}
