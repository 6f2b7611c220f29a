package model

import "testing"

func TestParticipationEmail(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		duplicate, confirmed bool
		want                 string
	}{
		{"new participation", false, false, EmailConfirm},
		{"repeat, not yet confirmed", true, false, EmailConfirm},
		{"repeat of a confirmed one", true, true, EmailThanksAgain},
		{"new, flagged confirmed", false, true, EmailConfirm}, // a new one is never confirmed yet
	} {
		if got := ParticipationEmail(tc.duplicate, tc.confirmed); got != tc.want {
			t.Errorf("%s: ParticipationEmail(%v, %v) = %q, want %q", tc.name, tc.duplicate, tc.confirmed, got, tc.want)
		}
	}
}
