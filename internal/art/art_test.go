package art

import (
	"bytes"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var demoNames = []string{"cecot", "deportations", "canada", "uganda", "news-vigil", "news-return"}

func TestRenderProducesPNGOfRequestedSize(t *testing.T) {
	scenes := Demo()
	for _, name := range demoNames {
		for _, w := range []int{480, 960} {
			b, err := Render(scenes[name], w)
			if err != nil {
				t.Fatalf("Render(%s, %d): %v", name, w, err)
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("Render(%s, %d) is not a valid PNG: %v", name, w, err)
			}
			if got := img.Bounds().Dx(); got != w {
				t.Errorf("%s@%d: width %d", name, w, got)
			}
			if got, want := img.Bounds().Dy(), w*9/16; got != want {
				t.Errorf("%s@%d: height %d, want %d", name, w, got, want)
			}
		}
	}
}

func TestDemoScenesHaveUsefulAlt(t *testing.T) {
	scenes := Demo()
	if len(scenes) != len(demoNames) {
		t.Errorf("Demo has %d scenes, want %d", len(scenes), len(demoNames))
	}
	for _, name := range demoNames {
		s, ok := scenes[name]
		if !ok {
			t.Errorf("Demo lacks %q", name)
			continue
		}
		if s.Name != name {
			t.Errorf("scene keyed %q is named %q", name, s.Name)
		}
		alt := strings.TrimSpace(s.Alt)
		if len(alt) < 30 {
			t.Errorf("%s: Alt too short: %q", name, alt)
		}
		if strings.HasPrefix(strings.ToLower(alt), "image") {
			t.Errorf("%s: Alt starts with \"image\": %q", name, alt)
		}
		if len(s.Shapes) == 0 {
			t.Errorf("%s: no shapes", name)
		}
	}
}

func TestDifferentScenesDiffer(t *testing.T) {
	scenes := Demo()
	seen := map[string]string{}
	for _, name := range demoNames {
		b, err := Render(scenes[name], 480)
		if err != nil {
			t.Fatal(err)
		}
		if other, dup := seen[string(b)]; dup {
			t.Errorf("%s renders identically to %s", name, other)
		}
		seen[string(b)] = name
	}
}

func TestRenderIsDeterministic(t *testing.T) {
	for _, name := range demoNames {
		a, err := Render(Demo()[name], 480)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Render(Demo()[name], 480)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two renders differ", name)
		}
	}
}

func TestRenderRejectsBadInput(t *testing.T) {
	s := Demo()["cecot"]
	for _, w := range []int{0, -1, MinWidth - 1, MaxWidth + 1} {
		if _, err := Render(s, w); err == nil {
			t.Errorf("Render width %d: want error", w)
		}
	}
	bad := Scene{Name: "bad", Shapes: []Shape{{Kind: KindPolygon, Points: xy(0, 0, 10, 10)}}}
	if _, err := Render(bad, 480); err == nil {
		t.Error("two-point polygon: want error")
	}
}

// TestRenderTiming logs how long all demo scenes take at the srcset widths.
// With ART_OUT set, it also writes each scene at 960 px into that directory.
func TestRenderTiming(t *testing.T) {
	out := os.Getenv("ART_OUT")
	if out != "" {
		if err := os.MkdirAll(out, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	scenes := Demo()
	start := time.Now()
	for _, name := range demoNames {
		var sizes []string
		for _, w := range []int{480, 960, 1600} {
			b, err := Render(scenes[name], w)
			if err != nil {
				t.Fatal(err)
			}
			sizes = append(sizes, fmt.Sprintf("%d:%.1fKB", w, float64(len(b))/1024))
			if out != "" && w == 960 {
				if err := os.WriteFile(filepath.Join(out, name+".png"), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		t.Logf("%-13s %s", name, strings.Join(sizes, " "))
	}
	t.Logf("rendered %d scenes at 480, 960 and 1600 px in %v", len(demoNames), time.Since(start))
}

func BenchmarkRenderAllDemo(b *testing.B) {
	scenes := Demo()
	for b.Loop() {
		for _, name := range demoNames {
			for _, w := range []int{480, 960, 1600} {
				if _, err := Render(scenes[name], w); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
}
