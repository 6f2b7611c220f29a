package art

import (
	"image/color"
	"math"
)

// Demo returns the demo scenes, keyed by name: "cecot", "deportations",
// "canada", "uganda", "news-vigil", "news-return". Each call builds fresh
// scenes, so callers may modify what they get.
func Demo() map[string]Scene {
	scenes := []Scene{
		cecotScene(),
		deportationsScene(),
		canadaScene(),
		ugandaScene(),
		vigilScene(),
		returnScene(),
	}
	m := make(map[string]Scene, len(scenes))
	for _, s := range scenes {
		m[s.Name] = s
	}
	return m
}

// ---- small helpers for describing scenes ----

func hex(v uint32) color.RGBA {
	return color.RGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 0xff}
}

func hexA(v uint32, opacity float64) color.RGBA { return Translucent(hex(v), opacity) }

// xy turns a flat list of coordinates into points.
func xy(v ...float64) []Point {
	p := make([]Point, len(v)/2)
	for i := range p {
		p[i] = Point{v[2*i], v[2*i+1]}
	}
	return p
}

func poly(c color.RGBA, v ...float64) Shape { return Polygon(c, xy(v...)...) }

func line(c color.RGBA, w float64, v ...float64) Shape { return Line(c, w, xy(v...)...) }

// cubic samples a cubic Bézier curve, excluding its start point.
func cubic(p0, p1, p2, p3 Point, n int) []Point {
	out := make([]Point, 0, n)
	for i := 1; i <= n; i++ {
		t := float64(i) / float64(n)
		u := 1 - t
		a, b, c, d := u*u*u, 3*u*u*t, 3*u*t*t, t*t*t
		out = append(out, Point{
			a*p0.X + b*p1.X + c*p2.X + d*p3.X,
			a*p0.Y + b*p1.Y + c*p2.Y + d*p3.Y,
		})
	}
	return out
}

// rng is a tiny deterministic generator for scattering stars and trees.
type rng uint32

func (r *rng) float() float64 {
	*r = *r*1664525 + 1013904223
	return float64(*r>>8) / (1 << 24)
}

// xform places a figure drawn in local units: scaled by s, mirrored if
// flip, rotated by angle (clockwise on screen) and moved to (cx, cy).
type xform struct {
	cx, cy, s, angle float64
	flip             bool
}

func (t xform) pt(x, y float64) Point {
	if t.flip {
		x = -x
	}
	ca, sa := math.Cos(t.angle), math.Sin(t.angle)
	return Point{t.cx + t.s*(x*ca-y*sa), t.cy + t.s*(x*sa+y*ca)}
}

func (t xform) poly(c color.RGBA, v ...float64) Shape {
	pts := xy(v...)
	for i, p := range pts {
		pts[i] = t.pt(p.X, p.Y)
	}
	return Polygon(c, pts...)
}

func (t xform) line(c color.RGBA, w float64, v ...float64) Shape {
	pts := xy(v...)
	for i, p := range pts {
		pts[i] = t.pt(p.X, p.Y)
	}
	return Line(c, w*t.s, pts...)
}

func (t xform) ellipse(c color.RGBA, x, y, rx, ry float64) Shape {
	p := t.pt(x, y)
	a := t.angle
	if t.flip {
		a = -a
	}
	s := Ellipse(p.X, p.Y, rx*t.s, ry*t.s, c)
	s.Angle = a
	return s
}

// airliner draws a side-on passenger jet, nose towards +x, about 2 units
// long, centred on the origin of t.
func airliner(t xform, body color.RGBA, gear bool) []Shape {
	// Fuselage: straight top and bottom, rounded nose, tail sweeping up.
	fus := []float64{-1.0, -0.07, 0.70, -0.07}
	for i := 1; i < 12; i++ {
		a := -math.Pi/2 + math.Pi*float64(i)/12
		fus = append(fus, 0.70+0.28*math.Cos(a), 0.07*math.Sin(a))
	}
	fus = append(fus, 0.70, 0.07, -0.55, 0.07, -0.98, -0.035)
	s := []Shape{
		t.poly(body, -0.76, -0.06, -0.95, -0.38, -1.04, -0.38, -1.0, -0.06), // fin
		t.poly(body, fus...),
		t.poly(body, -0.80, -0.02, -1.03, -0.11, -1.07, -0.085, -0.96, 0.0), // tailplane
		t.poly(body, 0.24, 0.02, 0.02, 0.03, -0.30, 0.20, -0.20, 0.205),     // wing
		t.ellipse(body, 0.13, 0.105, 0.12, 0.042),                           // engine
		t.poly(body, 0.08, 0.03, 0.16, 0.03, 0.14, 0.08, 0.08, 0.08),        // pylon
	}
	if gear {
		s = append(s,
			t.line(body, 0.022, 0.58, 0.05, 0.58, 0.15),
			t.ellipse(body, 0.58, 0.165, 0.026, 0.026),
			t.line(body, 0.028, -0.08, 0.05, -0.08, 0.19),
			t.ellipse(body, -0.05, 0.21, 0.034, 0.034),
			t.ellipse(body, -0.12, 0.21, 0.034, 0.034),
		)
	}
	return s
}

// walker draws a person in profile facing right, feet on ground at x,
// h tall. stride spreads the legs and swings the arms.
func walker(x, ground, h, stride float64, c color.RGBA) []Shape {
	r := 0.078 * h
	lean := 0.025 * h
	tw := 0.2 * h
	torsoTop := ground - h + 2*r + 0.035*h + tw/2
	hip := ground - 0.47*h
	torsoBot := hip - tw/2 + 0.06*h
	leg := 0.085 * h
	foot := ground - leg/2
	arm := 0.065 * h
	sx := x + lean*0.6
	return []Shape{
		Circle(x+lean, ground-h+r, r, c),
		Line(c, tw, Point{sx, torsoTop}, Point{x, torsoBot}),
		Line(c, leg, Point{x, hip}, Point{x + stride, foot}),
		Line(c, leg, Point{x, hip}, Point{x - stride*0.9, foot}),
		Line(c, arm, Point{sx, torsoTop}, Point{x - stride*0.7, ground - 0.5*h}),
		Line(c, arm, Point{sx, torsoTop}, Point{x + stride*0.5, ground - 0.5*h}),
	}
}

// stander draws a person facing the viewer, feet on ground at x, h tall.
// Hands hang at hip height unless the caller adds its own arms.
func stander(x, ground, h float64, c color.RGBA, arms bool) []Shape {
	r := 0.08 * h
	if h < 140 {
		r = 0.095 * h // children: larger heads
	}
	tw := 0.24 * h
	torsoTop := ground - h + 2*r + 0.035*h + tw/2
	hip := ground - 0.47*h
	torsoBot := hip - tw/2 + 0.06*h
	leg := 0.09 * h
	foot := ground - leg/2
	s := []Shape{
		Circle(x, ground-h+r, r, c),
		Line(c, tw, Point{x, torsoTop}, Point{x, torsoBot}),
		Line(c, leg, Point{x - 0.045*h, hip}, Point{x - 0.06*h, foot}),
		Line(c, leg, Point{x + 0.045*h, hip}, Point{x + 0.06*h, foot}),
	}
	if arms {
		arm := 0.065 * h
		sy := torsoTop - 0.02*h
		s = append(s,
			Line(c, arm, Point{x - 0.1*h, sy}, Point{x - 0.15*h, ground - 0.46*h}),
			Line(c, arm, Point{x + 0.1*h, sy}, Point{x + 0.15*h, ground - 0.46*h}),
		)
	}
	return s
}

// ---- the scenes ----

func cecotScene() Scene {
	wall, wallDark, coping := hex(0x6b6e7e), hex(0x5d6070), hex(0x858898)
	tower, towerDark := hex(0x4c4f5f), hex(0x3a3c4b)
	wire := hex(0x2e303e)
	s := []Shape{
		VGradient(0, 0, 1600, 380, hex(0x262a4a), hex(0x6c5d80)),
		VGradient(0, 380, 1600, 200, hex(0x6c5d80), hex(0xd69c7c)),
		// Setting sun, half hidden by the wall.
		Circle(1180, 520, 150, hexA(0xf3c594, 0.14)),
		Circle(1180, 520, 95, hexA(0xf3c594, 0.22)),
		Circle(1180, 520, 62, hex(0xf4cf9e)),
		// Searchlight beam from the tower.
		poly(hexA(0xf6e2b0, 0.06), 410, 250, 940, 150, 960, 300),
		poly(hexA(0xf6e2b0, 0.05), 410, 250, 940, 190, 945, 260),
	}
	// Small plane with a faint contrail.
	s = append(s, line(hexA(0xf4e6da, 0.22), 3, 1280, 253, 1640, 262))
	s = append(s, airliner(xform{cx: 1220, cy: 250, s: 62, flip: true}, hex(0x23253a), false)...)

	// Wall with coping and panel joints.
	s = append(s,
		Rect(0, 520, 1600, 280, wall),
		Rect(0, 505, 1600, 22, coping),
		Rect(0, 760, 1600, 40, wallDark),
	)
	for x := 90.0; x < 1600; x += 170 {
		s = append(s, Rect(x, 527, 5, 233, wallDark))
	}
	// Razor wire: posts and two zigzag strands.
	for x := 30.0; x < 1600; x += 120 {
		s = append(s, Rect(x, 440, 6, 66, wire))
	}
	var z1, z2 []Point
	for i, x := 0, -20.0; x <= 1640; i, x = i+1, x+22 {
		y1, y2 := 452.0, 492.0
		if i%2 == 1 {
			y1, y2 = 478.0, 468.0
		}
		z1 = append(z1, Point{x, y1})
		z2 = append(z2, Point{x + 11, y2})
	}
	s = append(s, Line(wire, 3, z1...), Line(wire, 3, z2...))
	// Ground.
	s = append(s, VGradient(0, 800, 1600, 100, hex(0x3a3c4b), hex(0x2a2c38)))

	// Watchtower: shaft, cabin with a lit window, balcony and roof.
	s = append(s,
		Rect(292, 300, 76, 500, tower),
		Rect(292, 300, 14, 500, towerDark),
		Rect(240, 212, 180, 90, tower),
		Rect(256, 232, 148, 38, hex(0xefcf8c)),
		Rect(300, 232, 6, 38, tower),
		Rect(354, 232, 6, 38, tower),
		Rect(224, 296, 212, 14, towerDark),
		poly(towerDark, 222, 214, 438, 214, 396, 170, 264, 170),
		Rect(326, 140, 6, 32, towerDark),
	)
	for x := 232.0; x < 436; x += 34 {
		s = append(s, Rect(x, 280, 4, 18, towerDark))
	}
	s = append(s, Rect(224, 278, 212, 5, towerDark))

	return Scene{
		Name:       "cecot",
		Alt:        "Illustration: a long grey prison wall topped with zigzag razor wire and a lit watchtower under a dusk sky, the sun setting behind the wall and a small plane crossing above.",
		Background: hex(0x262a4a),
		Shapes:     s,
	}
}

func deportationsScene() Scene {
	people, family := hex(0x3d4656), hex(0x5a4a63)
	stairs := hex(0x58616d)
	s := []Shape{
		VGradient(0, 0, 1600, 600, hex(0xa7b4c1), hex(0xdde1e2)),
	}
	cloud := hexA(0xf4f6f7, 0.35)
	for _, c := range [][3]float64{{330, 150, 1}, {1230, 100, 1.3}, {760, 250, 0.8}} {
		x, y, k := c[0], c[1], c[2]
		s = append(s,
			Ellipse(x, y, 150*k, 26*k, cloud),
			Ellipse(x-40*k, y-20*k, 70*k, 30*k, cloud),
			Ellipse(x+45*k, y-14*k, 60*k, 24*k, cloud),
		)
	}
	s = append(s,
		poly(hex(0xc2cad1), 0, 560, 220, 528, 430, 548, 700, 522, 920, 560, 920, 600, 0, 600),
		Rect(0, 548, 640, 52, hex(0xb1bbc5)),
		Rect(150, 470, 24, 80, hex(0xa6b1bc)),
		RoundRect(130, 450, 64, 28, 6, hex(0xa6b1bc)),
		VGradient(0, 600, 1600, 300, hex(0x90969d), hex(0x6e747d)),
		line(hexA(0xe3cf86, 0.65), 6, -10, 780, 1610, 700),
	)

	// Forward fuselage of a large jet, nose to the left, body running off
	// the right edge.
	fus := xy(1700, 280, 1180, 280)
	fus = append(fus, cubic(Point{1180, 280}, Point{1040, 280}, Point{948, 372}, Point{930, 470}, 24)...)
	fus = append(fus, cubic(Point{930, 470}, Point{925, 530}, Point{990, 560}, Point{1100, 560}, 16)...)
	fus = append(fus, Point{1700, 560})
	body := Polygon(hex(0xf1f3f4), fus...)
	body.Gradient, body.FillBottom = true, hex(0xa9b2bc)
	s = append(s,
		line(hex(0x4a505a), 14, 1030, 545, 1030, 660),
		Circle(1030, 672, 28, hex(0x2b2f37)),
		Circle(1030, 672, 10, hex(0x7c848e)),
		body,
		Rect(1110, 430, 600, 12, hex(0x6d8399)),
		poly(hex(0x3e4a5a), 1004, 350, 1064, 325, 1072, 349, 998, 373),
	)
	for x := 1380.0; x < 1620; x += 50 {
		s = append(s, RoundRect(x, 368, 20, 30, 9, hex(0x4a5666)))
	}
	// Open door.
	s = append(s, RoundRect(1238, 322, 72, 140, 12, hex(0x3a4350)))

	// Boarding stairs: truck base, flight, treads and handrail.
	s = append(s,
		RoundRect(905, 640, 255, 40, 8, hex(0x66707b)),
		Circle(955, 684, 17, hex(0x2b2f37)),
		Circle(1110, 684, 17, hex(0x2b2f37)),
		line(stairs, 10, 1120, 640, 1150, 486),
		line(stairs, 16, 1236, 468, 1170, 468, 845, 694),
	)
	for i := 1; i < 13; i++ {
		t := float64(i) / 13
		x, y := 845+t*(1170-845), 694-t*(694-468)
		s = append(s, Rect(x-4, y-11, 30, 5, stairs))
	}
	s = append(s, line(stairs, 5, 1236, 400, 1166, 400, 858, 620))
	for i := 0; i <= 5; i++ {
		t := float64(i) / 5
		x := 858 + t*(1166-858)
		y := 620 - t*(620-400)
		s = append(s, line(stairs, 4, x, y, x-4, y+76))
	}
	s = append(s, line(stairs, 4, 1236, 400, 1236, 462))

	// A line of people walking towards the stairs, one already climbing.
	s = append(s, walker(950, 626, 122, 14, people)...)
	xs := []float64{340, 418, 494, 572, 650, 728, 806}
	hs := []float64{120, 130, 112, 126, 118, 132, 124}
	st := []float64{22, -16, 20, -20, 18, -14, 22}
	for i, x := range xs {
		s = append(s, walker(x, 700, hs[i], st[i], people)...)
	}
	// A bag carried by one of them.
	s = append(s, RoundRect(574, 622, 34, 26, 6, people), line(people, 4, 580, 622, 576, 604))

	// A family standing apart in the foreground, holding hands.
	s = append(s, stander(110, 866, 200, family, false)...)
	s = append(s, stander(182, 866, 118, family, false)...)
	s = append(s, stander(256, 866, 188, family, false)...)
	s = append(s, stander(322, 866, 92, family, false)...)
	s = append(s,
		line(family, 13, 86, 728, 70, 780),
		line(family, 13, 134, 728, 160, 800),
		line(family, 9, 163, 800, 166, 812),
		line(family, 9, 200, 800, 222, 800),
		line(family, 12, 232, 732, 222, 800),
		line(family, 12, 280, 732, 304, 812),
		line(family, 8, 304, 812, 308, 818),
	)

	return Scene{
		Name:       "deportations",
		Alt:        "Illustration: a line of people in silhouette walking across grey tarmac toward the boarding stairs of a large plane, while a family of two adults and two children stands apart in the foreground.",
		Background: hex(0xc8d0d6),
		Shapes:     s,
	}
}

// mapleLeaf returns a stylised maple leaf centred on (cx, cy), h tall.
func mapleLeaf(cx, cy, h float64, c color.RGBA) Shape {
	left := []float64{
		-90, 2030, -45, 1167, -156, 1069, -1015, 1220, -899, 900, -919, 827,
		-1860, 65, -1648, -34, -1614, -113, -1800, -685, -1258, -570,
		-1185, -608, -1080, -855, -657, -401, -546, -458, -750, -1510,
		-423, -1321, -332, -1348, 0, -2000,
	}
	k := h / 4030
	oy := cy - 15*k // centre of the leaf's extent (-2000..2030)
	var pts []Point
	for i := 0; i < len(left); i += 2 {
		pts = append(pts, Point{cx + left[i]*k, oy + left[i+1]*k})
	}
	for i := len(left) - 4; i >= 0; i -= 2 {
		pts = append(pts, Point{cx - left[i]*k, oy + left[i+1]*k})
	}
	return Polygon(c, pts...)
}

func canadaScene() Scene {
	red, white := hex(0xb4453c), hex(0xf2efe7)
	steel := hex(0x4f555d)
	s := []Shape{
		VGradient(0, 0, 1600, 525, hex(0xc3d4de), hex(0xeef0e8)),
		mapleLeaf(800, 245, 290, red),
	}
	// Distant tree line.
	trees := hex(0x7b948f)
	s = append(s, Rect(0, 505, 1600, 30, trees))
	r := rng(7)
	for x := -20.0; x < 1630; x += 24 {
		h := 30 + 55*r.float()
		s = append(s, poly(trees, x-17, 520, x, 520-h, x+17, 520))
	}
	// Meadow and road.
	s = append(s,
		VGradient(0, 520, 1600, 380, hex(0xb2bfa2), hex(0x93a486)),
		poly(hex(0x8b8e93), 782, 520, 818, 520, 1180, 900, 420, 900),
	)
	for _, d := range [][2]float64{{532, 542}, {560, 578}, {605, 635}, {680, 730}, {790, 870}} {
		w0 := 1 + (d[0]-520)/380*9
		w1 := 1 + (d[1]-520)/380*9
		s = append(s, poly(hex(0xe6e1cf), 800-w0, d[0], 800+w0, d[0], 800+w1, d[1], 800-w1, d[1]))
	}
	// Fence either side of the road.
	fence := hex(0x6e7378)
	for _, run := range [][2]float64{{0, 640}, {960, 1600}} {
		for x := run[0] + 20; x < run[1]; x += 68 {
			s = append(s, Rect(x, 572, 6, 76, fence))
		}
		for _, y := range []float64{584, 608, 632} {
			s = append(s, line(fence, 2.5, run[0], y, run[1], y))
		}
	}
	// Guard booth.
	s = append(s,
		Rect(500, 560, 104, 92, hex(0xdcd5c5)),
		Rect(490, 546, 124, 18, hex(0x5d6168)),
		Rect(520, 582, 64, 32, hex(0x9cb2bd)),
	)
	// Closed boom barrier across the road.
	s = append(s,
		Rect(630, 584, 24, 80, steel),
		RoundRect(616, 592, 52, 24, 4, steel),
		Rect(968, 604, 10, 58, steel),
	)
	for i, x := 0, 654.0; x < 975; i, x = i+1, x+40 {
		c := red
		if i%2 == 1 {
			c = white
		}
		s = append(s, Rect(x, 597, math.Min(40, 975-x), 16, c))
	}
	s = append(s, poly(steel, 962, 596, 968, 604, 978, 604, 984, 596, 980, 596, 976, 601, 970, 601, 966, 596))

	// Water in the foreground, with ripples.
	water := Polygon(hex(0x86a8b7), xy(1600, 900, 1232, 900)...)
	water.Points = append(water.Points, cubic(Point{1232, 900}, Point{1250, 840}, Point{1330, 790}, Point{1600, 770}, 20)...)
	water.Gradient, water.FillBottom = true, hex(0x6c92a5)
	s = append(s, water)
	rip := hexA(0xdce9ed, 0.55)
	s = append(s,
		line(rip, 3, 1360, 826, 1440, 826),
		line(rip, 3, 1480, 800, 1560, 800),
		line(rip, 3, 1320, 868, 1390, 868),
		line(rip, 3, 1460, 850, 1570, 850),
	)
	// A small child's rain boot left on the bank.
	bx, by := 1150.0, 842.0
	boot, rim := hex(0xd6a446), hex(0xb98a34)
	s = append(s,
		Ellipse(bx+48, by+3, 62, 9, hexA(0x3e4a3a, 0.25)),
		RoundRect(bx, by-100, 50, 98, 8, boot),
		RoundRect(bx, by-44, 92, 44, 20, boot),
		RoundRect(bx-4, by-108, 58, 14, 6, rim),
		RoundRect(bx-2, by-10, 96, 11, 4, hex(0x6a5846)),
		Rect(bx+6, by-90, 7, 70, hexA(0xffffff, 0.18)),
	)

	return Scene{
		Name:       "canada",
		Alt:        "Illustration: a red maple leaf above a closed striped barrier across a road at a border post, with a small child's yellow boot left on the grass beside water in the foreground.",
		Background: hex(0xe8edee),
		Shapes:     s,
	}
}

func ugandaScene() Scene {
	bg := hex(0x243042)
	s := []Shape{}
	rings := []uint32{0xc4625c, 0xd88f5c, 0xd9bf6b, 0x80ad7c, 0x6090bf, 0x8a74b0}
	for i, c := range rings {
		s = append(s, Circle(800, 450, 620-float64(i)*46, hex(c)))
	}
	phone := hex(0x161c27)
	s = append(s,
		Circle(800, 450, 344, bg),
		RoundRect(672, 186, 280, 560, 46, hexA(0x000000, 0.25)),
		RoundRect(660, 170, 280, 560, 46, phone),
		Rect(938, 300, 6, 70, phone),
		RoundRect(674, 184, 252, 532, 34, hex(0xe8eef1)),
		RoundRect(770, 200, 60, 16, 8, phone),
		RoundRect(760, 694, 80, 6, 3, hex(0xb5c0c7)),
	)
	// Shield with a tick.
	half := func(dir float64) []Point {
		p := []Point{{800, 332}, {800 + 92*dir, 352}, {800 + 92*dir, 450}}
		return append(p, cubic(Point{800 + 92*dir, 450}, Point{800 + 92*dir, 510}, Point{800 + 40*dir, 545}, Point{800, 562}, 16)...)
	}
	right := half(1)
	full := append([]Point{}, half(-1)...)
	for i := len(right) - 2; i >= 1; i-- {
		full = append(full, right[i])
	}
	s = append(s,
		Polygon(hex(0x2f6a89), full...),
		Polygon(hex(0x4b8cab), half(-1)...),
		line(hex(0xf5f8f8), 18, 758, 448, 790, 482, 846, 414),
	)
	return Scene{
		Name:       "uganda",
		Alt:        "Illustration: a mobile phone whose screen shows a blue shield with a tick, surrounded by concentric rings in the colours of the rainbow.",
		Background: bg,
		Shapes:     s,
	}
}

// flame returns a teardrop w wide and h tall, centred on (x, y), with its
// point upward.
func flame(x, y, w, h float64, c color.RGBA) Shape {
	const n = 40
	pts := make([]Point, n)
	for i := range n {
		t := 2 * math.Pi * float64(i) / n
		pts[i] = Point{x + w/2*math.Sin(t)*math.Sin(t/2), y - h/2*math.Cos(t)}
	}
	return Polygon(c, pts...)
}

func vigilScene() Scene {
	s := []Shape{VGradient(0, 0, 1600, 900, hex(0x0f1428), hex(0x2f3658))}
	r := rng(2025)
	for range 46 {
		x, y := r.float()*1600, r.float()*470
		rad := 1.2 + 1.4*r.float()
		s = append(s, Circle(x, y, rad, hexA(0xe9e6f2, 0.35+0.45*r.float())))
	}
	back, front := hex(0x1b2037), hex(0x0b0e1a)
	wax0, wax1 := hex(0xf5ebd2), hex(0xc9b690)

	// A candle held up by one person: the shoulder the arm rises from and
	// the top of the candle; k scales it down for the back row.
	type held struct {
		shoulder Point
		x, top   float64
		k        float64
		c        color.RGBA
	}
	var lit []held
	backY := make([]float64, 15)
	for i := range backY {
		backY[i] = 14 * r.float()
	}
	// Back-row holders sit between the front-row ones.
	for n, i := range []int{3, 6, 8, 11} {
		x, j := -30+118*float64(i), backY[i]
		lit = append(lit, held{Point{x + 46, 712 + j}, x + 58, 522 + j + 14*float64(n%2), 0.8, back})
	}
	tops := []float64{512, 480, 530, 492, 518}
	for n, i := range []int{1, 3, 5, 7, 9} {
		x := 60 + 150*float64(i)
		lit = append(lit, held{Point{x + 62, 812}, x + 76, tops[n], 1, front})
	}

	// Soft light around each flame, behind the crowd.
	for _, h := range lit {
		fy := h.top - 26*h.k
		s = append(s,
			Circle(h.x, fy, 120*h.k, hexA(0xf3b45c, 0.05)),
			Circle(h.x, fy, 64*h.k, hexA(0xf3b45c, 0.07)),
		)
	}

	candle := func(h held) {
		k := h.k
		wax := Rect(h.x-13*k, h.top, 26*k, 88*k, wax0)
		wax.Gradient, wax.FillBottom = true, wax1
		fy := h.top + 86*k
		s = append(s,
			Line(h.c, 38*k, h.shoulder, Point{h.x, fy + 14*k}),
			RoundRect(h.x-25*k, fy-6*k, 50*k, 46*k, 16*k, h.c),
			wax,
			Ellipse(h.x, h.top, 13*k, 3.5*k, hex(0xfbf3de)),
			line(hex(0x3a2a20), 3*k, h.x, h.top, h.x, h.top-8*k),
			flame(h.x, h.top-26*k, 24*k, 48*k, hex(0xf2a848)),
			flame(h.x, h.top-22*k, 12*k, 26*k, hex(0xfde6a6)),
		)
	}
	// Back row, then the front row; some in each hold up a candle.
	for i, j := range backY {
		x := -30 + 118*float64(i)
		s = append(s, Circle(x, 648+j, 38, back), RoundRect(x-80, 690+j, 160, 300, 64, back))
	}
	for _, h := range lit[:4] {
		candle(h)
	}
	for i := range 12 {
		x := 60 + 150*float64(i)
		s = append(s, Circle(x, 736, 46, front), RoundRect(x-100, 786, 200, 220, 76, front))
	}
	for _, h := range lit[4:] {
		candle(h)
	}
	return Scene{
		Name:       "news-vigil",
		Alt:        "Illustration: a crowd in dark silhouette holding lit candles up against a starry night sky.",
		Background: hex(0x0f1428),
		Shapes:     s,
	}
}

func returnScene() Scene {
	s := []Shape{
		VGradient(0, 0, 1600, 430, hex(0x33406a), hex(0xb68b9d)),
		VGradient(0, 430, 1600, 300, hex(0xb68b9d), hex(0xf2c89a)),
		Circle(1150, 600, 240, hexA(0xfbe0b0, 0.12)),
		Circle(1150, 600, 150, hexA(0xfbe0b0, 0.22)),
		Circle(1150, 600, 86, hex(0xfbe4b8)),
		poly(hex(0x9a8ea9), 0, 600, 120, 520, 230, 570, 380, 455, 520, 560, 640, 500, 760, 580, 900, 470,
			1040, 600, 1150, 585, 1260, 565, 1350, 520, 1470, 480, 1600, 545, 1600, 760, 0, 760),
		poly(hex(0x6e6b8b), 0, 655, 180, 565, 330, 645, 480, 595, 600, 665, 800, 610, 980, 675,
			1160, 640, 1300, 610, 1450, 655, 1600, 615, 1600, 780, 0, 780),
		poly(hex(0x4a4c6b), 0, 725, 250, 660, 420, 725, 700, 690, 900, 740, 1150, 715, 1400, 705, 1600, 735, 1600, 800, 0, 800),
		VGradient(0, 770, 1600, 130, hex(0x3b3e5a), hex(0x2c2f46)),
		poly(hex(0x24273b), 1000, 772, 1062, 772, 1400, 900, 690, 900),
	}
	for _, d := range [][2]float64{{778, 784}, {792, 802}, {814, 830}, {846, 874}} {
		c := func(y float64) float64 { return 1031 + (y-772)/128*14 }
		w0 := 0.6 + (d[0]-772)/128*5
		w1 := 0.6 + (d[1]-772)/128*5
		s = append(s, poly(hex(0xd8cdbd), c(d[0])-w0, d[0], c(d[0])+w0, d[0], c(d[1])+w1, d[1], c(d[1])-w1, d[1]))
	}
	for _, y := range []float64{776, 786, 800, 820, 848, 886} {
		t := (y - 772) / 128
		rad := 1.5 + 3*t
		for _, x := range []float64{1000 - t*310, 1062 + t*338} {
			s = append(s, Circle(x, y, rad*3, hexA(0xf6d49c, 0.18)), Circle(x, y, rad, hex(0xf8dcaa)))
		}
	}
	t := xform{cx: 560, cy: 372, s: 190, angle: -0.06}
	s = append(s, airliner(t, hex(0x262a42), true)...)
	return Scene{
		Name:       "news-return",
		Alt:        "Illustration: a passenger plane with its wheels down descending toward a runway at dawn, over layered mountains with the sun rising behind them.",
		Background: hex(0x33406a),
		Shapes:     s,
	}
}
