package sqlcore

import (
	"testing"
	"time"
)

// TestParseStored: the fast reader gives what time.Parse gives for every
// stored form, and leaves anything else to it.
func TestParseStored(t *testing.T) {
	for _, v := range []string{"2026-11-27T01:02:03.456Z", "2000-02-29T23:59:59.999Z", "1970-01-01T00:00:00.000Z"} {
		want, _ := time.Parse(timeLayout, v)
		got, ok := parseStored(v)
		if !ok || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("%s: %v %v, want %v", v, got, ok, want)
		}
	}
	for _, v := range []string{"2026-02-31T00:00:00.000Z", "2026-13-01T00:00:00.000Z", "2026-11-27 01:02:03.456Z",
		"2026-11-27T01:02:03Z", "2026-1a-27T01:02:03.456Z", ""} {
		if _, ok := parseStored(v); ok {
			t.Errorf("%q read as a stored time", v)
		}
	}
}
