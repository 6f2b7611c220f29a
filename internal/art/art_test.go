package art

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var demoNames = []string{"cecot", "deportations", "canada", "uganda", "news-vigil", "news-return"}

func TestRenderProducesPNGOfRequestedSize(t *testing.T) {
	scenes := Demo()
	for _, name := range demoNames {
		for _, w := range []int{160, 333} {
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

// TestDemoImagesAreLight keeps the demo pictures light for slow networks:
// the 960 px rendition most phones take stays under 60 KB. With ART_OUT
// set it also writes each one there, to look at.
func TestDemoImagesAreLight(t *testing.T) {
	out := os.Getenv("ART_OUT")
	if out != "" {
		if err := os.MkdirAll(out, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	scenes := Demo()
	for _, name := range demoNames {
		b, err := Render(scenes[name], 960)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%-13s 960 px: %.1f KB", name, float64(len(b))/1024)
		if len(b) > 60<<10 {
			t.Errorf("%s at 960 px is %d bytes, over 60 KB", name, len(b))
		}
		if out != "" {
			if err := os.WriteFile(filepath.Join(out, name+".png"), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
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
