package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"vigil/internal/demo"
	"vigil/internal/i18n"
	"vigil/internal/model"
	"vigil/internal/testutil"
	"vigil/internal/web"
)

// translatedSite is the demo site with one more case, written in English,
// translated into Spanish and Arabic but not French, with an action whose
// consent request is translated and an update translated only into
// Spanish.
func translatedSite(t *testing.T) http.Handler {
	t.Helper()
	db := testutil.DemoSQLite(t)
	ctx := t.Context()
	now := testutil.Now
	c := &model.Case{
		Slug: "held-in-the-north", Lang: "en", Title: "Two journalists held", Summary: "Held since May.",
		Body: "They were **arrested** at dawn.", Status: model.CaseActive, Published: now.Add(-48 * time.Hour),
		Updated:  now.Add(-48 * time.Hour),
		Timeline: []model.TimelineEvent{{Date: now.Add(-72 * time.Hour), Title: "Arrested", Place: "North"}},
		Demands:  []model.Demand{{Text: "Release them now"}},
		Updates: []model.Update{
			{Number: 1, Title: "Moved to another prison", Body: "They were moved.", Published: now.Add(-24 * time.Hour)},
			{Number: 0, Title: "Urgent action", Body: "Act now.", Published: now.Add(-48 * time.Hour)},
		},
	}
	if err := db.CreateCase(ctx, c); err != nil {
		t.Fatal(err)
	}
	a := &model.Action{Slug: "free-the-journalists", CaseID: c.ID, Lang: "en", Kind: model.ActionPetition,
		Title: "Free the journalists", Summary: "Sign for them.", Goal: 100, Published: now.Add(-48 * time.Hour),
		Delivery: model.DeliverEach, Consents: []model.ConsentRequest{{Key: "updates", Text: "Email me what happens next."}}}
	if err := db.CreateAction(ctx, a); err != nil {
		t.Fatal(err)
	}
	save := func(kind string, id int64, lang string, source map[string]string, texts map[string]string) {
		t.Helper()
		tr := &model.Translation{Lang: lang, Texts: texts, Source: model.Fingerprint(source), Saved: now}
		if err := db.SaveTranslation(ctx, kind, id, tr, 0); err != nil {
			t.Fatal(err)
		}
	}
	save(model.KindCase, c.ID, "es", c.Texts(), map[string]string{"title": "Dos periodistas detenidos",
		"summary": "Detenidos desde mayo.", "body": "Fueron **detenidos** al amanecer.", "timeline.0.title": "Detención",
		"timeline.0.place": "El norte", "demand.0": "Libérenlos ya"})
	save(model.KindCase, c.ID, "ar", c.Texts(), map[string]string{"title": "اعتقال صحفيَّين", "summary": "محتجزان منذ مايو."})
	save(model.KindUpdate, c.Updates[0].ID, "es", c.Updates[0].Texts(), map[string]string{"title": "Trasladados a otra cárcel",
		"body": "Fueron trasladados."})
	save(model.KindAction, a.ID, "es", a.Texts(), map[string]string{"title": "Liberen a los periodistas",
		"consent.updates": "Escríbanme lo que pase después."})
	site, err := web.New(web.Options{Store: db, Keys: db.Keys(), BaseURL: "https://act.example.org",
		Composer: testComposer(t, db, db.Keys(), "https://act.example.org"), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return site
}

func TestTranslatedCase(t *testing.T) {
	site := translatedSite(t)
	const path = "/cases/held-in-the-north"

	// Spanish: the story in Spanish, nothing marked as another language
	// but the update nobody translated.
	r := get(t, site, "/es"+path)
	if r.status != http.StatusOK {
		t.Fatalf("status %d", r.status)
	}
	page := text(r.body)
	mustContain(t, "Spanish page", page, "Dos periodistas detenidos", "Detenidos desde mayo.", "Fueron detenidos al amanecer.",
		"Detención", "El norte", "Libérenlos ya", "Trasladados a otra cárcel", "Liberen a los periodistas")
	mustContain(t, "Spanish page", r.body, `<h1 >Dos periodistas detenidos</h1>`, `<h3 lang="en">Urgent action</h3>`)
	if strings.Contains(page, "aún no está disponible") || strings.Contains(page, "Two journalists held") {
		t.Error("the Spanish page says the case is not in Spanish, or shows the English title")
	}
	// Announced in the languages it exists in, and no other.
	for lang, want := range map[string]bool{"en": true, "es": true, "ar": true, "x-default": true, "fr": false} {
		link := `<link rel="alternate" hreflang="` + lang + `"`
		if strings.Contains(r.body, link) != want {
			t.Errorf("hreflang %s announced: %v, want %v", lang, !want, want)
		}
	}
	// The language switcher still offers French: the interface is there.
	mustContain(t, "switcher", r.body, `<a href="/fr`+path+`" hreflang="fr"`)

	// French: the original, marked, with a note in French.
	r = get(t, site, "/fr"+path)
	page = text(r.body)
	mustContain(t, "French page", page, "Ce cas n’est pas encore disponible en français ; le voici en anglais.",
		"Two journalists held", "Release them now")
	mustContain(t, "French page", r.body, `<h1 lang="en">Two journalists held</h1>`, `<ol class="demands" lang="en">`)

	// Arabic: right to left, the translated title unmarked, the summary
	// translated, the body (not translated) in English and marked so, with
	// its direction.
	r = get(t, site, "/ar"+path)
	mustContain(t, "Arabic page", r.body, `<html lang="ar" dir="rtl">`, `<h1 >اعتقال صحفيَّين</h1>`, "محتجزان منذ مايو.",
		`<h3 lang="en" dir="ltr">Urgent action</h3>`)
}

func TestTranslatedFeedsAndSitemap(t *testing.T) {
	site := translatedSite(t)
	r := get(t, site, "/es/cases/held-in-the-north/updates.atom")
	if r.status != http.StatusOK {
		t.Fatalf("status %d", r.status)
	}
	mustContain(t, "Spanish feed", r.body, `xml:lang="es"`, "<title>Dos periodistas detenidos", "<title>Trasladados a otra cárcel</title>",
		`<entry xml:lang="en">`)
	if strings.Count(r.body, `<entry xml:lang="en">`) != 1 {
		t.Errorf("Spanish feed: want the one untranslated update marked English:\n%s", r.body)
	}
	r = get(t, site, "/fr/cases/held-in-the-north/updates.atom")
	mustContain(t, "French feed", r.body, `xml:lang="fr"`, "<title>Two journalists held", "<title>Moved to another prison</title>")

	r = get(t, site, "/sitemap.xml")
	for lang, want := range map[string]bool{"en": true, "es": true, "ar": true, "fr": false} {
		loc := "<loc>https://act.example.org/" + lang + "/cases/held-in-the-north</loc>"
		if strings.Contains(r.body, loc) != want {
			t.Errorf("sitemap lists the case in %s: %v, want %v", lang, !want, want)
		}
	}
	mustContain(t, "sitemap", r.body, `hreflang="x-default" href="https://act.example.org/cases/held-in-the-north"`)
}

func TestTranslatedActionForm(t *testing.T) {
	site := translatedSite(t)
	r := get(t, site, "/es/actions/free-the-journalists")
	mustContain(t, "Spanish action page", text(r.body), "Liberen a los periodistas", "Escríbanme lo que pase después.")
	r = get(t, site, "/fr/actions/free-the-journalists")
	mustContain(t, "French action page", text(r.body), "Cette action n’est pas encore disponible en français ; la voici en anglais",
		"Email me what happens next.")
}

// TestOfferedLanguages: a site offering English and Spanish only serves
// no French page and announces none, though a French catalogue exists.
func TestOfferedLanguages(t *testing.T) {
	db := testutil.DemoSQLite(t)
	composer := testComposer(t, db, db.Keys(), "https://act.example.org")
	cat, err := i18n.Load("en", "es")
	if err != nil {
		t.Fatal(err)
	}
	composer.Cat = cat
	site, err := web.New(web.Options{Store: db, Keys: db.Keys(), BaseURL: "https://act.example.org", Composer: composer,
		Now: func() time.Time { return testutil.Now }})
	if err != nil {
		t.Fatal(err)
	}
	r := get(t, site, "/es"+caseURL)
	if r.status != http.StatusOK || strings.Contains(r.body, `hreflang="fr"`) || strings.Contains(r.body, `hreflang="ar"`) {
		t.Errorf("Spanish page: status %d, announces French or Arabic: %v", r.status, strings.Contains(r.body, `hreflang="fr"`))
	}
	if r := get(t, site, "/fr"+caseURL); r.status == http.StatusOK || strings.Contains(r.body, `lang="fr"`) {
		t.Errorf("French page of a site without French: status %d", r.status)
	}
	if r := get(t, site, caseURL, "Accept-Language", "fr-FR,fr;q=0.9"); strings.Contains(r.body, `<html lang="fr"`) {
		t.Error("a French browser got a French page from a site without French")
	}
}

// TestDemoCaseInEveryLanguage reads the demo case as a reader of each
// language does: its story, timeline, demands and updates in that
// language, and no note saying it is not.
func TestDemoCaseInEveryLanguage(t *testing.T) {
	site := newSite(t)
	content := demo.Load(testutil.Now)
	original := content.Cases[0]
	texts := map[string]map[string]string{"en": original.Texts()}
	updates := map[string][]string{"en": {original.Updates[0].Title, original.Updates[1].Title}}
	for _, tr := range content.Translations {
		if tr.Slug != demo.CaseSlug {
			continue
		}
		switch tr.Kind {
		case model.KindCase:
			texts[tr.Translation.Lang] = tr.Translation.Texts
		case model.KindUpdate:
			updates[tr.Translation.Lang] = append(updates[tr.Translation.Lang], tr.Translation.Texts["title"])
		}
	}
	for _, lang := range []string{"en", "es", "fr", "ar"} {
		if texts[lang] == nil || len(updates[lang]) != 2 {
			t.Fatalf("the demo case has no %s translation of itself and both its updates", lang)
		}
		for _, k := range []string{"title", "timeline.0.title", "timeline.2.place", "demand.0"} {
			if texts[lang][k] == "" {
				t.Fatalf("the demo case's %s translation has no %s", lang, k)
			}
		}
		r := get(t, site, "/"+lang+caseURL)
		page := text(r.body)
		mustContain(t, lang+" case page", page, text(texts[lang]["title"]), text(texts[lang]["timeline.0.title"]),
			text(texts[lang]["timeline.2.place"]), text(texts[lang]["demand.0"]), text(updates[lang][0]), text(updates[lang][1]))
		if strings.Contains(r.body, `class="notice fallback"`) {
			t.Errorf("the %s case page says the case is not in %s", lang, lang)
		}
	}
}
