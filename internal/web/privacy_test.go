package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"vigil/internal/demo"
	"vigil/internal/model"
	"vigil/internal/store"
	"vigil/internal/web"
)

// privacyLinkRe finds a link of a privacy or preferences email.
var privacyLinkRe = regexp.MustCompile(`https://act\.example\.org(/[a-z]{2}/(?:privacy/(?:send|delete)|preferences)/[A-Za-z0-9_-]+)`)

func privacyLinkIn(t *testing.T, body, path string) string {
	t.Helper()
	for _, m := range privacyLinkRe.FindAllStringSubmatch(body, -1) {
		if strings.Contains(m[1], path) {
			return m[1]
		}
	}
	t.Fatalf("no %s link in:\n%s", path, body)
	return ""
}

// privacyHarness is the act harness with one confirmed supporter, Ana,
// whose emails have been read and removed from mailpit.
func privacyHarness(t *testing.T) (*actHarness, model.Supporter) {
	t.Helper()
	h := newActHarness(t, true)
	h.options.Retention = web.Retention{Months: 24, Mail: 30 * 24 * time.Hour, Unconfirmed: 7 * 24 * time.Hour}
	site, err := web.New(h.options)
	if err != nil {
		t.Fatal(err)
	}
	h.site, h.runner.Pages = site, site
	if r := h.post("/actions/"+demo.DeportationsSlug, signature("Ana Pérez", "ana@example.org")); r.status != http.StatusSeeOther {
		t.Fatalf("sign: %d", r.status)
	}
	h.confirmByEmail(1)
	h.deliver()
	h.mp.DeleteAll(t)
	sup, err := h.db.SupporterByEmail(t.Context(), "ana@example.org")
	if err != nil {
		t.Fatal(err)
	}
	return h, sup
}

// request asks /privacy for a link (what: send or delete) for email, and
// returns the answer and the page it leads to.
func (h *actHarness) privacyRequest(what, email string) (response, response) {
	h.t.Helper()
	r := h.post("/privacy/"+what, url.Values{"email": {email}})
	if r.status != http.StatusSeeOther {
		return r, response{}
	}
	return r, get(h.t, h.site, r.header.Get("Location"))
}

// TestPrivacySameAnswer: the two forms answer a known and an unknown
// address with the same redirect and the same page; only the known one
// gets an email, with a link that works for a day.
func TestPrivacySameAnswer(t *testing.T) {
	h, _ := privacyHarness(t)
	page := get(t, h.site, "/privacy")
	if page.status != http.StatusOK {
		t.Fatalf("/privacy: %d", page.status)
	}
	mustContain(t, "/privacy", text(page.body), "Your data", "24 months after your last action or confirmation",
		"7 days", "30 days", "Email me a link to my data", "Email me a link to delete my data", "has not yet given its details")
	for _, what := range []string{"send", "delete"} {
		knownAnswer, knownPage := h.privacyRequest(what, "Ana@Example.org")
		unknownAnswer, unknownPage := h.privacyRequest(what, "nobody@example.org")
		if knownAnswer.status != unknownAnswer.status || knownAnswer.header.Get("Location") != unknownAnswer.header.Get("Location") {
			t.Errorf("%s: known %d %s, unknown %d %s", what, knownAnswer.status, knownAnswer.header.Get("Location"),
				unknownAnswer.status, unknownAnswer.header.Get("Location"))
		}
		if knownPage.body != unknownPage.body || knownPage.status != http.StatusOK {
			t.Errorf("%s: the page after a known address differs from the page after an unknown one", what)
		}
		mustContain(t, what+" answer", text(knownPage.body), "Check your email", "If we hold data for this address", "24 hours")
	}
	h.deliver()
	msgs := h.mp.WaitForMessages(t, 2, 5*time.Second)
	if got := h.mp.Messages(t); len(got) != 2 {
		t.Fatalf("%d emails, want two, both to the known address", len(got))
	}
	for _, m := range msgs {
		if len(m.To) != 1 || m.To[0].Address != "ana@example.org" {
			t.Errorf("email to %+v", m.To)
		}
	}
}

// TestPrivacyBadInput: an address that does not parse is refused beside
// the field, the value kept, nothing sent.
func TestPrivacyBadInput(t *testing.T) {
	h, _ := privacyHarness(t)
	for _, what := range []string{"send", "delete"} {
		r := h.post("/privacy/"+what, url.Values{"email": {"ana at example"}})
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("%s: %d, want 422", what, r.status)
		}
		field := regexp.MustCompile(`(?s)<p class="field invalid">.*?</p>`).FindString(r.body)
		mustContain(t, what+" field", field, `id="`+what+`-email"`, `value="ana at example"`, `aria-invalid="true"`,
			"This does not look like an email address")
	}
	h.deliver()
	if got := h.mp.Messages(t); len(got) != 0 {
		t.Errorf("%d emails sent for a bad address", len(got))
	}
}

// TestPrivacyRateLimits: per address, and per client address.
func TestPrivacyRateLimits(t *testing.T) {
	h, _ := privacyHarness(t)
	limited := 0
	for range 8 {
		if r := h.post("/privacy/send", url.Values{"email": {"someone@example.org"}}); r.status == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited == 0 {
		t.Error("eight requests for one address in a minute: none refused")
	}
	if r := h.post("/privacy/send", url.Values{"email": {"other@example.org"}}); r.status != http.StatusSeeOther {
		t.Errorf("another address: %d, want 303", r.status)
	}
	h.options.FormRate = 3
	site, err := web.New(h.options)
	if err != nil {
		t.Fatal(err)
	}
	h.site = site
	limited = 0
	for i := range 6 {
		if r := h.post("/privacy/delete", url.Values{"email": {string(rune('a'+i)) + "@example.org"}}); r.status == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited == 0 {
		t.Error("six requests from one client with a limit of 3 a minute: none refused")
	}
}

// TestPrivacyLinks: the send link shows the data and offers it as JSON no
// cache keeps; the delete link erases and confirms by email; opening a
// link changes nothing; expired and tampered links are refused.
func TestPrivacyLinks(t *testing.T) {
	h, ana := privacyHarness(t)
	// Ana gave once, through Stripe, with the address she signed with.
	paid := h.now.Add(-time.Hour)
	gift := store.StripeEvent{ID: "evt_ana", Type: "checkout.session.completed", Received: paid,
		Payment: &model.Donation{Ref: "cs_ana", SessionID: "cs_ana", Amount: 2550, Currency: "eur", Lang: "en",
			CaseSlug: "men-expelled-to-el-salvador", Name: "Ana Pérez", Email: "ana@example.org", Paid: paid}}
	if _, err := h.db.ApplyStripeEvent(t.Context(), gift, func(d model.Donation) (model.OutboxMessage, error) {
		return h.options.Composer.DonationReceipt(d, paid)
	}); err != nil {
		t.Fatal(err)
	}
	h.deliver()
	h.mp.WaitForMessages(t, 1, 5*time.Second)
	h.mp.DeleteAll(t)
	h.privacyRequest("send", "ana@example.org")
	h.privacyRequest("delete", "ana@example.org")
	h.deliver()
	var sendLink, deleteLink string
	for _, s := range h.mp.WaitForMessages(t, 2, 5*time.Second) {
		body := h.mp.Message(t, s.ID).Text
		if strings.Contains(body, "/privacy/send/") {
			sendLink = privacyLinkIn(t, body, "/privacy/send/")
			mustContain(t, "send email", body, "works for 24 hours")
		} else {
			deleteLink = privacyLinkIn(t, body, "/privacy/delete/")
		}
	}
	h.mp.DeleteAll(t)

	opened := get(t, h.site, sendLink)
	if opened.status != http.StatusOK || !strings.Contains(text(opened.body), "Show my data") || strings.Contains(opened.body, "ana@example.org") {
		t.Errorf("opening the send link: %d, shows data before the button", opened.status)
	}
	shown := h.post(sendLink, url.Values{})
	mustContain(t, "data page", text(shown.body), "ana@example.org", "Ana Pérez", "Venezuela", "1010",
		"yes — Email me about this action", "Tell the President: no mass deportations", "Please confirm: Tell the President",
		"Your data: your link", "€25.50, once", "cs_ana", "dedicated to men-expelled-to-el-salvador")
	if cc := shown.header.Get("Cache-Control"); !strings.Contains(cc, "no-store") && !strings.Contains(cc, "private") {
		t.Errorf("data page Cache-Control %q", cc)
	}
	dl := h.post(sendLink+"/json", url.Values{})
	if dl.status != http.StatusOK || !strings.Contains(dl.header.Get("Cache-Control"), "no-store") ||
		!strings.Contains(dl.header.Get("Content-Disposition"), "attachment") {
		t.Errorf("download: %d, Cache-Control %q, Content-Disposition %q", dl.status, dl.header.Get("Cache-Control"), dl.header.Get("Content-Disposition"))
	}
	var data struct {
		Email, Name, Country, Language string
		PostalCode                     string `json:"postal_code"`
		Consents                       []struct {
			Text  string
			Given bool
			At    time.Time
		}
		Participations []struct{ Action, URL string }
		Emails         []struct {
			Subject string
			Created time.Time
		}
		Donations []struct {
			Amount    int64 `json:"amount_minor_units"`
			Currency  string
			Reference string
			Name      string
		}
	}
	if err := json.Unmarshal([]byte(dl.body), &data); err != nil {
		t.Fatalf("download is no JSON: %v\n%s", err, dl.body)
	}
	if data.Email != "ana@example.org" || data.Name != "Ana Pérez" || data.PostalCode != "1010" || len(data.Consents) == 0 ||
		data.Consents[0].At.IsZero() || len(data.Participations) != 1 || len(data.Emails) < 2 || data.Emails[0].Subject == "" ||
		len(data.Donations) != 1 || data.Donations[0].Amount != 2550 || data.Donations[0].Currency != "eur" ||
		data.Donations[0].Reference != "cs_ana" || data.Donations[0].Name != "Ana Pérez" {
		t.Errorf("download %+v", data)
	}

	// Tampered and expired links.
	tampered := sendLink[:len(sendLink)-2] + "xx"
	if r := get(t, h.site, tampered); r.status != http.StatusNotFound || !strings.Contains(text(r.body), "This link does not work") {
		t.Errorf("tampered link: %d", r.status)
	}
	if r := get(t, h.site, strings.Replace(deleteLink, "/delete/", "/send/", 1)); r.status != http.StatusNotFound {
		t.Errorf("a delete token on the send page: %d, want 404", r.status)
	}
	now := h.now
	h.now = now.Add(25 * time.Hour)
	for _, link := range []string{sendLink, deleteLink} {
		r := h.post(link, url.Values{})
		if r.status != http.StatusGone || !strings.Contains(text(r.body), "This link has expired") || !strings.Contains(text(r.body), "Ask for a new link") {
			t.Errorf("expired %s: %d\n%s", link, r.status, text(r.body))
		}
	}
	if sup, _ := h.db.SupporterForStaff(t.Context(), ana.ID); !sup.Erased.IsZero() {
		t.Fatal("an expired delete link erased")
	}
	h.now = now

	// Delete: opening changes nothing, the button erases.
	if r := get(t, h.site, deleteLink); r.status != http.StatusOK || !strings.Contains(text(r.body), "Delete my data") {
		t.Errorf("opening the delete link: %d", r.status)
	}
	if sup, _ := h.db.SupporterForStaff(t.Context(), ana.ID); !sup.Erased.IsZero() {
		t.Fatal("opening the delete link erased")
	}
	done := h.post(deleteLink, url.Values{})
	mustContain(t, "deleted page", text(done.body), "Your data is deleted", "public counts do not change")
	sup, _ := h.db.SupporterForStaff(t.Context(), ana.ID)
	if sup.Erased.IsZero() || sup.Email != "" || sup.Name != "" {
		t.Errorf("after delete: %+v", sup)
	}
	h.deliver()
	farewell := h.mp.WaitForMessages(t, 1, 5*time.Second)
	if farewell[0].To[0].Address != "ana@example.org" || farewell[0].Subject != "Your data is deleted" {
		t.Errorf("farewell %+v", farewell[0])
	}
	// The links now find nobody.
	if r := h.post(sendLink, url.Values{}); r.status != http.StatusNotFound {
		t.Errorf("send link after erasure: %d", r.status)
	}
	if r := h.post(deleteLink, url.Values{}); r.status != http.StatusNotFound {
		t.Errorf("delete link pressed again: %d", r.status)
	}
}

// TestPrivacyController: /privacy names who is responsible, as an admin
// set it, in every language.
func TestPrivacyController(t *testing.T) {
	h, _ := privacyHarness(t)
	if page := get(t, h.site, "/privacy"); !strings.Contains(text(page.body), "payment references): as long as the law on accounts requires.") {
		t.Error("/privacy without the controller's word on financial records does not say the law decides")
	}
	for key, v := range map[string]string{model.SettingControllerName: "Vigil Rights Org",
		model.SettingControllerAddress: "1 Rue de la Paix\n75000 Paris", model.SettingControllerContact: "dpo@example.org",
		model.SettingControllerFinance: "ten years, as French law requires."} {
		if err := h.db.SetSetting(t.Context(), key, v); err != nil {
			t.Fatal(err)
		}
	}
	for _, lang := range []string{"", "/es", "/fr", "/ar"} {
		page := get(t, h.site, lang+"/privacy")
		if page.status != http.StatusOK {
			t.Fatalf("%s/privacy: %d", lang, page.status)
		}
		mustContain(t, lang+"/privacy", page.body, "<strong>Vigil Rights Org</strong><br>1 Rue de la Paix<br>75000 Paris<br>dpo@example.org")
		mustContain(t, lang+"/privacy", page.body, "<bdi>ten years, as French law requires.</bdi>")
		if strings.Contains(page.body, "privacy.") {
			t.Errorf("%s/privacy shows a catalogue key", lang)
		}
	}
}
