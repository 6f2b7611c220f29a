// Package art renders Vigil's own flat-colour illustrations (no fetched
// images) to PNG at any width, so pages can offer a srcset of several sizes.
//
// A Scene is described once in a fixed 1600x900 (16:9) coordinate space and
// scaled at render time. Shapes are painted in order with anti-aliased edges:
// each pixel row is sampled on several sub-scanlines and the horizontal
// coverage of every span is computed exactly, which gives smooth edges in all
// directions at a cost that grows with the number of edges, not the area.
package art

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"slices"
)

// The coordinate space every Scene is described in.
const (
	SceneWidth  = 1600
	SceneHeight = 900
)

// Bounds on the width accepted by Render.
const (
	MinWidth = 16
	MaxWidth = 4096
)

// Scene is a flat-colour illustration described in a 1600x900 coordinate
// space (16:9).
type Scene struct {
	// Name is the scene's key, e.g. "cecot".
	Name string
	// Alt is a one-sentence plain-English description of what is drawn,
	// for the img alt attribute.
	Alt string
	// Background fills the whole picture before any shape is drawn. It is
	// painted as an opaque colour (its alpha is ignored).
	Background color.RGBA
	// Shapes are painted in order, later shapes over earlier ones.
	Shapes []Shape
}

// Kind selects the geometry of a Shape.
type Kind uint8

const (
	// KindRect is the axis-aligned rectangle with top-left corner (X, Y) and
	// size W x H. A positive Radius rounds its corners.
	KindRect Kind = iota
	// KindEllipse is the ellipse centred on (X, Y) with radii W and H,
	// rotated clockwise by Angle radians.
	KindEllipse
	// KindPolygon is the closed polygon through Points, filled with the
	// non-zero winding rule.
	KindPolygon
	// KindLine is the open polyline through Points, stroked Width wide with
	// round caps and joins. A single point draws a dot.
	KindLine
)

// Point is a position in scene coordinates.
type Point struct{ X, Y float64 }

// Shape is one filled element of a Scene, drawn with a solid colour or a
// vertical two-colour gradient.
//
// Colours are alpha-premultiplied, as color.RGBA is defined: a translucent
// white at 30% opacity is {77, 77, 77, 77}. Use Translucent to build one.
type Shape struct {
	Kind Kind
	// X, Y, W, H: see the Kind constants.
	X, Y, W, H float64
	// Radius rounds the corners of a KindRect.
	Radius float64
	// Angle rotates a KindEllipse, in radians, clockwise on screen.
	Angle float64
	// Points of a KindPolygon or KindLine.
	Points []Point
	// Width is the stroke width of a KindLine.
	Width float64
	// Fill is the colour, or the top colour of a gradient.
	Fill color.RGBA
	// Gradient makes the fill fade from Fill at the top of the shape's
	// bounding box to FillBottom at its bottom.
	Gradient   bool
	FillBottom color.RGBA
}

// Rect returns a filled axis-aligned rectangle.
func Rect(x, y, w, h float64, c color.RGBA) Shape {
	return Shape{Kind: KindRect, X: x, Y: y, W: w, H: h, Fill: c}
}

// RoundRect returns a rectangle whose corners are rounded with radius r.
func RoundRect(x, y, w, h, r float64, c color.RGBA) Shape {
	return Shape{Kind: KindRect, X: x, Y: y, W: w, H: h, Radius: r, Fill: c}
}

// VGradient returns a rectangle filled with a vertical gradient from top to
// bottom.
func VGradient(x, y, w, h float64, top, bottom color.RGBA) Shape {
	return Shape{Kind: KindRect, X: x, Y: y, W: w, H: h, Fill: top, Gradient: true, FillBottom: bottom}
}

// Ellipse returns an axis-aligned ellipse centred on (cx, cy).
func Ellipse(cx, cy, rx, ry float64, c color.RGBA) Shape {
	return Shape{Kind: KindEllipse, X: cx, Y: cy, W: rx, H: ry, Fill: c}
}

// Circle returns a circle centred on (cx, cy).
func Circle(cx, cy, r float64, c color.RGBA) Shape {
	return Ellipse(cx, cy, r, r, c)
}

// Polygon returns a closed polygon through pts.
func Polygon(c color.RGBA, pts ...Point) Shape {
	return Shape{Kind: KindPolygon, Points: pts, Fill: c}
}

// Line returns a polyline through pts stroked width wide with round ends.
func Line(c color.RGBA, width float64, pts ...Point) Shape {
	return Shape{Kind: KindLine, Points: pts, Width: width, Fill: c}
}

// Translucent returns the opaque colour c at the given opacity (0..1),
// premultiplied as color.RGBA requires.
func Translucent(c color.RGBA, opacity float64) color.RGBA {
	a := math.Max(0, math.Min(1, opacity))
	m := func(v uint8) uint8 { return uint8(math.Round(float64(v) * a)) }
	return color.RGBA{m(c.R), m(c.G), m(c.B), uint8(math.Round(255 * a))}
}

// Render draws the scene at the given pixel width (height = width*9/16) with
// anti-aliasing and returns PNG bytes.
func Render(s Scene, width int) ([]byte, error) {
	img, err := renderImage(s, width)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(width * width / 32)
	// Default compression: flat colours already compress well, and
	// BestCompression is several times slower for files a few percent
	// smaller (see BENCHMARKS.md, "PNG compression").
	enc := png.Encoder{CompressionLevel: png.DefaultCompression}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("art: encode %q: %w", s.Name, err)
	}
	return buf.Bytes(), nil
}

// renderImage rasterises the scene without encoding it.
func renderImage(s Scene, width int) (*image.RGBA, error) {
	if width < MinWidth || width > MaxWidth {
		return nil, fmt.Errorf("art: width %d out of range [%d, %d]", width, MinWidth, MaxWidth)
	}
	for i := range s.Shapes {
		if err := s.Shapes[i].validate(); err != nil {
			return nil, fmt.Errorf("art: scene %q shape %d: %w", s.Name, i, err)
		}
	}
	height := width * 9 / 16
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	bg := s.Background
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = bg.R, bg.G, bg.B, 0xff
	}
	r := newRaster(img)
	sx := float64(width) / SceneWidth
	sy := float64(height) / SceneHeight
	for i := range s.Shapes {
		sh := &s.Shapes[i]
		r.rings = sh.appendRings(r.rings[:0], sx, sy)
		r.fill(r.rings, sh)
	}
	return img, nil
}

func finite(vs ...float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

func (sh *Shape) validate() error {
	if !finite(sh.X, sh.Y, sh.W, sh.H, sh.Radius, sh.Angle, sh.Width) {
		return errors.New("non-finite number")
	}
	for _, p := range sh.Points {
		if !finite(p.X, p.Y) {
			return errors.New("non-finite point")
		}
	}
	switch sh.Kind {
	case KindRect, KindEllipse:
		if sh.W < 0 || sh.H < 0 || sh.Radius < 0 {
			return errors.New("negative size")
		}
	case KindPolygon:
		if len(sh.Points) < 3 {
			return fmt.Errorf("polygon needs at least 3 points, has %d", len(sh.Points))
		}
	case KindLine:
		if len(sh.Points) == 0 {
			return errors.New("line has no points")
		}
		if sh.Width <= 0 {
			return errors.New("line width must be positive")
		}
	default:
		return fmt.Errorf("unknown kind %d", sh.Kind)
	}
	return nil
}

// pt is a position in pixel coordinates.
type pt struct{ x, y float64 }

// ring is one closed outline in pixel coordinates.
type ring []pt

// arcSegments is how many segments approximate a full turn of a circle of
// radius r pixels, keeping the chord within 0.1 px of the true curve.
func arcSegments(r float64) int {
	const tol = 0.1
	if r <= tol*2 {
		return 8
	}
	step := 2 * math.Acos(1-tol/r)
	n := int(math.Ceil(2 * math.Pi / step))
	return max(8, min(n, 720))
}

// appendRings converts the shape to closed outlines in pixel coordinates.
func (sh *Shape) appendRings(dst []ring, sx, sy float64) []ring {
	switch sh.Kind {
	case KindRect:
		x0, y0 := sh.X*sx, sh.Y*sy
		x1, y1 := (sh.X+sh.W)*sx, (sh.Y+sh.H)*sy
		rad := math.Min(sh.Radius, math.Min(sh.W, sh.H)/2)
		if rad <= 0 {
			return append(dst, ring{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}})
		}
		rx, ry := rad*sx, rad*sy
		n := max(2, arcSegments(math.Max(rx, ry))/4)
		rg := make(ring, 0, 4*(n+1))
		corner := func(cx, cy, a0 float64) {
			for i := 0; i <= n; i++ {
				a := a0 + float64(i)/float64(n)*math.Pi/2
				rg = append(rg, pt{cx + rx*math.Cos(a), cy + ry*math.Sin(a)})
			}
		}
		corner(x1-rx, y0+ry, -math.Pi/2)
		corner(x1-rx, y1-ry, 0)
		corner(x0+rx, y1-ry, math.Pi/2)
		corner(x0+rx, y0+ry, math.Pi)
		return append(dst, rg)
	case KindEllipse:
		return append(dst, ellipseRing(sh.X*sx, sh.Y*sy, sh.W*sx, sh.H*sy, sh.Angle))
	case KindPolygon:
		rg := make(ring, len(sh.Points))
		for i, p := range sh.Points {
			rg[i] = pt{p.X * sx, p.Y * sy}
		}
		return append(dst, rg)
	case KindLine:
		hw := sh.Width / 2
		hx, hy := hw*sx, hw*sy
		prev := pt{math.NaN(), math.NaN()}
		for i, p := range sh.Points {
			q := pt{p.X * sx, p.Y * sy}
			dst = append(dst, ellipseRing(q.x, q.y, hx, hy, 0))
			if i > 0 {
				dx, dy := q.x-prev.x, q.y-prev.y
				l := math.Hypot(dx/sx, dy/sy)
				if l > 0 {
					// Normal in scene units, scaled to pixels per axis.
					nx, ny := -(dy/sy)/l*hw*sx, (dx/sx)/l*hw*sy
					dst = append(dst, orient(ring{
						{prev.x + nx, prev.y + ny}, {q.x + nx, q.y + ny},
						{q.x - nx, q.y - ny}, {prev.x - nx, prev.y - ny},
					}))
				}
			}
			prev = q
		}
		return dst
	}
	return dst
}

// ellipseRing approximates an ellipse (clockwise on screen, like orient).
func ellipseRing(cx, cy, rx, ry, angle float64) ring {
	n := arcSegments(math.Max(rx, ry))
	ca, sa := math.Cos(angle), math.Sin(angle)
	rg := make(ring, n)
	for i := range n {
		t := 2 * math.Pi * float64(i) / float64(n)
		ex, ey := rx*math.Cos(t), ry*math.Sin(t)
		rg[i] = pt{cx + ex*ca - ey*sa, cy + ex*sa + ey*ca}
	}
	return rg
}

// orient makes the ring wind the same way as ellipseRing, so overlapping
// pieces of one stroke add up under the non-zero rule instead of cancelling.
func orient(rg ring) ring {
	var a float64
	for i, p := range rg {
		q := rg[(i+1)%len(rg)]
		a += p.x*q.y - q.x*p.y
	}
	if a < 0 {
		slices.Reverse(rg)
	}
	return rg
}

// subSamples is the number of sub-scanlines per pixel row.
const subSamples = 8

type edge struct {
	x0, y0, y1, dxdy float64
	dir              int
}

type crossing struct {
	x   float64
	dir int
}

type raster struct {
	img    *image.RGBA
	w, h   int
	cov    []float32 // partial coverage per pixel of the current row
	acc    []float32 // coverage deltas for fully covered runs
	edges  []edge
	active []edge
	xs     []crossing
	rings  []ring
}

func newRaster(img *image.RGBA) *raster {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	return &raster{img: img, w: w, h: h, cov: make([]float32, w+2), acc: make([]float32, w+2)}
}

// fill paints the union (non-zero winding) of rings with the shape's paint.
func (r *raster) fill(rings []ring, sh *Shape) {
	r.edges = r.edges[:0]
	minX, minY := math.Inf(1), math.Inf(1)
	maxX, maxY := math.Inf(-1), math.Inf(-1)
	for _, rg := range rings {
		for i, p := range rg {
			minX, maxX = math.Min(minX, p.x), math.Max(maxX, p.x)
			minY, maxY = math.Min(minY, p.y), math.Max(maxY, p.y)
			q := rg[(i+1)%len(rg)]
			if p.y == q.y {
				continue
			}
			e := edge{dir: 1}
			a, b := p, q
			if a.y > b.y {
				a, b = b, a
				e.dir = -1
			}
			e.x0, e.y0, e.y1 = a.x, a.y, b.y
			e.dxdy = (b.x - a.x) / (b.y - a.y)
			r.edges = append(r.edges, e)
		}
	}
	if len(r.edges) == 0 || maxX <= 0 || maxY <= 0 || minX >= float64(r.w) || minY >= float64(r.h) {
		return
	}
	slices.SortFunc(r.edges, func(a, b edge) int {
		switch {
		case a.y0 < b.y0:
			return -1
		case a.y0 > b.y0:
			return 1
		}
		return 0
	})

	y0 := max(0, int(math.Floor(minY)))
	y1 := min(r.h, int(math.Ceil(maxY)))
	// One pixel of slack on each side absorbs rounding in crossings, so no
	// coverage is left behind in the accumulators.
	ix0 := max(0, int(math.Floor(minX))-1)
	ix1 := min(r.w, int(math.Ceil(maxX))+1)

	top, bot := premul(sh.Fill), premul(sh.FillBottom)
	span := maxY - minY
	next := 0
	r.active = r.active[:0]
	const wgt = float32(1) / subSamples
	for py := y0; py < y1; py++ {
		rowTop, rowBot := float64(py), float64(py+1)
		// Drop finished edges, add edges starting within this row.
		kept := r.active[:0]
		for _, e := range r.active {
			if e.y1 > rowTop {
				kept = append(kept, e)
			}
		}
		r.active = kept
		for next < len(r.edges) && r.edges[next].y0 < rowBot {
			if r.edges[next].y1 > rowTop {
				r.active = append(r.active, r.edges[next])
			}
			next++
		}
		if len(r.active) == 0 {
			continue
		}
		for s := range subSamples {
			sy := rowTop + (float64(s)+0.5)/subSamples
			r.xs = r.xs[:0]
			for i := range r.active {
				e := &r.active[i]
				if e.y0 <= sy && sy < e.y1 {
					r.xs = append(r.xs, crossing{e.x0 + (sy-e.y0)*e.dxdy, e.dir})
				}
			}
			// Insertion sort: a handful of crossings per line.
			for i := 1; i < len(r.xs); i++ {
				for j := i; j > 0 && r.xs[j].x < r.xs[j-1].x; j-- {
					r.xs[j], r.xs[j-1] = r.xs[j-1], r.xs[j]
				}
			}
			wind := 0
			start := 0.0
			for _, c := range r.xs {
				was := wind
				wind += c.dir
				if was == 0 && wind != 0 {
					start = c.x
				} else if was != 0 && wind == 0 {
					r.span(start, c.x, wgt)
				}
			}
		}
		// Paint colour for this row.
		col := top
		if sh.Gradient && span > 0 {
			t := (float64(py) + 0.5 - minY) / span
			t = math.Max(0, math.Min(1, t))
			for k := range col {
				col[k] = top[k] + (bot[k]-top[k])*t
			}
		}
		r.blendRow(py, ix0, ix1, col)
	}
}

// span adds weight w of coverage for the horizontal interval [a, b).
func (r *raster) span(a, b float64, w float32) {
	fw := float64(r.w)
	a = math.Max(0, math.Min(fw, a))
	b = math.Max(0, math.Min(fw, b))
	if b <= a {
		return
	}
	ia, ib := int(a), int(b)
	if ia == ib {
		r.cov[ia] += float32(b-a) * w
		return
	}
	r.cov[ia] += float32(float64(ia+1)-a) * w
	r.acc[ia+1] += w
	r.acc[ib] -= w
	r.cov[ib] += float32(b-float64(ib)) * w
}

func premul(c color.RGBA) [4]float64 {
	return [4]float64{float64(c.R), float64(c.G), float64(c.B), float64(c.A)}
}

// blendRow composites the accumulated coverage of row py onto the image and
// clears the accumulators.
func (r *raster) blendRow(py, ix0, ix1 int, col [4]float64) {
	pix := r.img.Pix[py*r.img.Stride:]
	var run float32
	end := min(ix1+1, r.w+1)
	ca := col[3] / 255
	solid := col[3] >= 255
	sr, sg, sb := uint8(math.Round(col[0])), uint8(math.Round(col[1])), uint8(math.Round(col[2]))
	for x := ix0; x < end; x++ {
		run += r.acc[x]
		c := float64(r.cov[x] + run)
		r.cov[x], r.acc[x] = 0, 0
		if x >= r.w || c <= 0.002 {
			continue
		}
		p := pix[x*4 : x*4+3 : x*4+3]
		if c >= 0.998 {
			if solid {
				p[0], p[1], p[2] = sr, sg, sb
				continue
			}
			c = 1
		}
		k := 1 - ca*c
		p[0] = uint8(math.Min(255, float64(p[0])*k+col[0]*c+0.5))
		p[1] = uint8(math.Min(255, float64(p[1])*k+col[1]*c+0.5))
		p[2] = uint8(math.Min(255, float64(p[2])*k+col[2]*c+0.5))
	}
}
