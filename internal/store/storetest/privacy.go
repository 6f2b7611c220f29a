package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"vigil/internal/model"
)

// testPrivacyRequests: an email to an address finds its supporter alone;
// the personal data holds what they gave; erasure on request queues its
// confirmation with the erasure, belonging to nobody.
func testPrivacyRequests(t *testing.T, s Store) {
	hook := &model.Webhook{URL: "https://crm.example.org/hook", Secret: "s", Events: []string{model.EventErasure}, Created: actNow}
	if err := s.CreateWebhook(ctx, hook); err != nil {
		t.Fatal(err)
	}
	petition(t, s, "p")
	ana := sign(t, s, "p", "ana@example.org", "Free them", true)
	compose := func(sup model.Supporter) (model.OutboxMessage, error) {
		return model.OutboxMessage{MessageID: fmt.Sprintf("privacy-%d@test", sup.ID), Kind: "privacy-send", Sealed: []byte(sup.Email)}, nil
	}
	if err := s.QueueToAddress(ctx, "nobody@example.org", actNow, compose); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("unknown address: %v, want ErrNotFound", err)
	}
	before, _ := s.OutboxCounts(ctx)
	if err := s.QueueToAddress(ctx, "ana@example.org", actNow, compose); err != nil {
		t.Fatal(err)
	}
	after, _ := s.OutboxCounts(ctx)
	if after[model.MessageQueued] != before[model.MessageQueued]+1 {
		t.Errorf("queued %v, then %v: want one more", before, after)
	}
	data, err := s.PersonalData(ctx, ana.SupporterID)
	if err != nil {
		t.Fatal(err)
	}
	if data.Supporter.Email != "ana@example.org" || data.Supporter.Name != "Name ana@example.org" || data.Supporter.PostalCode != "1010" ||
		data.Supporter.Country != "VE" || data.Supporter.Lang != "es" {
		t.Errorf("supporter %+v", data.Supporter)
	}
	if len(data.Consents) != 1 || data.Consents[0].Text != "Tell me" || !data.Consents[0].Given || data.Consents[0].At.IsZero() {
		t.Errorf("consents %+v", data.Consents)
	}
	if len(data.Participations) != 1 || data.Participations[0].Participation.Comment != "Free them" || data.Participations[0].Action.Slug != "p" {
		t.Errorf("participations %+v", data.Participations)
	}
	if len(data.Messages) != 2 || data.Messages[0].Kind != "confirm" || data.Messages[1].Kind != "privacy-send" ||
		string(data.Messages[1].Sealed) != "ana@example.org" {
		t.Errorf("messages %+v", data.Messages)
	}

	farewell := model.OutboxMessage{MessageID: "erased-1@test", Kind: "erased", Sealed: []byte("ana@example.org"), SupporterID: ana.SupporterID}
	if err := s.EraseOnRequest(ctx, ana.SupporterID, actNow, farewell); err != nil {
		t.Fatal(err)
	}
	sup, _ := s.SupporterForStaff(ctx, ana.SupporterID)
	if sup.Email != "" || sup.Erased.IsZero() {
		t.Errorf("not erased: %+v", sup)
	}
	if msgs, _ := s.SupporterMessages(ctx, ana.SupporterID, 10); len(msgs) != 0 {
		t.Errorf("the erased supporter keeps emails: %+v", msgs)
	}
	found := false
	for _, m := range claim(t, s, actNow, time.Minute, 100) {
		if m.MessageID == "erased-1@test" {
			found = m.SupporterID == 0 && string(m.Sealed) == "ana@example.org"
		}
	}
	if !found {
		t.Error("the confirmation of the erasure is not queued, or names the supporter")
	}
	if ds, err := s.Deliveries(ctx, hook.ID, 0); err != nil || len(ds) != 1 || ds[0].Event != model.EventErasure || ds[0].SupporterID != ana.SupporterID {
		t.Errorf("webhook deliveries %+v, %v; want Ana's erasure", ds, err)
	}
	if _, err := s.PersonalData(ctx, ana.SupporterID); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("personal data of the erased: %v, want ErrNotFound", err)
	}
	if err := s.EraseOnRequest(ctx, ana.SupporterID, actNow, model.OutboxMessage{MessageID: "erased-2@test", Kind: "erased", Sealed: []byte("x")}); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("erased twice: %v, want ErrNotFound", err)
	}
	if err := s.QueueToAddress(ctx, "ana@example.org", actNow, compose); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("the erased address: %v, want ErrNotFound", err)
	}
}

// testEmailChoices: opting out of one case's updates stops that case's
// update emails and not another's; the newsletter answer is recorded;
// wanting nothing is unsubscribing, and choosing again ends it.
func testEmailChoices(t *testing.T, s Store) {
	var cases []*model.Case
	for _, slug := range []string{"one", "two"} {
		cs := &model.Case{Slug: slug, Lang: "en", Title: "Case " + slug, Status: model.CaseActive, Published: day(2026, 1, 1), Updated: day(2026, 1, 1)}
		if err := s.SaveCase(ctx, cs); err != nil {
			t.Fatal(err)
		}
		a := &model.Action{Slug: "act-" + slug, CaseID: cs.ID, Lang: "en", Kind: model.ActionPetition, Title: "Sign", Published: day(2026, 1, 1)}
		if err := s.CreateAction(ctx, a); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, cs)
	}
	ana := sign(t, s, "act-one", "ana@example.org", "", true)
	sign(t, s, "act-two", "ana@example.org", "", true)
	choices, err := s.EmailChoices(ctx, ana.SupporterID)
	if err != nil || len(choices.Cases) != 2 || !choices.Cases[0].Updates || !choices.Cases[1].Updates || choices.Cases[0].Case.Title != "Case one" {
		t.Fatalf("choices %+v, %v; want both cases' updates", choices, err)
	}
	audience := func(cs *model.Case) int {
		n, err := s.UpdateAudience(ctx, cs.ID)
		if err != nil {
			t.Fatal(err)
		}
		return n["es"]
	}
	choices.Cases[0].Updates = false
	if err := s.SaveEmailChoices(ctx, ana.SupporterID, choices, model.Consent{}, actNow); err != nil {
		t.Fatal(err)
	}
	if audience(cases[0]) != 0 || audience(cases[1]) != 1 {
		t.Errorf("after opting out of case one: audiences %d, %d; want 0, 1", audience(cases[0]), audience(cases[1]))
	}
	if got, _ := s.EmailChoices(ctx, ana.SupporterID); got.Cases[0].Updates || !got.Cases[1].Updates || !got.Unsubscribed.IsZero() {
		t.Errorf("choices read back %+v", got)
	}
	// The newsletter: yes, then no.
	yes := model.Consent{Key: model.ConsentNewsletter, Text: "Send me the newsletter", Given: true, Source: "/preferences"}
	if err := s.SaveEmailChoices(ctx, ana.SupporterID, model.EmailChoices{Cases: choices.Cases, Newsletter: true}, yes, actNow.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.EmailChoices(ctx, ana.SupporterID); !got.Newsletter {
		t.Errorf("newsletter yes not recorded: %+v", got)
	}
	no := yes
	no.Given = false
	if err := s.SaveEmailChoices(ctx, ana.SupporterID, model.EmailChoices{Cases: choices.Cases}, no, actNow.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.EmailChoices(ctx, ana.SupporterID); got.Newsletter {
		t.Errorf("newsletter no not recorded: %+v", got)
	}
	// Nothing at all: unsubscribed, from both cases.
	choices.Cases[1].Updates = false
	if err := s.SaveEmailChoices(ctx, ana.SupporterID, choices, model.Consent{}, actNow.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if sup, _ := s.SupporterForStaff(ctx, ana.SupporterID); sup.Unsubscribed.IsZero() || audience(cases[1]) != 0 {
		t.Errorf("nothing wanted: unsubscribed %v, audience of case two %d", sup.Unsubscribed, audience(cases[1]))
	}
	// Case two again: the unsubscription ends, case one stays off.
	choices.Cases[1].Updates = true
	if err := s.SaveEmailChoices(ctx, ana.SupporterID, choices, model.Consent{}, actNow.Add(4*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if sup, _ := s.SupporterForStaff(ctx, ana.SupporterID); !sup.Unsubscribed.IsZero() || audience(cases[1]) != 1 || audience(cases[0]) != 0 {
		t.Errorf("chosen again: unsubscribed %v, audiences %d, %d; want 0, 1", sup.Unsubscribed, audience(cases[0]), audience(cases[1]))
	}
	s.EraseSupporter(ctx, ana.SupporterID, actNow.Add(5*time.Minute))
	if _, err := s.EmailChoices(ctx, ana.SupporterID); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("choices of the erased: %v", err)
	}
	if err := s.SaveEmailChoices(ctx, ana.SupporterID, choices, model.Consent{}, actNow); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("saving choices of the erased: %v", err)
	}
}
