package admin

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"vigil/internal/demo"
	"vigil/internal/model"
	"vigil/internal/store"
)

// demoRecords finds the demo records the translation tests use: the
// reference case, its opening update (whose French translation is
// outdated on purpose) and a news article nobody translated into French.
func demoRecords(t *testing.T, h *harness) (model.Case, model.Update, model.NewsArticle) {
	t.Helper()
	cases, err := h.db.AllCases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var c model.Case
	for _, listed := range cases {
		if listed.Slug == demo.CaseSlug {
			if c, err = h.db.CaseByID(ctx, listed.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	var opening model.Update
	for _, u := range c.Updates {
		if u.Number == 0 {
			opening = u
		}
	}
	news, err := h.db.AllNews(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var vigil model.NewsArticle
	for _, n := range news {
		if n.Slug == demo.NewsVigilSlug {
			vigil = n
		}
	}
	if c.ID == 0 || opening.ID == 0 || vigil.ID == 0 {
		t.Fatalf("demo records not found: case %d, update %d, news %d", c.ID, opening.ID, vigil.ID)
	}
	if _, ok := vigil.Translations["fr"]; ok {
		t.Fatal("the demo has the vigil article in French: the test needs one that is missing")
	}
	return c, opening, vigil
}

// translationForm reads the form of a translation page: its version,
// the original's fingerprint it carries, and the translation's fields.
func readTranslationForm(t *testing.T, page string) url.Values {
	t.Helper()
	return url.Values{
		"version": {regexpFind(t, page, `name="version" value="(\d+)"`)},
		"source":  {regexpFind(t, page, `name="source" value="([0-9a-f]+)"`)},
	}
}

// TestTranslatorsWorkflow: the list shows what needs translating in a
// language; a translator saves a French translation side by side with
// the original and the public /fr/ page shows it at once.
func TestTranslatorsWorkflow(t *testing.T) {
	onBoth(t, func(t *testing.T, h *harness) {
		c, opening, vigil := demoRecords(t, h)
		h.addUser("editor@example.org", model.RoleEditor)
		b := h.browser()
		b.login("editor@example.org")

		// The list: the outdated French update, the missing French article.
		todo := b.get("/admin/translations?lang=fr")
		if todo.status != http.StatusOK {
			t.Fatalf("list: %d\n%s", todo.status, todo.body)
		}
		updatePath := fmt.Sprintf("/admin/translations/update/%d/fr", opening.ID)
		newsPath := fmt.Sprintf("/admin/translations/news/%d/fr", vigil.ID)
		for _, want := range []string{html.EscapeString(opening.Title), updatePath, ">outdated<",
			html.EscapeString(vigil.Title), newsPath, ">missing<", `href="/admin/translations"`} {
			if !strings.Contains(todo.body, want) {
				t.Errorf("the list of French translations to do lacks %q", want)
			}
		}
		if strings.Contains(todo.body, fmt.Sprintf(`"/admin/translations/case/%d/fr"`, c.ID)) {
			t.Error("the case, translated into French and up to date, is in the list of work to do")
		}
		outdated := b.get("/admin/translations?lang=fr&state=outdated")
		if !strings.Contains(outdated.body, updatePath) || strings.Contains(outdated.body, newsPath) {
			t.Errorf("outdated only: update listed %v, article listed %v", strings.Contains(outdated.body, updatePath),
				strings.Contains(outdated.body, newsPath))
		}
		missing := b.get("/admin/translations?lang=fr&state=missing")
		if strings.Contains(missing.body, updatePath) || !strings.Contains(missing.body, newsPath) {
			t.Error("missing only: wrong records listed")
		}
		all := b.get("/admin/translations?lang=fr&state=all")
		if !strings.Contains(all.body, fmt.Sprintf("/admin/translations/case/%d/fr", c.ID)) || !strings.Contains(all.body, "/admin/translations/image/") {
			t.Error("everything: the case or a picture's description is not listed")
		}
		if a := b.get("/admin/translations?lang=xx"); a.status != http.StatusBadRequest || !strings.Contains(a.body, "does not offer") {
			t.Errorf("a list in an unknown language: %d", a.status)
		}

		// The case's own page shows its translations, update by update.
		page := b.get(fmt.Sprintf("/admin/cases/%d", c.ID))
		if !strings.Contains(page.body, `id="translations-title"`) || !strings.Contains(page.body, updatePath) ||
			!strings.Contains(page.body, `lang="ar" dir="rtl"`) {
			t.Errorf("the case page lacks its translations section:\n%s", page.body)
		}
		for _, path := range []string{fmt.Sprintf("/admin/news/%d", vigil.ID), fmt.Sprintf("/admin/actions/%d", c.Actions[0].ID)} {
			if a := b.get(path); !strings.Contains(a.body, `id="translations-title"`) || !strings.Contains(a.body, "/fr\"") {
				t.Errorf("%s lacks its translations section", path)
			}
		}

		// The side-by-side page: the original marked English, the fields French;
		// Arabic right to left.
		edit := b.get(newsPath)
		if edit.status != http.StatusOK || !strings.Contains(edit.body, `class="original" lang="en" dir="ltr"`) ||
			!strings.Contains(edit.body, `name="tr.title" lang="fr" dir="ltr"`) || !strings.Contains(edit.body, html.EscapeString(vigil.Title)) {
			t.Fatalf("translation page: %d\n%s", edit.status, edit.body)
		}
		if a := b.get(fmt.Sprintf("/admin/translations/news/%d/ar", vigil.ID)); !strings.Contains(a.body, `name="tr.title" lang="ar" dir="rtl"`) {
			t.Error("the Arabic fields are not right to left")
		}

		// The public page in French shows the original until a translation exists.
		public := "/fr/news/" + vigil.Slug
		if a := b.get(public); a.status != http.StatusOK || !strings.Contains(a.body, html.EscapeString(vigil.Title)) {
			t.Fatalf("public French page before: %d", a.status)
		}

		// An empty translation, or a field too long: refused, what was typed kept.
		form := readTranslationForm(t, edit.body)
		if a := b.post(newsPath, newsPath, form); a.status != http.StatusBadRequest || !strings.Contains(a.body, "Write at least one field") {
			t.Errorf("an empty translation: %d", a.status)
		}
		form.Set("tr.title", strings.Repeat("long ", 41))
		form.Set("tr.summary", "Un résumé gardé tel quel.")
		if a := b.post(newsPath, newsPath, form); a.status != http.StatusBadRequest || !strings.Contains(a.body, "At most 200 characters") ||
			!strings.Contains(a.body, "Un résumé gardé tel quel.") || !strings.Contains(a.body, `aria-describedby="tr.title-error"`) {
			t.Errorf("a title too long: %d\n%s", a.status, a.body)
		}
		if n, _ := h.db.NewsByID(ctx, vigil.ID); n.Translations["fr"].Version != 0 {
			t.Fatalf("a refused form stored a translation: %v", n.Translations["fr"])
		}

		// Saved, with the body left empty: it falls back to the original.
		form.Set("tr.title", "Un mois après : une veillée pour les hommes du CECOT")
		form.Set("tr.summary", "")
		a := b.post(newsPath, newsPath, form)
		if a.status != http.StatusSeeOther || !strings.HasPrefix(a.location, newsPath) {
			t.Fatalf("save: %d %s\n%s", a.status, a.location, a.body)
		}
		if a := b.get(a.location); !strings.Contains(a.body, "Saved: the site&#39;s /fr/ pages show") || !strings.Contains(a.body, ">up to date<") {
			t.Errorf("after saving:\n%s", a.body)
		}
		n, _ := h.db.NewsByID(ctx, vigil.ID)
		if tr := n.Translations["fr"]; tr.Version != 1 || tr.Source != model.Fingerprint(vigil.Texts()) || !tr.Saved.Equal(h.clock) ||
			tr.Texts["title"] == "" || tr.Texts["body"] != "" {
			t.Errorf("stored: %+v", tr)
		}
		if a := b.get(public); !strings.Contains(a.body, "Un mois après : une veillée pour les hommes du CECOT") {
			t.Errorf("the public French page does not show the translation at once:\n%s", a.body)
		}
		if a := b.get("/news/" + vigil.Slug); strings.Contains(a.body, "Un mois après") {
			t.Error("the English page shows the French title")
		}
		entries, err := h.db.AuditLog(ctx, store.AuditFilter{Action: "translation.save", ObjectType: model.KindNews, ObjectID: vigil.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || entries[0].UserEmail != "editor@example.org" {
			t.Error("no audit entry names the translator")
		}

		// The outdated update: brought up to date, the state says so.
		up := b.get(updatePath)
		if !strings.Contains(up.body, ">outdated<") || !strings.Contains(up.body, "Des Vénézuéliens détenus au Salvador") {
			t.Fatalf("the outdated update's page:\n%s", up.body)
		}
		form = readTranslationForm(t, up.body)
		form.Set("tr.title", "Action urgente : des Vénézuéliens détenus au Salvador")
		form.Set("tr.body", opening.Translations["fr"].Texts["body"])
		if a := b.post(updatePath, updatePath, form); a.status != http.StatusSeeOther {
			t.Fatalf("update the outdated translation: %d\n%s", a.status, a.body)
		}
		if a := b.get("/fr/cases/" + c.Slug); !strings.Contains(a.body, "Action urgente : des Vénézuéliens détenus au Salvador") {
			t.Error("the French case page does not show the updated translation")
		}
		if a := b.get("/admin/translations?lang=fr&state=outdated"); strings.Contains(a.body, updatePath) {
			t.Error("the update is still listed as outdated")
		}
	})
}

// TestTwoTranslators: two translators start from the same version; the
// second to save meets the first's work, keeps their own text in the
// form, and nothing is overwritten until they save again knowingly.
func TestTwoTranslators(t *testing.T) {
	onBoth(t, func(t *testing.T, h *harness) {
		c, _, _ := demoRecords(t, h)
		h.addUser("ana@example.org", model.RoleEditor)
		h.addUser("brahim@example.org", model.RoleEditor)
		ana, brahim := h.browser(), h.browser()
		ana.login("ana@example.org")
		brahim.login("brahim@example.org")
		path := fmt.Sprintf("/admin/translations/case/%d/es", c.ID)
		anaForm := readTranslationForm(t, ana.get(path).body)
		brahimForm := readTranslationForm(t, brahim.get(path).body)
		if anaForm.Get("version") != brahimForm.Get("version") || anaForm.Get("version") == "0" {
			t.Fatalf("versions: %v, %v", anaForm, brahimForm)
		}
		anaForm.Set("tr.title", "Hombres venezolanos expulsados de EE. UU. a El Salvador (Ana)")
		if a := ana.post(path, path, anaForm); a.status != http.StatusSeeOther {
			t.Fatalf("Ana saves: %d\n%s", a.status, a.body)
		}
		brahimForm.Set("tr.title", "Venezolanos expulsados de Estados Unidos a El Salvador (Brahim)")
		a := brahim.post(path, path, brahimForm)
		if a.status != http.StatusConflict || !strings.Contains(a.body, "Someone else saved") ||
			!strings.Contains(a.body, "(Ana)") || !strings.Contains(a.body, `value="Venezolanos expulsados de Estados Unidos a El Salvador (Brahim)"`) {
			t.Fatalf("Brahim's save: %d\n%s", a.status, a.body)
		}
		stored, _ := h.db.CaseByID(ctx, c.ID)
		if got := stored.Translations["es"].Texts["title"]; !strings.HasSuffix(got, "(Ana)") {
			t.Fatalf("Ana's translation was overwritten: %q", got)
		}
		// Saving again from the conflict page (at the newer version) replaces Ana's knowingly.
		again := readTranslationForm(t, a.body)
		again.Set("tr.title", "Venezolanos expulsados de Estados Unidos a El Salvador (Brahim)")
		if again.Get("version") == brahimForm.Get("version") {
			t.Fatal("the conflict page kept the old version")
		}
		if a := brahim.post(path, path, again); a.status != http.StatusSeeOther {
			t.Fatalf("Brahim saves again: %d\n%s", a.status, a.body)
		}
		stored, _ = h.db.CaseByID(ctx, c.ID)
		if got := stored.Translations["es"]; !strings.HasSuffix(got.Texts["title"], "(Brahim)") || got.Version != c.Translations["es"].Version+2 {
			t.Errorf("after saving again: %+v", got)
		}
	})
}

// TestTranslationOfAChangingOriginal: a translation made from an original
// that changed while the translator worked is saved, marked outdated.
func TestTranslationOfAChangingOriginal(t *testing.T) {
	h := newHarness(t)
	c, _, _ := demoRecords(t, h)
	h.addUser("editor@example.org", model.RoleEditor)
	b := h.browser()
	b.login("editor@example.org")
	path := fmt.Sprintf("/admin/translations/case/%d/fr", c.ID)
	form := readTranslationForm(t, b.get(path).body)
	form.Set("tr.title", "Des Vénézuéliens expulsés des États-Unis vers le Salvador")

	// Meanwhile an editor changes the original.
	c.Title = "Venezuelan men expelled from the United States to El Salvador"
	c.Updated = h.clock
	if err := h.db.SaveCase(ctx, &c); err != nil {
		t.Fatal(err)
	}
	a := b.post(path, path, form)
	if a.status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", a.status, a.body)
	}
	if a := b.get(a.location); !strings.Contains(a.body, "marked outdated") || !strings.Contains(a.body, ">outdated<") {
		t.Errorf("after saving a translation of a changed original:\n%s", a.body)
	}
	stored, _ := h.db.CaseByID(ctx, c.ID)
	if st := stored.Translations.StateIn(stored.Lang, stored.Texts(), "fr"); st != model.TranslationOutdated {
		t.Errorf("state: %s", st)
	}
}

// TestTranslationRefused: the original's own language, a language the
// site does not offer, and a reader without the right to write are
// refused, and nothing is stored.
func TestTranslationRefused(t *testing.T) {
	h := newHarness(t)
	c, _, _ := demoRecords(t, h)
	h.addUser("editor@example.org", model.RoleEditor)
	h.addUser("viewer@example.org", model.RoleViewer)
	editor, viewer := h.browser(), h.browser()
	editor.login("editor@example.org")
	viewer.login("viewer@example.org")
	page := fmt.Sprintf("/admin/translations/case/%d/fr", c.ID)
	form := readTranslationForm(t, editor.get(page).body)
	form.Set("tr.title", "Un titre")

	for lang, want := range map[string]string{"en": "is written in English (en): its text is the original", "xx": "does not offer the language &#34;xx&#34;"} {
		path := fmt.Sprintf("/admin/translations/case/%d/%s", c.ID, lang)
		if a := editor.post(page, path, form); a.status != http.StatusBadRequest || !strings.Contains(a.body, want) {
			t.Errorf("saving in %s: %d\n%s", lang, a.status, a.body)
		}
		if a := editor.get(path); a.status != http.StatusNotFound || !strings.Contains(a.body, want) {
			t.Errorf("opening %s: %d", lang, a.status)
		}
	}
	incomplete := url.Values{"version": form["version"], "tr.title": {"Un titre"}}
	if a := editor.post(page, page, incomplete); a.status != http.StatusBadRequest || !strings.Contains(a.body, "This form is incomplete") {
		t.Errorf("a form without the original's fingerprint: %d", a.status)
	}
	if a := editor.get(fmt.Sprintf("/admin/translations/target/%d/fr", c.ID)); a.status != http.StatusNotFound {
		t.Errorf("a kind that has no translations: %d", a.status)
	}

	// A viewer reads the page, without a form to save, and cannot save.
	a := viewer.get(page)
	if a.status != http.StatusOK || strings.Contains(a.body, "Save the translation") || !strings.Contains(a.body, "readonly") {
		t.Errorf("the viewer's page: %d", a.status)
	}
	if a := viewer.post(page, page, form); a.status != http.StatusForbidden {
		t.Errorf("a viewer saves: %d", a.status)
	}
	stored, _ := h.db.CaseByID(ctx, c.ID)
	if got := stored.Translations["fr"]; got.Version != c.Translations["fr"].Version || got.Texts["title"] == "Un titre" {
		t.Errorf("a refused save changed the translation: %+v", got)
	}
	if _, ok := stored.Translations["xx"]; ok {
		t.Error("a translation into an unknown language was stored")
	}
}

// TestTranslatingADraft: a draft is translated before it is published,
// previewed in the translation's language by staff, and published
// whether or not every translation exists.
func TestTranslatingADraft(t *testing.T) {
	h := newHarness(t)
	_, _, vigil := demoRecords(t, h)
	if err := h.db.SetPublished(ctx, model.KindNews, vigil.ID, vigil.Version, time.Time{}); err != nil {
		t.Fatal(err)
	}
	h.addUser("editor@example.org", model.RoleEditor)
	b := h.browser()
	b.login("editor@example.org")
	path := fmt.Sprintf("/admin/translations/news/%d/fr", vigil.ID)
	page := b.get(path)
	preview := fmt.Sprintf("/admin/news/%d/preview?lang=fr", vigil.ID)
	if !strings.Contains(page.body, "Not on the public site yet") || !strings.Contains(page.body, html.EscapeString(preview)) {
		t.Fatalf("the draft's translation page:\n%s", page.body)
	}
	form := readTranslationForm(t, page.body)
	form.Set("tr.title", "Un mois après : une veillée")
	if a := b.post(path, path, form); a.status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", a.status, a.body)
	}
	if a := b.get("/fr/news/" + vigil.Slug); a.status != http.StatusNotFound {
		t.Errorf("a translated draft is public: %d", a.status)
	}
	// The preview shows French whatever the staff's browser prefers.
	a := b.do("GET", preview, nil, "Accept-Language", "es")
	if a.status != http.StatusOK || !strings.Contains(a.body, "Un mois après : une veillée") {
		t.Errorf("the French preview of the draft: %d", a.status)
	}
	if a := b.get(fmt.Sprintf("/admin/news/%d/preview", vigil.ID)); !strings.Contains(a.body, html.EscapeString(vigil.Title)) {
		t.Error("the preview without a language is not the original")
	}
	// Published with French done and Arabic missing.
	n, _ := h.db.NewsByID(ctx, vigil.ID)
	edit := fmt.Sprintf("/admin/news/%d", vigil.ID)
	if a := b.post(edit, edit+"/publish", url.Values{"do": {"publish"}, "version": {fmt.Sprint(n.Version)}}); a.status != http.StatusSeeOther {
		t.Fatalf("publish: %d", a.status)
	}
	if a := b.get("/fr/news/" + vigil.Slug); !strings.Contains(a.body, "Un mois après : une veillée") {
		t.Error("the published article is not in French on /fr/")
	}
	if a := b.get("/ar/news/" + vigil.Slug); a.status != http.StatusOK || !strings.Contains(a.body, html.EscapeString(vigil.Title)) {
		t.Errorf("the Arabic page of an article not translated into Arabic: %d", a.status)
	}
}
