package model

import (
	"slices"
	"testing"
)

func TestPublicFigures(t *testing.T) {
	all := RecordStatuses
	for _, tc := range []struct {
		name   string
		counts FigureCounts
		chosen []RecordStatus
		min    int
		want   []Figure
	}{
		{"all returned", FigureCounts{252, map[RecordStatus]int{RecordReturned: 252}}, all, 5,
			[]Figure{{RecordReturned, 252}}},
		{"one re-detained is not shown", FigureCounts{252, map[RecordStatus]int{RecordReturned: 251, RecordReDetained: 1}}, all, 5,
			[]Figure{{RecordReturned, 251}}},
		{"exactly the minimum is shown", FigureCounts{252, map[RecordStatus]int{RecordReturned: 247, RecordReDetained: 5}}, all, 5,
			[]Figure{{RecordReDetained, 5}, {RecordReturned, 247}}},
		{"four is not", FigureCounts{252, map[RecordStatus]int{RecordReturned: 248, RecordReDetained: 4}}, all, 5,
			[]Figure{{RecordReturned, 248}}},
		{"only what the editor chose", FigureCounts{252, map[RecordStatus]int{RecordReturned: 200, RecordReDetained: 52}},
			[]RecordStatus{RecordReDetained}, 5, []Figure{{RecordReDetained, 52}}},
		{"a group smaller than the minimum shows nothing", FigureCounts{2, map[RecordStatus]int{RecordReturned: 2}}, all, 3, nil},
		{"a group of four with a minimum of five", FigureCounts{4, map[RecordStatus]int{RecordReturned: 4}}, all, 5, nil},
		{"nothing chosen", FigureCounts{252, map[RecordStatus]int{RecordReturned: 252}}, nil, 5, nil},
		{"a minimum below one counts one", FigureCounts{2, map[RecordStatus]int{RecordReturned: 2}}, all, 0,
			[]Figure{{RecordReturned, 2}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := PublicFigures(tc.counts, tc.chosen, tc.min); !slices.Equal(got, tc.want) {
				t.Errorf("PublicFigures = %v, want %v", got, tc.want)
			}
		})
	}
}
