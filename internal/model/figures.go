package model

import (
	"slices"
	"time"
)

// MinFigureGroup is the smallest number of people a public figure may
// count: below it a figure could point to one person, so it is not shown.
// A case with fewer individuals than this shows no figure at all.
const MinFigureGroup = 5

// FigureCounts is what a case's records say in numbers: how many
// individuals, and how many stand in each status by their corroborated or
// confirmed events only.
type FigureCounts struct {
	Total    int
	ByStatus map[RecordStatus]int
}

// Figure is one public figure: how many of a case's individuals stand in
// a status.
type Figure struct {
	Status RecordStatus `json:"status"`
	Count  int          `json:"count"`
}

// CaseFigures is the published snapshot of what is known of a case's
// individuals, stored with the case (never read from the records when
// the page is served). Zero AsOf: nothing published.
type CaseFigures struct {
	AsOf    time.Time `json:"as_of"`
	Total   int       `json:"total"`
	Figures []Figure  `json:"figures"`
}

// Shown reports whether the snapshot says anything.
func (f CaseFigures) Shown() bool { return !f.AsOf.IsZero() && len(f.Figures) > 0 }

// PublicFigures are the figures of counts an editor chose that may be
// shown: those counting at least min people, of a group of at least min,
// in the order of RecordStatuses. Nothing else may reach a public page.
func PublicFigures(counts FigureCounts, chosen []RecordStatus, min int) []Figure {
	if min < 1 {
		min = 1
	}
	if counts.Total < min {
		return nil
	}
	var out []Figure
	for _, s := range RecordStatuses {
		if !slices.Contains(chosen, s) {
			continue
		}
		if n := counts.ByStatus[s]; n >= min {
			out = append(out, Figure{Status: s, Count: n})
		}
	}
	return out
}
