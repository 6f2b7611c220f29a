package model

import (
	"testing"
	"time"
)

func TestRetentionLimit(t *testing.T) {
	now := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
	if got, want := RetentionLimit(now, 24), time.Date(2024, 12, 6, 3, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("24 months before %v: %v, want %v", now, got, want)
	}
	if got := RetentionLimit(now, 0); !got.IsZero() {
		t.Errorf("0 months: %v, want no limit", got)
	}
}

func TestDueForErasure(t *testing.T) {
	limit := time.Date(2024, 12, 6, 0, 0, 0, 0, time.UTC)
	old := limit.AddDate(0, -6, 0)
	recent := limit.AddDate(0, 1, 0)
	tests := []struct {
		name  string
		s     Supporter
		ps    []Participation
		cs    []Consent
		erase bool
	}{
		{"nothing since long ago", Supporter{Created: old, Confirmed: old}, []Participation{{Created: old, Confirmed: old}}, nil, true},
		{"never confirmed, long ago", Supporter{Created: old}, nil, nil, true},
		{"recent action", Supporter{Created: old, Confirmed: old}, []Participation{{Created: old}, {Created: recent}}, nil, false},
		{"recent confirmation of an old action", Supporter{Created: old, Confirmed: old}, []Participation{{Created: old, Confirmed: recent}}, nil, false},
		{"recent address confirmation", Supporter{Created: old, Confirmed: recent}, nil, nil, false},
		{"recent consent answer", Supporter{Created: old}, nil, []Consent{{At: recent}}, false},
		{"last seen exactly at the limit", Supporter{Created: limit}, nil, nil, false},
		{"last seen just before the limit", Supporter{Created: limit.Add(-time.Millisecond)}, nil, nil, true},
		{"already erased", Supporter{Created: old, Erased: old}, nil, nil, false},
	}
	for _, tt := range tests {
		if got := DueForErasure(tt.s, tt.ps, tt.cs, limit); got != tt.erase {
			t.Errorf("%s: erase %v, want %v", tt.name, got, tt.erase)
		}
	}
	if DueForErasure(Supporter{Created: old}, nil, nil, time.Time{}) {
		t.Error("no limit (retention off): erased")
	}
}
