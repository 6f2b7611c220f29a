package storetest

import (
	"errors"
	"testing"
	"time"

	"vigil/internal/model"
	"vigil/internal/store"
)

// testTranslations stores a case, an update, an action, an article and a
// picture in Spanish, reads each back with its page, and checks the
// outdated mark and the version check of two translators.
func testTranslations(t *testing.T, s Store) {
	img := &model.Image{Alt: "A prison yard", Hash: "h-tr", Format: "png", Width: 10, Height: 10, Created: day(2025, 3, 1)}
	if err := s.CreateImage(ctx, img, []model.ImageVariant{{Width: 10, ContentType: "image/png", Data: []byte{1}}}); err != nil {
		t.Fatal(err)
	}
	c := &model.Case{
		Slug: "expelled", Lang: "en", Title: "Men expelled", Summary: "S", Body: "B", Image: img,
		Status: model.CaseActive, Published: day(2025, 3, 20), Updated: day(2025, 3, 20),
		Timeline: []model.TimelineEvent{{Date: day(2025, 3, 16), Title: "Flown out", Place: "Texas"}},
		Demands:  []model.Demand{{Text: "Release them"}},
		Updates:  []model.Update{{Number: 0, Title: "Opened", Body: "First", Published: day(2025, 3, 20)}},
	}
	if err := s.CreateCase(ctx, c); err != nil {
		t.Fatal(err)
	}
	a := &model.Action{Slug: "sign", CaseID: c.ID, Lang: "en", Kind: model.ActionPetition, Title: "Sign",
		ClosingText: "Closed", Published: day(2025, 3, 20), Delivery: model.DeliverEach,
		Consents: []model.ConsentRequest{{Key: "updates", Text: "Email me"}}}
	if err := s.CreateAction(ctx, a); err != nil {
		t.Fatal(err)
	}
	n := &model.NewsArticle{Slug: "news", Lang: "en", Title: "News", Summary: "S", Body: "B", Published: day(2025, 3, 21)}
	if err := s.CreateNews(ctx, n); err != nil {
		t.Fatal(err)
	}

	saved := day(2025, 4, 1)
	es := func(texts map[string]string, source map[string]string) *model.Translation {
		return &model.Translation{Lang: "es", Texts: texts, Source: model.Fingerprint(source), Saved: saved}
	}
	caseES := es(map[string]string{"title": "Hombres expulsados", "timeline.0.place": "Texas (EE. UU.)", "demand.0": "Libérenlos"}, c.Texts())
	for _, tr := range []struct {
		kind string
		id   int64
		t    *model.Translation
	}{
		{model.KindCase, c.ID, caseES},
		{model.KindUpdate, c.Updates[0].ID, es(map[string]string{"title": "Apertura"}, c.Updates[0].Texts())},
		{model.KindAction, a.ID, es(map[string]string{"title": "Firma", "consent.updates": "Escríbanme"}, a.Texts())},
		{model.KindNews, n.ID, es(map[string]string{"title": "Noticias"}, n.Texts())},
		{model.KindImage, img.ID, es(map[string]string{"alt": "El patio de una cárcel"}, img.Texts())},
	} {
		if err := s.SaveTranslation(ctx, tr.kind, tr.id, tr.t, 0); err != nil {
			t.Fatalf("%s: %v", tr.kind, err)
		}
		if tr.t.Version != 1 {
			t.Errorf("%s: version %d after the first save, want 1", tr.kind, tr.t.Version)
		}
	}

	got, err := s.CaseBySlug(ctx, "expelled")
	if err != nil {
		t.Fatal(err)
	}
	in := got.In("es")
	if in.Lang != "es" || in.Title != "Hombres expulsados" || in.Summary != "S" ||
		in.Timeline[0].Place != "Texas (EE. UU.)" || in.Timeline[0].Title != "Flown out" || in.Demands[0].Text != "Libérenlos" {
		t.Errorf("case in es: %+v", in)
	}
	if in.Updates[0].Lang != "es" || in.Updates[0].Title != "Apertura" || in.Updates[0].Body != "First" {
		t.Errorf("update in es: %+v", in.Updates[0])
	}
	if len(in.Actions) != 1 || in.Actions[0].Title != "Firma" || in.Actions[0].Consents[0].Text != "Escríbanme" {
		t.Errorf("action in es: %+v", in.Actions)
	}
	if in.Image.Alt != "El patio de una cárcel" || got.Image.Alt != "A prison yard" {
		t.Errorf("picture in es %q, original %q", in.Image.Alt, got.Image.Alt)
	}
	if fr := got.In("fr"); fr.Lang != "en" || fr.Title != "Men expelled" || fr.Updates[0].Lang != "en" {
		t.Errorf("case in fr, untranslated: %+v", fr)
	}
	if st := got.Translations.StateIn(got.Lang, got.Texts(), "es"); st != model.TranslationCurrent {
		t.Errorf("state in es: %s, want current", st)
	}
	if act, err := s.ActionBySlug(ctx, "sign"); err != nil || act.In("es").Title != "Firma" {
		t.Errorf("action by slug in es: %+v, %v", act.In("es"), err)
	}
	if art, err := s.NewsBySlug(ctx, "news"); err != nil || art.In("es").Title != "Noticias" || art.In("es").Lang != "es" {
		t.Errorf("news in es: %+v, %v", art.In("es"), err)
	}

	// The original changes: the translation is outdated until saved again.
	got.Title, got.Updated = "Men expelled to El Salvador", day(2025, 4, 2)
	if err := s.SaveCase(store.WithActor(ctx, editor), &got); err != nil {
		t.Fatal(err)
	}
	got, _ = s.CaseBySlug(ctx, "expelled")
	if st := got.Translations.StateIn(got.Lang, got.Texts(), "es"); st != model.TranslationOutdated {
		t.Errorf("state in es after the original changed: %s, want outdated", st)
	}
	if st := got.Translations.StateIn(got.Lang, got.Texts(), "fr"); st != model.TranslationMissing {
		t.Errorf("state in fr: %s, want missing", st)
	}

	// Two translators start from version 1; the second to save loses
	// nothing silently: a conflict, and the first one's text stays.
	first := &model.Translation{Lang: "es", Texts: map[string]string{"title": "Hombres expulsados a El Salvador"},
		Source: model.Fingerprint(got.Texts()), Saved: saved.Add(time.Hour)}
	second := &model.Translation{Lang: "es", Texts: map[string]string{"title": "Otro título"},
		Source: model.Fingerprint(got.Texts()), Saved: saved.Add(2 * time.Hour)}
	if err := s.SaveTranslation(store.WithActor(ctx, editor), model.KindCase, c.ID, first, 1); err != nil || first.Version != 2 {
		t.Fatalf("first translator: version %d, %v", first.Version, err)
	}
	if err := s.SaveTranslation(ctx, model.KindCase, c.ID, second, 1); !errors.Is(err, model.ErrStale) {
		t.Errorf("second translator from version 1: %v, want ErrStale", err)
	}
	got, _ = s.CaseBySlug(ctx, "expelled")
	if tr := got.Translations["es"]; tr.Texts["title"] != "Hombres expulsados a El Salvador" || tr.Version != 2 ||
		!tr.Saved.Equal(saved.Add(time.Hour)) {
		t.Errorf("stored translation: %+v", tr)
	}
	if st := got.Translations.StateIn(got.Lang, got.Texts(), "es"); st != model.TranslationCurrent {
		t.Errorf("state in es after saving again: %s, want current", st)
	}
	entries, err := s.AuditLog(ctx, store.AuditFilter{Action: "translation.save"})
	if err != nil || len(entries) != 1 || entries[0].ObjectID != c.ID || entries[0].UserEmail != editor.Email {
		t.Errorf("audit of the translator's save: %+v, %v", entries, err)
	}

	// A record in its own language, an unknown record, a new translation
	// claimed to be a later version: refused.
	if err := s.SaveTranslation(ctx, model.KindCase, c.ID, &model.Translation{Lang: "en", Saved: saved}, 0); err == nil {
		t.Error("a translation in the original's own language was stored")
	}
	if err := s.SaveTranslation(ctx, model.KindNews, 9999, &model.Translation{Lang: "es", Saved: saved}, 0); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("unknown record: %v, want ErrNotFound", err)
	}
	if err := s.SaveTranslation(ctx, model.KindNews, n.ID, &model.Translation{Lang: "fr", Saved: saved}, 3); !errors.Is(err, model.ErrStale) {
		t.Errorf("new translation from version 3: %v, want ErrStale", err)
	}
}
