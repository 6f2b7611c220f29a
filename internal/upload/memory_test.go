package upload

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestProcessRefusesBeforeDecoding offers pictures whose decoding would
// exceed MemoryBudget, each a small file: they are refused from their
// headers, having allocated next to nothing.
func TestProcessRefusesBeforeDecoding(t *testing.T) {
	for _, tt := range []struct {
		name   string
		upload []byte
		kind   string
	}{
		// 6 bytes a pixel of DCT coefficients besides 1.5 of picture.
		{"8000×5000 progressive JPEG", craftJPEG(t, 8000, 5000, ycbcr420, true), "progressive JPEG"},
		// 4 planes, then a CMYK copy: 8 bytes a pixel.
		{"8000×5000 CMYK JPEG", craftJPEG(t, 8000, 5000, cmyk, false), "CMYK JPEG"},
		{"4000×3000 progressive CMYK JPEG", craftJPEG(t, 4000, 3000, cmyk, true), "CMYK progressive JPEG"},
		// Interlaced PNGs are decoded whole: 8 bytes a pixel at 16 bits.
		{"4000×3000 interlaced 16-bit PNG", craftPNG(t, 4000, 3000, 16, pngRGBA, true, nil, nil, nil), "interlaced 16-bit PNG"},
		{"5000×4000 interlaced PNG", craftPNG(t, 5000, 4000, 8, pngRGB, true, nil, nil, nil), "interlaced 8-bit PNG"},
		{"5000×4000 lossless WebP", webpFile(5000, 4000, color.NRGBA{10, 120, 200, 255}), "lossless WebP"},
		// Row by row, but its renditions would be 1600 px wide and 23,273 high.
		{"1650×24000 PNG", craftPNG(t, 1650, 24000, 8, pngGrey, false, nil, nil, nil), "8-bit PNG"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.upload) > MaxBytes {
				t.Fatalf("the test file is %d bytes", len(tt.upload))
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			img, variants, err := Process(tt.upload)
			runtime.ReadMemStats(&after)
			var memErr *MemoryError
			if !errors.Is(err, ErrTooMuchMemory) || !errors.As(err, &memErr) {
				t.Fatalf("error %v, want ErrTooMuchMemory", err)
			}
			if memErr.Kind != tt.kind || memErr.Needed <= MemoryBudget || memErr.FittingPixels >= int64(memErr.Width)*int64(memErr.Height) {
				t.Errorf("error %+v", memErr)
			}
			if variants != nil || img.Hash != "" {
				t.Errorf("returned %+v and %d variants along with the error", img, len(variants))
			}
			if allocated := after.TotalAlloc - before.TotalAlloc; allocated > 1<<20 {
				t.Errorf("allocated %d bytes refusing the picture", allocated)
			}
		})
	}
}

// TestPlanCoversTheDecoders decodes pictures of every kind with the
// standard decoders and checks that the plan is not below what they
// allocate: the budget is only as good as the plan.
func TestPlanCoversTheDecoders(t *testing.T) {
	interlacedGIF := func() []byte {
		var b bytes.Buffer
		g := &gif.GIF{Image: []*image.Paletted{image.NewPaletted(image.Rect(0, 0, 1000, 800), color.Palette{color.Black, color.White})},
			Delay: []int{0}}
		if err := gif.EncodeAll(&b, g); err != nil {
			t.Fatal(err)
		}
		data := b.Bytes()
		return data
	}()
	for _, tt := range []struct {
		name   string
		upload []byte
	}{
		{"4:2:0 JPEG", craftJPEG(t, 1200, 900, ycbcr420, false)},
		{"4:4:4 JPEG", craftJPEG(t, 1200, 900, ycbcr444, false)},
		{"progressive JPEG", craftJPEG(t, 1200, 900, ycbcr420, true)},
		{"CMYK JPEG", craftJPEG(t, 1200, 900, cmyk, false)},
		{"progressive CMYK JPEG", craftJPEG(t, 1200, 900, cmyk, true)},
		{"greyscale JPEG", encodeJPEGFile(t, image.NewGray(image.Rect(0, 0, 1200, 900)))},
		{"interlaced 8-bit PNG", craftPNG(t, 1200, 900, 8, pngRGBA, true, nil, nil, nil)},
		{"interlaced 16-bit PNG", craftPNG(t, 1200, 900, 16, pngRGB, true, nil, nil, nil)},
		{"interlaced palette PNG", craftPNG(t, 1200, 900, 8, pngPalette, true, pngChunk("PLTE", []byte{1, 2, 3}), nil, nil)},
		{"GIF", interlacedGIF},
		{"lossless WebP", webpFile(1200, 900, color.NRGBA{10, 120, 200, 128})},
	} {
		t.Run(tt.name, func(t *testing.T) {
			config, format, err := image.DecodeConfig(bytes.NewReader(tt.upload))
			if err != nil {
				t.Fatal(err)
			}
			plan, err := planDecode(tt.upload, format, config.Width, config.Height)
			if err != nil {
				t.Fatal(err)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			if _, _, err := image.Decode(bytes.NewReader(tt.upload)); err != nil {
				t.Fatal(err)
			}
			runtime.ReadMemStats(&after)
			allocated := int64(after.TotalAlloc - before.TotalAlloc)
			// Huffman tables, zlib's window and the like are not planned.
			if allocated > plan.decode+1<<20 {
				t.Errorf("the decoder allocated %d bytes, the plan says %d", allocated, plan.decode)
			}
			t.Logf("%s: planned %.1f MB, decoder allocated %.1f MB", tt.name, float64(plan.decode)/1e6, float64(allocated)/1e6)
		})
	}
}

// largeUploads are the heaviest pictures within the budget, in each way of
// decoding: row by row (PNG) and whole. Each is made when asked for.
var largeUploads = map[string]func(t *testing.T) []byte{
	// The picture of the report: 117 KB, 40 megapixels.
	"8000×5000 PNG":            func(t *testing.T) []byte { return gradientPNG(t, 8000, 5000, 8, pngRGB) },
	"8000×5000 16-bit PNG":     func(t *testing.T) []byte { return gradientPNG(t, 8000, 5000, 16, pngRGBA) },
	"8000×5000 JPEG":           func(t *testing.T) []byte { return craftJPEG(t, 8000, 5000, ycbcr420, false) },
	"3000×2000 progressive":    func(t *testing.T) []byte { return craftJPEG(t, 3000, 2000, ycbcr420, true) },
	"3500×3000 CMYK JPEG":      func(t *testing.T) []byte { return craftJPEG(t, 3500, 3000, cmyk, false) },
	"3000×2000 interlaced PNG": func(t *testing.T) []byte { return craftPNG(t, 3000, 2000, 8, pngRGBA, true, nil, nil, nil) },
}

// gradientPNG is a PNG of vertical stripes, each row but the first
// filtered as a copy of the one above.
func gradientPNG(t *testing.T, width, height, depth int, colorType byte) []byte {
	gradient := func(y int, buf []byte) {
		if y == 0 {
			for i := range buf {
				buf[i] = byte(i / 31)
			}
		}
	}
	up := func(y int) byte { return map[bool]byte{true: 0, false: 2}[y == 0] }
	return craftPNG(t, width, height, depth, colorType, false, nil, gradient, up)
}

// TestProcessLargePicturesAllocateLittle processes the largest PNGs allowed
// and counts what they allocate: decoded row by row, an 8000×5000 picture
// (160 MB decoded whole, 320 MB at 16 bits, and 256 MB more for a kernel
// scaler's buffer) costs about its renditions. Under the race detector,
// which makes it slow, a 2400×1500 picture shows the same.
func TestProcessLargePicturesAllocateLittle(t *testing.T) {
	width, height := 8000, 5000
	if raceEnabled {
		width, height = 2400, 1500
	}
	for _, depth := range []int{8, 16} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		img, variants, err := Process(gradientPNG(t, width, height, depth, pngRGBA))
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Fatalf("%d-bit: %v", depth, err)
		}
		if img.Width != 1600 || img.Height != 1000 || len(variants) != 3 {
			t.Errorf("%d-bit: %+v", depth, img)
		}
		allocated := after.TotalAlloc - before.TotalAlloc
		t.Logf("%d×%d %d-bit PNG: allocated %.1f MB in all", width, height, depth, float64(allocated)/1e6)
		if allocated > 32<<20 {
			t.Errorf("%d-bit: allocated %d bytes", depth, allocated)
		}
	}
}

// measurement is what a process of its own reports after processing one
// picture a number of times.
type measurement struct {
	Before, Peak, After int64 // resident memory (VmRSS, VmHWM, VmRSS), bytes
	HeapSys             int64 // heap the runtime obtained from the system, at most
	Error               string
}

// TestProcessPeakMemory processes each large picture in a process of its
// own and reads that process's peak resident memory (VmHWM, Linux): the
// growth must fit the server's bound for a heavy operation (256 MiB with 64
// idle), and memory must be back once the picture is done. Each picture is
// processed twice, the report's PNG ten times, in a row.
func TestProcessPeakMemory(t *testing.T) {
	if path := os.Getenv("VIGIL_UPLOAD_MEASURE"); path != "" {
		measureChild(path)
		return
	}
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc/self/status here")
	}
	dir := t.TempDir()
	// The pictures are processed by this test binary, or, under -race
	// (whose shadow memory would be measured too), by the same tests
	// built without it, so the figures reach every test log.
	measurer := os.Args[0]
	if raceEnabled {
		measurer = filepath.Join(dir, "measure.test")
		if out, err := exec.Command("go", "test", "-c", "-o", measurer, ".").CombinedOutput(); err != nil {
			t.Fatalf("building the tests without -race to measure: %v\n%s", err, out)
		}
	}
	names := slices.Sorted(maps.Keys(largeUploads))
	for i, name := range names {
		path := filepath.Join(dir, strconv.Itoa(i)+".upload")
		if err := os.WriteFile(path, largeUploads[name](t), 0o600); err != nil {
			t.Fatal(err)
		}
		repeat := 2
		if name == "8000×5000 PNG" {
			repeat = 10
		}
		cmd := exec.Command(measurer, "-test.run=^TestProcessPeakMemory$", "-test.count=1")
		cmd.Env = append(os.Environ(), "VIGIL_UPLOAD_MEASURE="+path, "VIGIL_UPLOAD_REPEAT="+strconv.Itoa(repeat))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, out)
		}
		var m measurement
		for line := range strings.Lines(string(out)) {
			if rest, ok := strings.CutPrefix(line, "MEASUREMENT "); ok {
				if err := json.Unmarshal([]byte(rest), &m); err != nil {
					t.Fatal(err)
				}
			}
		}
		if m.Peak == 0 || m.Error != "" {
			t.Fatalf("%s: no measurement (%s)\n%s", name, m.Error, out)
		}
		const MiB = 1 << 20
		t.Logf("%-26s %2d×: RSS %3d MiB before, peak %3d MiB (+%d), %3d MiB after; heap obtained %d MiB",
			name, repeat, m.Before/MiB, m.Peak/MiB, (m.Peak-m.Before)/MiB, m.After/MiB, m.HeapSys/MiB)
		if growth := m.Peak - m.Before; growth > (256-64)*MiB {
			t.Errorf("%s: peak RSS grew by %d MiB", name, growth/MiB)
		}
		if kept := m.After - m.Before; kept > 16*MiB {
			t.Errorf("%s: %d MiB still resident after processing", name, kept/MiB)
		}
	}
}

// measureChild is the process of its own: it processes the picture at path
// VIGIL_UPLOAD_REPEAT times and prints a measurement.
func measureChild(path string) {
	var m measurement
	defer func() {
		out, _ := json.Marshal(m)
		fmt.Printf("MEASUREMENT %s\n", out)
	}()
	data, err := os.ReadFile(path)
	if err != nil {
		m.Error = err.Error()
		return
	}
	repeat, _ := strconv.Atoi(os.Getenv("VIGIL_UPLOAD_REPEAT"))
	m.Before = procStatus("VmRSS")
	for range max(1, repeat) {
		if _, _, err := Process(data); err != nil {
			m.Error = err.Error()
			return
		}
	}
	m.Peak, m.After = procStatus("VmHWM"), procStatus("VmRSS")
	var stats runtime.MemStats
	runtime.ReadMemStats(&stats)
	m.HeapSys = int64(stats.HeapSys)
}

// procStatus reads a memory figure of /proc/self/status, in bytes.
func procStatus(field string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), field+":"); ok {
			kB, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kB << 10
		}
	}
	return 0
}
