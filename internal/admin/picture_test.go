package admin

import (
	"fmt"
	"strings"
	"testing"

	"vigil/internal/upload"
)

// TestPictureRefusal checks that staff are told why a picture was refused
// and what would be accepted.
func TestPictureRefusal(t *testing.T) {
	tooBig := fmt.Errorf("wrapped: %w", &upload.MemoryError{Width: 8000, Height: 5000, Kind: "progressive JPEG",
		Needed: 300 << 20, FittingPixels: 14_900_000})
	for _, tt := range []struct {
		err  error
		want []string
	}{
		{tooBig, []string{"progressive JPEG of 8000×5000 pixels is too large", "up to about 14 megapixels"}},
		{fmt.Errorf("x: %w", upload.ErrTooLarge), []string{"larger than 10 MB"}},
		{fmt.Errorf("x: %w", upload.ErrTooManyPixels), []string{"more than 40 million pixels"}},
		{fmt.Errorf("x: %w", upload.ErrNotImage), []string{"not a JPEG, PNG, GIF or WebP"}},
	} {
		got := pictureRefusal(tt.err).String()
		for _, want := range tt.want {
			if !strings.Contains(got, want) {
				t.Errorf("%v: %q lacks %q", tt.err, got, want)
			}
		}
	}
}
