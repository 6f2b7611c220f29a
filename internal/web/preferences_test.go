package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"vigil/internal/model"
	"vigil/internal/store"
)

// TestPreferences: from the link in her emails, a supporter who acted on
// two cases stops one case's updates and keeps the other's, takes the
// newsletter then leaves it, then wants nothing; the one-click
// unsubscribe link keeps working beside it.
func TestPreferences(t *testing.T) {
	h := newActHarness(t, true)
	ctx := t.Context()
	var cases []model.Case
	for _, slug := range []string{"first", "second"} {
		cs := &model.Case{Slug: slug, Lang: "en", Title: "The " + slug + " case", Status: model.CaseActive,
			Published: h.now.Add(-time.Hour), Updated: h.now.Add(-time.Hour)}
		if err := h.db.SaveCase(ctx, cs); err != nil {
			t.Fatal(err)
		}
		if err := h.db.CreateAction(ctx, &model.Action{Slug: "sign-" + slug, CaseID: cs.ID, Lang: "en", Kind: model.ActionPetition,
			Title: "Sign for the " + slug, Published: h.now.Add(-time.Hour)}); err != nil {
			t.Fatal(err)
		}
		v := signature("Ana Pérez", "ana@example.org")
		v.Set("source", "/actions/sign-"+slug)
		if r := h.post("/actions/sign-"+slug, v); r.status != http.StatusSeeOther {
			t.Fatalf("sign %s: %d", slug, r.status)
		}
		cases = append(cases, *cs)
	}
	h.deliver()
	var prefs, unsubscribe string
	for _, s := range h.mp.WaitForMessages(t, 2, 5*time.Second) {
		m := h.mp.Message(t, s.ID)
		prefs = privacyLinkIn(t, m.Text, "/preferences/")
		unsubscribe = m.Header("List-Unsubscribe")
		h.post(linkIn(t, m.Text, "/confirm/"), url.Values{})
	}
	h.deliver()
	h.mp.DeleteAll(t)

	// publish sends an update of each case and returns who received which.
	n := 0
	publish := func() map[string]bool {
		t.Helper()
		n++
		for _, cs := range cases {
			u := &model.Update{Title: fmt.Sprintf("News %d", n), Body: "What happened.", Published: h.now}
			if err := h.db.PublishUpdate(ctx, cs.Slug, u); err != nil {
				t.Fatal(err)
			}
			if _, err := h.db.QueueUpdateMessages(ctx, cs.ID, u.ID, h.now, func(sup model.Supporter) (model.OutboxMessage, error) {
				return h.options.Composer.Update(cs, *u, sup, h.now)
			}); err != nil {
				t.Fatal(err)
			}
		}
		h.deliver()
		got := map[string]bool{}
		for _, s := range h.mp.Messages(t) {
			got[s.Subject] = true
			if !strings.Contains(h.mp.Message(t, s.ID).Text, "To choose which emails you receive:") {
				t.Errorf("update %q without the link to choose", s.Subject)
			}
		}
		h.mp.DeleteAll(t)
		return got
	}
	subjects := func(got map[string]bool) (bool, bool) {
		var a, b bool
		for s := range got {
			a = a || strings.Contains(s, "The first case")
			b = b || strings.Contains(s, "The second case")
		}
		return a, b
	}
	if a, b := subjects(publish()); !a || !b {
		t.Fatalf("before any choice: first %v, second %v; want both", a, b)
	}

	// The page lists both cases, ticked; opening it changes nothing.
	page := get(t, h.site, prefs)
	if page.status != http.StatusOK || strings.Count(page.body, `name="case"`) != 2 || strings.Count(page.body, " checked") != 2 {
		t.Fatalf("preferences page: %d, %d cases, %d ticked", page.status, strings.Count(page.body, `name="case"`), strings.Count(page.body, " checked"))
	}
	mustContain(t, "preferences page", text(page.body), "The first case", "The second case", "The newsletter")

	// No more of the first case.
	saved := h.post(prefs, url.Values{"case": {fmt.Sprint(cases[1].ID)}})
	if saved.status != http.StatusOK || !strings.Contains(text(saved.body), "Your choices are saved") {
		t.Fatalf("save: %d", saved.status)
	}
	if a, b := subjects(publish()); a || !b {
		t.Errorf("after leaving the first case: first %v, second %v; want the second only", a, b)
	}

	// The newsletter, then not.
	sup, _ := h.db.SupporterByEmail(ctx, "ana@example.org")
	subscribed := func() bool {
		found := false
		h.db.ExportSubscribers(ctx, func(s store.Subscriber) error {
			found = found || s.Supporter.ID == sup.ID
			return nil
		})
		return found
	}
	h.post(prefs, url.Values{"case": {fmt.Sprint(cases[1].ID)}, "newsletter": {"yes"}})
	if !subscribed() {
		t.Error("newsletter ticked: not a subscriber")
	}
	h.now = h.now.Add(time.Minute)
	h.post(prefs, url.Values{"case": {fmt.Sprint(cases[1].ID)}})
	if subscribed() {
		t.Error("newsletter unticked: still a subscriber")
	}

	// Nothing at all: unsubscribed.
	h.now = h.now.Add(time.Minute)
	nothing := h.post(prefs, url.Values{})
	mustContain(t, "nothing chosen", text(nothing.body), "You will receive no more emails from us")
	if s, _ := h.db.SupporterForStaff(ctx, sup.ID); s.Unsubscribed.IsZero() {
		t.Error("nothing chosen: not unsubscribed")
	}
	if a, b := subjects(publish()); a || b {
		t.Errorf("after choosing nothing: first %v, second %v; want none", a, b)
	}

	// The second case again; then the one-click unsubscribe still works.
	h.now = h.now.Add(time.Minute)
	h.post(prefs, url.Values{"case": {fmt.Sprint(cases[1].ID)}})
	if a, b := subjects(publish()); a || !b {
		t.Errorf("the second case chosen again: first %v, second %v", a, b)
	}
	u, err := url.Parse(strings.Trim(unsubscribe, "<>"))
	if err != nil || u.Path == "" {
		t.Fatalf("List-Unsubscribe %q", unsubscribe)
	}
	if r := h.post(u.Path, url.Values{"List-Unsubscribe": {"One-Click"}}); r.status != http.StatusOK {
		t.Fatalf("one-click unsubscribe: %d", r.status)
	}
	if a, b := subjects(publish()); a || b {
		t.Errorf("after one-click unsubscribe: first %v, second %v; want none", a, b)
	}

	// Broken and expired links.
	if r := get(t, h.site, prefs[:len(prefs)-3]+"abc"); r.status != http.StatusNotFound {
		t.Errorf("broken preferences link: %d", r.status)
	}
	h.now = h.now.Add(6 * 365 * 24 * time.Hour)
	if r := get(t, h.site, prefs); r.status != http.StatusGone {
		t.Errorf("expired preferences link: %d", r.status)
	}
}
