package upload

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"math/rand/v2"
	"testing"
)

// TestPNGRowsMatchImagePNG decodes PNGs of every colour type and depth,
// with and without transparency, their rows filtered with every filter
// type, both row by row and with image/png, and compares the pixels as an
// image.RGBA holds them.
func TestPNGRowsMatchImagePNG(t *testing.T) {
	random := func(seed uint64, buf []byte) {
		rng := rand.New(rand.NewPCG(seed, 7))
		for i := range buf {
			buf[i] = byte(rng.UintN(256))
		}
	}
	row := func(y int, buf []byte) { random(uint64(y), buf) }
	filter := func(y int) byte { return byte(y % 5) } // the first row is unfiltered
	const width, height = 61, 41                      // odd, so sub-byte samples end mid-byte
	for _, tt := range []struct {
		colorType byte
		depths    []int
	}{
		{pngGrey, []int{1, 2, 4, 8, 16}},
		{pngRGB, []int{8, 16}},
		{pngPalette, []int{1, 2, 4, 8}},
		{pngGreyAlpha, []int{8, 16}},
		{pngRGBA, []int{8, 16}},
	} {
		for _, depth := range tt.depths {
			for _, transparent := range []bool{false, true} {
				if transparent && (tt.colorType == pngGreyAlpha || tt.colorType == pngRGBA) {
					continue
				}
				t.Run(fmt.Sprintf("type %d, %d bits, tRNS %t", tt.colorType, depth, transparent), func(t *testing.T) {
					first := make([]byte, 8*width)
					row(0, first)
					var extra []byte
					if tt.colorType == pngPalette {
						// A palette shorter than the indices reach, as some
						// files have: the rest reads as opaque black.
						entries := max(1, (1<<depth)*3/4)
						palette := make([]byte, 3*entries)
						random(100, palette)
						extra = pngChunk("PLTE", palette)
						if transparent {
							alphas := make([]byte, entries/2+1)
							random(101, alphas)
							extra = append(extra, pngChunk("tRNS", alphas)...)
						}
					} else if transparent {
						// The colour of the first pixel is the transparent one.
						key := map[int][]byte{16: first[:6]}[depth]
						if depth < 16 {
							key = []byte{0, byte(sample(first, 0, depth)), 0, first[1], 0, first[2]}
						}
						if tt.colorType == pngGrey {
							key = key[:2]
						}
						extra = pngChunk("tRNS", key)
					}
					data := craftPNG(t, width, height, depth, tt.colorType, false, extra, row, filter)

					m, err := png.Decode(bytes.NewReader(data))
					if err != nil {
						t.Fatalf("image/png: %v", err)
					}
					want := image.NewRGBA(m.Bounds())
					draw.Draw(want, want.Rect, m, image.Point{}, draw.Src)
					if transparent && tt.colorType != pngPalette && want.Pix[3] != 0 {
						t.Fatal("the test's transparent colour is not transparent")
					}

					info, err := readPNGInfo(data)
					if err != nil {
						t.Fatal(err)
					}
					var got []byte
					if err := info.rows(func(row []byte) { got = append(got, row...) }); err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(got, want.Pix) {
						t.Errorf("rows differ from image/png\n got %v\nwant %v", got[:32], want.Pix[:32])
					}
				})
			}
		}
	}
}

// TestPNGRowsRefuseBrokenFiles checks that row-by-row reading fails where
// image/png does.
func TestPNGRowsRefuseBrokenFiles(t *testing.T) {
	good := craftPNG(t, 20, 10, 8, pngRGB, false, nil, func(y int, buf []byte) { buf[0] = byte(y) }, nil)
	short := craftPNG(t, 20, 10, 8, pngRGB, false, nil, nil, nil)
	for name, data := range map[string][]byte{
		"bad checksum":  append(bytes.Clone(good[:len(good)-20]), append([]byte{good[len(good)-20] ^ 1}, good[len(good)-19:]...)...),
		"no IEND":       good[:len(good)-12],
		"bad filter":    craftPNG(t, 20, 10, 8, pngRGB, false, nil, nil, func(int) byte { return 7 }),
		"too few rows":  bytes.Replace(short, []byte{0, 0, 0, 10, 8, 2}, []byte{0, 0, 0, 11, 8, 2}, 1),
		"too many rows": bytes.Replace(short, []byte{0, 0, 0, 10, 8, 2}, []byte{0, 0, 0, 9, 8, 2}, 1),
	} {
		t.Run(name, func(t *testing.T) {
			if name == "too few rows" || name == "too many rows" {
				data = fixIHDRChecksum(data)
			}
			_, stdErr := png.Decode(bytes.NewReader(data))
			info, err := readPNGInfo(data)
			if err == nil {
				err = info.rows(func([]byte) {})
			}
			if err == nil || stdErr == nil {
				t.Errorf("row by row: %v; image/png: %v", err, stdErr)
			}
		})
	}
}

// fixIHDRChecksum recomputes the IHDR checksum after a test edited it.
func fixIHDRChecksum(data []byte) []byte {
	ihdr := pngChunk("IHDR", data[16:29])
	return append(append(bytes.Clone(data[:8]), ihdr...), data[8+len(ihdr):]...)
}
