package upload

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"testing"
)

// TestShrinkerIsAnAreaMean compares the shrinker with a direct computation
// of each result pixel as the mean of the source area it covers, at ratios
// whole and fractional, and one to one.
func TestShrinkerIsAnAreaMean(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	src := image.NewRGBA(image.Rect(0, 0, 97, 61))
	for i := range src.Pix {
		src.Pix[i] = byte(rng.UintN(256))
	}
	for i := 3; i < len(src.Pix); i += 4 { // premultiplied: colour ≤ alpha
		for c := 1; c <= 3; c++ {
			src.Pix[i-c] = min(src.Pix[i-c], src.Pix[i])
		}
	}
	for _, size := range []image.Point{{97, 61}, {48, 30}, {10, 7}, {96, 60}, {33, 61}, {97, 2}, {1, 1}} {
		s := newShrinker(97, 61, size.X, size.Y)
		s.addImage(src)
		got := s.result()
		if got.Rect.Size() != size {
			t.Fatalf("%v: result is %v", size, got.Rect.Size())
		}
		sx, sy := 97.0/float64(size.X), 61.0/float64(size.Y)
		for y := range size.Y {
			for x := range size.X {
				var sum [4]float64
				for j := int(float64(y) * sy); float64(j) < float64(y+1)*sy; j++ {
					wy := math.Min(float64(j+1), float64(y+1)*sy) - math.Max(float64(j), float64(y)*sy)
					for i := int(float64(x) * sx); float64(i) < float64(x+1)*sx; i++ {
						wx := math.Min(float64(i+1), float64(x+1)*sx) - math.Max(float64(i), float64(x)*sx)
						for c := range 4 {
							sum[c] += float64(src.Pix[src.PixOffset(i, j)+c]) * wx * wy
						}
					}
				}
				p := got.Pix[got.PixOffset(x, y):]
				for c := range 4 {
					if want := sum[c] / (sx * sy); math.Abs(float64(p[c])-want) > 0.5001 {
						t.Fatalf("%v: pixel (%d, %d) channel %d is %d, want %.2f", size, x, y, c, p[c], want)
					}
				}
			}
		}
	}
	// One to one is a copy.
	s := newShrinker(97, 61, 97, 61)
	s.addImage(src)
	if got := s.result(); string(got.Pix) != string(src.Pix) {
		t.Error("scaling to the same size changed the picture")
	}
}

// TestShrinkerOpacity checks that one transparent pixel anywhere is noticed.
func TestShrinkerOpacity(t *testing.T) {
	m := image.NewNRGBA(image.Rect(0, 0, 50, 40))
	for i := range m.Pix {
		m.Pix[i] = 0xff
	}
	s := newShrinker(50, 40, 10, 8)
	s.addImage(m)
	if !s.opaque {
		t.Error("an opaque picture reads as transparent")
	}
	m.SetNRGBA(49, 39, color.NRGBA{0, 0, 0, 254})
	s = newShrinker(50, 40, 10, 8)
	s.addImage(m)
	if s.opaque {
		t.Error("a translucent pixel went unnoticed")
	}
}
