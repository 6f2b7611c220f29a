package model

import (
	"testing"
	"time"
)

func TestCounting(t *testing.T) {
	confirmed := Participation{Confirmed: time.Date(2026, 2, 2, 0, 0, 0, 0, time.UTC)}
	pending := Participation{}
	for _, tc := range []struct {
		name                string
		count               int
		p                   Participation
		counted             bool
		confirmTo, removeTo int
	}{
		{"pending, first confirmation", 4, pending, false, 5, 4},
		{"confirmed, link used again", 4, confirmed, true, 4, 3},
		{"confirmed, last one counted", 1, confirmed, true, 1, 0},
		{"confirmed, count already at zero", 0, confirmed, true, 0, 0},
		{"pending, count at zero", 0, pending, false, 1, 0},
	} {
		if got := Counted(tc.p); got != tc.counted {
			t.Errorf("%s: Counted = %v, want %v", tc.name, got, tc.counted)
		}
		if got := CountAfterConfirm(tc.count, tc.p); got != tc.confirmTo {
			t.Errorf("%s: CountAfterConfirm(%d) = %d, want %d", tc.name, tc.count, got, tc.confirmTo)
		}
		if got := CountAfterRemoval(tc.count, tc.p); got != tc.removeTo {
			t.Errorf("%s: CountAfterRemoval(%d) = %d, want %d", tc.name, tc.count, got, tc.removeTo)
		}
	}
}

func TestReceivesUpdates(t *testing.T) {
	when := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	const caseID = 7
	confirmed := Participation{Confirmed: when}
	given := []Consent{{Key: ConsentUpdates, Given: true}}
	declinedUpdates := []Consent{{Key: ConsentUpdates, Given: false}}
	otherDeclined := []Consent{{Key: "newsletter", Given: false}}
	reachable := Supporter{Confirmed: when}
	for _, tc := range []struct {
		name           string
		s              Supporter
		caseID         int64
		participations []CaseParticipation
		want           bool
	}{
		{"confirmed, updates given", reachable, caseID, []CaseParticipation{{caseID, confirmed, given}}, true},
		{"confirmed, not asked", reachable, caseID, []CaseParticipation{{caseID, confirmed, nil}}, true},
		{"confirmed, another consent declined", reachable, caseID, []CaseParticipation{{caseID, confirmed, otherDeclined}}, true},
		{"confirmed, updates declined", reachable, caseID, []CaseParticipation{{caseID, confirmed, declinedUpdates}}, false},
		{"not confirmed", Supporter{}, caseID, []CaseParticipation{{caseID, Participation{}, given}}, false},
		{"supporter confirmed, this participation not", reachable, caseID, []CaseParticipation{{caseID, Participation{}, given}}, false},
		{"another case only", reachable, caseID, []CaseParticipation{{caseID + 1, confirmed, given}}, false},
		{"an action of no case", reachable, caseID, []CaseParticipation{{0, confirmed, given}}, false},
		{"no case asked", reachable, 0, []CaseParticipation{{0, confirmed, given}}, false},
		{"no participation", reachable, caseID, nil, false},
		{"declined with one, not with another", reachable, caseID,
			[]CaseParticipation{{caseID, confirmed, declinedUpdates}, {caseID, confirmed, nil}}, true},
		{"declined with one, the other pending", reachable, caseID,
			[]CaseParticipation{{caseID, confirmed, declinedUpdates}, {caseID, Participation{}, given}}, false},
		{"unsubscribed", Supporter{Confirmed: when, Unsubscribed: when}, caseID, []CaseParticipation{{caseID, confirmed, given}}, false},
		{"erased", Supporter{Confirmed: when, Erased: when}, caseID, []CaseParticipation{{caseID, confirmed, given}}, false},
	} {
		if got := ReceivesUpdates(tc.s, tc.caseID, tc.participations, nil); got != tc.want {
			t.Errorf("%s: ReceivesUpdates = %v, want %v", tc.name, got, tc.want)
		}
	}
	acted := []CaseParticipation{{caseID, confirmed, given}, {caseID + 1, confirmed, given}}
	if ReceivesUpdates(reachable, caseID, acted, []int64{caseID}) {
		t.Error("opted out of this case's updates: still receives them")
	}
	if !ReceivesUpdates(reachable, caseID+1, acted, []int64{caseID}) {
		t.Error("opted out of one case's updates: no longer receives another's")
	}
}

func TestNewsletterYes(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 3, d, 0, 0, 0, 0, time.UTC) }
	reachable := Supporter{Confirmed: day(2)}
	yes := func(d int, source string) Consent {
		return Consent{Key: ConsentNewsletter, Given: true, Source: source, At: day(d)}
	}
	no := Consent{Key: ConsentNewsletter, Given: false, Source: "/actions/sign", At: day(5)}
	otherYes := Consent{Key: ConsentUpdates, Given: true, At: day(6)}
	for _, tc := range []struct {
		name    string
		s       Supporter
		answers []Consent
		want    bool
		source  string    // of the yes found
		since   time.Time // SubscribedSince
	}{
		{"a yes, confirmed after", reachable, []Consent{yes(1, "/subscribe")}, true, "/subscribe", day(2)},
		{"a yes, given after confirming", reachable, []Consent{yes(3, "/")}, true, "/", day(3)},
		{"never confirmed", Supporter{}, []Consent{yes(1, "/")}, false, "", time.Time{}},
		{"unsubscribed", Supporter{Confirmed: day(2), Unsubscribed: day(4)}, []Consent{yes(1, "/")}, false, "", time.Time{}},
		{"erased", Supporter{Confirmed: day(2), Unsubscribed: day(4), Erased: day(4)}, []Consent{yes(1, "/")}, false, "", time.Time{}},
		{"no answer", reachable, nil, false, "", time.Time{}},
		{"only a yes to something else", reachable, []Consent{otherYes}, false, "", time.Time{}},
		{"said no", reachable, []Consent{no}, false, "", time.Time{}},
		{"yes, then no", reachable, []Consent{yes(3, "/"), no}, false, "", time.Time{}},
		{"no, then yes", reachable, []Consent{no, yes(7, "/subscribe-confirm")}, true, "/subscribe-confirm", day(7)},
		{"the latest yes counts", reachable, []Consent{yes(1, "/"), yes(8, "/again"), otherYes}, true, "/again", day(8)},
		{"latest by date, not by place in the list", reachable, []Consent{yes(8, "/later"), no}, true, "/later", day(8)},
	} {
		got, ok := NewsletterYes(tc.s, tc.answers)
		if ok != tc.want || (ok && got.Source != tc.source) {
			t.Errorf("%s: NewsletterYes = %+v, %v; want %v from %q", tc.name, got, ok, tc.want, tc.source)
		}
		if ok && !SubscribedSince(tc.s, got).Equal(tc.since) {
			t.Errorf("%s: SubscribedSince = %v, want %v", tc.name, SubscribedSince(tc.s, got), tc.since)
		}
	}
}
