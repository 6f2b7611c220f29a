package notify_test

import (
	"context"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"vigil/internal/delivery"
	"vigil/internal/demo"
	"vigil/internal/i18n"
	"vigil/internal/jobs"
	"vigil/internal/model"
	"vigil/internal/notify"
	"vigil/internal/secret"
	"vigil/internal/store/storetest"
	"vigil/internal/testutil"
	"vigil/internal/web"
)

// mailSite is the public site on a real database with the demo content,
// the jobs, and the outbox worker sending to a real mailpit, on a clock
// the test moves.
type mailSite struct {
	t        *testing.T
	db       siteDB
	site     *web.Server
	composer *notify.Composer
	worker   *delivery.Worker
	runner   *jobs.Runner
	mp       *testutil.MailpitServer
	now      time.Time
}

type siteDB interface {
	storetest.Store
	Keys() *secret.Keys
}

func newMailSite(t *testing.T, db siteDB) *mailSite {
	t.Helper()
	h := &mailSite{t: t, db: db, now: testutil.Now}
	if _, err := demo.Install(context.Background(), db, testutil.Now); err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return h.now }
	var err error
	if h.composer, err = notify.New(db.Keys(), "https://mail.example.org", "Vigil <vigil@example.org>", db); err != nil {
		t.Fatal(err)
	}
	if h.site, err = web.New(web.Options{Store: db, Keys: db.Keys(), BaseURL: "https://mail.example.org", Composer: h.composer,
		Now: clock, FormRate: 1000}); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	h.runner = &jobs.Runner{Store: db, Composer: h.composer, Log: log, Now: clock, Pages: h.site}
	h.mp = testutil.Mailpit(t)
	sender, err := delivery.NewSMTPSender(h.mp.SMTPURL())
	if err != nil {
		t.Fatal(err)
	}
	h.worker = &delivery.Worker{Store: db, Keys: db.Keys(), Sender: sender, Composer: h.composer, Log: log, Now: clock}
	return h
}

func (h *mailSite) do(method, path string, form url.Values) (int, string) {
	h.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.RemoteAddr = "192.0.2.10:4321"
	rec := httptest.NewRecorder()
	h.site.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// act fills in an action's form as a reader of the page in lang finds it
// (the model letter of an appeal included), changes what change says,
// and sends it.
func (h *mailSite) act(lang, slug, name, email, country string, change func(url.Values)) {
	h.t.Helper()
	path := "/" + lang + "/actions/" + slug
	status, page := h.do(http.MethodGet, path, nil)
	if status != http.StatusOK {
		h.t.Fatalf("GET %s: %d", path, status)
	}
	v := url.Values{"name": {name}, "email": {email}, "country": {country}, "lang": {lang}, "consent_updates": {"yes"}}
	if m := subjectField.FindStringSubmatch(page); m != nil {
		v.Set("subject", html.UnescapeString(m[1]))
	}
	if m := letterField.FindStringSubmatch(page); m != nil {
		v.Set("letter", html.UnescapeString(m[1]))
	}
	if change != nil {
		change(v)
	}
	if status, body := h.do(http.MethodPost, path, v); status != http.StatusSeeOther {
		h.t.Fatalf("POST %s: %d\n%s", path, status, body)
	}
}

var (
	subjectField = regexp.MustCompile(`name="subject" type="text" value="([^"]*)"`)
	letterField  = regexp.MustCompile(`(?s)<textarea[^>]* name="letter"[^>]*>(.*?)</textarea>`)
	confirmLink  = regexp.MustCompile(`https://mail\.example\.org(/[a-z]{2}/confirm/[A-Za-z0-9_-]+)`)
)

// mail sends what is queued, waits for n emails in mailpit, and returns
// them by recipient (and by Reply-To, the supporter, for appeals: "to
// reply-to"), emptying mailpit.
func (h *mailSite) mail(n int) map[string]testutil.MailpitMessage {
	h.t.Helper()
	testutil.Deliver(h.t, h.worker)
	got := map[string]testutil.MailpitMessage{}
	for _, s := range h.mp.WaitForMessages(h.t, n, 10*time.Second) {
		m := h.mp.Message(h.t, s.ID)
		m.Text = strings.ReplaceAll(m.Text, "\r\n", "\n") // as sent over SMTP
		key := m.To[0].Address
		if len(m.ReplyTo) > 0 {
			key += " " + m.ReplyTo[0].Address
		}
		got[key] = m
	}
	if len(got) != n {
		h.t.Fatalf("%d emails, want %d", len(got), n)
	}
	h.mp.DeleteAll(h.t)
	return got
}

// confirm presses Confirm in each email, as its reader would.
func (h *mailSite) confirm(emails map[string]testutil.MailpitMessage) {
	h.t.Helper()
	for to, m := range emails {
		link := confirmLink.FindStringSubmatch(m.Text)
		if link == nil {
			h.t.Fatalf("no confirmation link in the email to %s:\n%s", to, m.Text)
		}
		if status, _ := h.do(http.MethodPost, link[1], url.Values{}); status != http.StatusOK {
			h.t.Fatalf("confirm %s: %d", to, status)
		}
	}
}

// TestEmailsInTheSupportersLanguage: supporters reading the site in
// English, Spanish, French and Arabic receive, through a real SMTP server,
// the confirmation, the thanks and the update about the reference case in
// their language where it is translated, and a line in their language
// naming the language of a text that is not; an official reading Spanish
// receives the Spanish model letter from a supporter who left it as it
// was, and a supporter's own words as they wrote them. On both databases.
func TestEmailsInTheSupportersLanguage(t *testing.T) {
	for _, db := range []struct {
		name string
		open func(t *testing.T) siteDB
	}{
		{"SQLite", func(t *testing.T) siteDB { return testutil.SQLite(t) }},
		{"PostgreSQL", func(t *testing.T) siteDB { return testutil.PostgresStore(t) }},
	} {
		t.Run(db.name, func(t *testing.T) { testEmailsInLanguages(t, newMailSite(t, db.open(t))) })
	}
}

var languages = []string{"en", "es", "fr", "ar"}

// Subjects as each catalogue begins them.
var (
	confirmSubject = map[string]string{"en": "Please confirm: ", "es": "Por favor, confirma: ", "fr": "Merci de confirmer\u00a0: ", "ar": "يُرجى التأكيد: "}
	updateSubject  = map[string]string{"en": "What happened next: ", "es": "Qué pasó después: ", "fr": "La suite\u00a0: ", "ar": "ما حدث بعد ذلك: "}
)

func testEmailsInLanguages(t *testing.T, h *mailSite) {
	ctx := context.Background()
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	appeal, err := h.db.ActionBySlug(ctx, demo.CaseAppealSlug)
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range languages[1:] {
		if appeal.In(lang).Lang != lang {
			t.Fatalf("the demo's appeal is not in %s", lang)
		}
	}
	// The demo's appeal closed with its case: an editor reopens it, and
	// the supporters act a month before its deadline.
	if err := h.db.CloseAction(ctx, appeal.ID, appeal.Version, false, h.now); err != nil {
		t.Fatal(err)
	}
	h.site.ContentChanged()
	h.now = appeal.Deadline.Add(-30 * 24 * time.Hour)

	// Confirmation: the action named in the supporter's language, in the
	// subject and the text; no note, since it is translated.
	for _, lang := range languages {
		h.act(lang, demo.CaseAppealSlug, "Supporter "+lang, lang+"@example.org", "VE", nil)
	}
	emails := h.mail(len(languages))
	for _, lang := range languages {
		m, title := emails[lang+"@example.org"], appeal.In(lang).Title
		if m.Subject != confirmSubject[lang]+title {
			t.Errorf("%s confirmation: subject %q, want %q", lang, m.Subject, confirmSubject[lang]+title)
		}
		loc := cat.Localizer(lang)
		if !strings.Contains(m.Text, loc.T("email.confirm.intro.appeal", "Title", title)) ||
			!strings.Contains(m.Text, "https://mail.example.org/"+lang+"/confirm/") {
			t.Errorf("%s confirmation does not name %q in %s:\n%s", lang, title, lang, m.Text)
		}
		if lang != "en" && strings.Contains(m.Subject+m.Text, appeal.Title) {
			t.Errorf("%s confirmation names the action in English:\n%s", lang, m.Text)
		}
		if strings.Contains(m.Text, "\u2068") {
			t.Errorf("%s confirmation isolates a title in its own language:\n%s", lang, m.Text)
		}
	}
	h.confirm(emails)

	// A record in English and Spanish only: French and Arabic readers are
	// told, in their language, that it follows in English; the English
	// title in an Arabic sentence is isolated to read whole. Signing it
	// twice, confirmed, they are thanked again, told the same.
	h.now = testutil.Now
	petition, err := h.db.ActionBySlug(ctx, demo.DeportationsSlug)
	if err != nil {
		t.Fatal(err)
	}
	if petition.In("es").Lang != "es" || petition.In("fr").Lang != "en" || petition.In("ar").Lang != "en" {
		t.Fatalf("the demo's petition is in %v", petition.Translations.Languages(petition.Lang))
	}
	note := map[string]string{
		"fr": "Cette action n’est pas encore disponible en français\u00a0; la voici en anglais.",
		"ar": "هذا التحرّك غير متاح بعد باللغة العربية؛ إليكم نصّه باللغة الإنجليزية.",
	}
	checkPetition := func(what string, emails map[string]testutil.MailpitMessage, subject map[string]string) {
		t.Helper()
		for _, lang := range languages {
			m, shown := emails[lang+"@example.org"], petition.In(lang)
			title := shown.Title
			if lang == "ar" {
				title = "\u2068" + title + "\u2069"
			}
			if want := subject[lang] + title; m.Subject != want {
				t.Errorf("%s in %s: subject %q, want %q", what, lang, m.Subject, want)
			}
			hasNote := note[lang] != "" && strings.Contains(m.Text, "\n\n"+note[lang]+"\n\n")
			if hasNote != (shown.Lang != lang) {
				t.Errorf("%s in %s: the note on the language is there: %v, want %v\n%q", what, lang, hasNote, shown.Lang != lang, m.Text)
			}
			if !strings.Contains(m.Text, title) {
				t.Errorf("%s in %s does not name %q:\n%s", what, lang, title, m.Text)
			}
		}
	}
	for _, lang := range languages {
		h.act(lang, demo.DeportationsSlug, "Supporter "+lang, lang+"@example.org", "VE", nil)
	}
	emails = h.mail(len(languages))
	checkPetition("petition confirmation", emails, confirmSubject)
	h.confirm(emails)
	for _, lang := range languages {
		h.act(lang, demo.DeportationsSlug, "Supporter "+lang, lang+"@example.org", "VE", nil)
	}
	checkPetition("thanks", h.mail(len(languages)), map[string]string{
		"en": "Thank you: ", "es": "Gracias: ", "fr": "Merci\u00a0: ", "ar": "شكرًا لكم: "})

	// The final update, told to everyone who acted on the case as the
	// admin tells it: each in their language.
	cs, err := h.db.CaseBySlug(ctx, demo.CaseSlug)
	if err != nil {
		t.Fatal(err)
	}
	u, err := h.db.UpdateByID(ctx, cs.Updates[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if !u.Final {
		t.Fatalf("the demo case's newest update is %q, not the final one", u.Title)
	}
	if _, err := h.db.QueueUpdateMessages(ctx, cs.ID, u.ID, h.now, func(sup model.Supporter) (model.OutboxMessage, error) {
		return h.composer.Update(cs, u, sup, h.now)
	}); err != nil {
		t.Fatal(err)
	}
	emails = h.mail(len(languages))
	for _, lang := range languages {
		m, shownCase, shownUpdate := emails[lang+"@example.org"], cs.In(lang), u.In(lang)
		if shownCase.Lang != lang || shownUpdate.Lang != lang {
			t.Fatalf("the demo case or its final update is not in %s", lang)
		}
		if want := updateSubject[lang] + shownCase.Title; m.Subject != want {
			t.Errorf("update in %s: subject %q, want %q", lang, m.Subject, want)
		}
		firstLine, _, _ := strings.Cut(strings.TrimSpace(shownUpdate.Body), "\n")
		if !strings.Contains(m.Text, shownUpdate.Title+"\n\n") || !strings.Contains(m.Text, firstLine) ||
			!strings.Contains(m.Text, cat.Localizer(lang).T("email.update.final")) {
			t.Errorf("update in %s lacks its title, text or closing line:\n%s", lang, m.Text)
		}
		if lang != "en" && (strings.Contains(m.Text, u.Title) || strings.Contains(m.Text, cs.Title)) {
			t.Errorf("update in %s says something in English:\n%s", lang, m.Text)
		}
	}

	testAppealToSpanishOfficial(t, h)
}

// testAppealToSpanishOfficial: an appeal written in English with its
// letter in Spanish, to an English-speaking and a Spanish-speaking
// official. The model letter sent unchanged reaches each in their
// language; a letter the supporter changed reaches both as written.
func testAppealToSpanishOfficial(t *testing.T, h *mailSite) {
	ctx := context.Background()
	a := &model.Action{Slug: "write-to-the-ministers", Lang: "en", Kind: model.ActionAppeal, Title: "Write to the ministers",
		Published: h.now.Add(-time.Hour), Deadline: h.now.Add(30 * 24 * time.Hour), Delivery: model.DeliverEach,
		SendFromHour: 0, SendToHour: 24, TimeZone: "UTC",
		Subject: "The men returned to Venezuela", Letter: "{{salutation}}\n\nI ask you to protect the men returned to Venezuela.\n\nYours sincerely,",
		Letters: map[string]model.Letter{"es": {Subject: "Los hombres devueltos a Venezuela",
			Text: "{{salutation}}\n\nLe pido que proteja a los hombres devueltos a Venezuela.\n\nAtentamente,"}},
		Targets: []model.Target{
			{Name: "Minister Doe", Email: "minister@example.org", Salutation: "Dear Minister Doe,", Lang: "en"},
			{Name: "Ministra Pérez", Email: "ministra@example.org", Salutation: "Estimada Ministra Pérez:", Lang: "es"},
		}}
	if err := h.db.CreateAction(ctx, a); err != nil {
		t.Fatal(err)
	}
	h.site.ContentChanged()
	h.act("en", a.Slug, "Dana", "dana@example.org", "DE", nil)
	h.act("en", a.Slug, "Eva", "eva@example.org", "DE", func(v url.Values) {
		v.Set("letter", v.Get("letter")+"\n\nMy neighbour is one of them.")
	})
	h.confirm(h.mail(2))
	h.runner.Once(ctx)
	emails := h.mail(4)

	for _, tc := range []struct {
		key, subject string
		want         []string
	}{
		{"ministra@example.org dana@example.org", "Los hombres devueltos a Venezuela",
			[]string{"Estimada Ministra Pérez:\n\nLe pido que proteja a los hombres devueltos a Venezuela.\n\nAtentamente,\n\nDana\nAlemania\n"}},
		{"minister@example.org dana@example.org", "The men returned to Venezuela",
			[]string{"Dear Minister Doe,\n\nI ask you to protect the men returned to Venezuela.\n\nYours sincerely,\n\nDana\nGermany\n"}},
		{"ministra@example.org eva@example.org", "The men returned to Venezuela",
			[]string{"Estimada Ministra Pérez:\n\nI ask you to protect the men returned to Venezuela.\n\nYours sincerely,\n\nMy neighbour is one of them.\n\nEva\nAlemania\n"}},
		{"minister@example.org eva@example.org", "The men returned to Venezuela",
			[]string{"Dear Minister Doe,\n\nI ask you to protect the men returned to Venezuela.\n\nYours sincerely,\n\nMy neighbour is one of them.\n\nEva\nGermany\n"}},
	} {
		m, ok := emails[tc.key]
		if !ok {
			t.Errorf("no appeal %s; got %d emails", tc.key, len(emails))
			continue
		}
		if m.Subject != tc.subject {
			t.Errorf("appeal %s: subject %q, want %q", tc.key, m.Subject, tc.subject)
		}
		for _, want := range tc.want {
			if !strings.Contains(m.Text, want) {
				t.Errorf("appeal %s lacks %q:\n%s", tc.key, want, m.Text)
			}
		}
	}
}
