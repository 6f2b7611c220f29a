package demo_test

import (
	"context"
	"errors"
	"maps"
	"testing"

	"vigil/internal/demo"
	"vigil/internal/model"
	"vigil/internal/store"
	"vigil/internal/testutil"
)

// readBack is, for each translation of the demo, the record it translates
// as the store returns it: its texts, its language and its translations.
type readBack struct {
	texts        map[string]string
	translations model.Translations
}

func readTranslated(t *testing.T, st store.Store, content demo.Content) []readBack {
	t.Helper()
	ctx := context.Background()
	out := make([]readBack, len(content.Translations))
	for i, tr := range content.Translations {
		var r readBack
		switch tr.Kind {
		case model.KindCase, model.KindUpdate:
			c, err := st.CaseBySlug(ctx, tr.Slug)
			if err != nil {
				t.Fatal(err)
			}
			r = readBack{c.Texts(), c.Translations}
			if tr.Kind == model.KindUpdate {
				r = readBack{}
				for _, u := range c.Updates {
					if u.Number == tr.Update {
						r = readBack{u.Texts(), u.Translations}
					}
				}
			}
		case model.KindAction:
			a, err := st.ActionBySlug(ctx, tr.Slug)
			if err != nil {
				t.Fatal(err)
			}
			r = readBack{a.Texts(), a.Translations}
		case model.KindNews:
			n, err := st.NewsBySlug(ctx, tr.Slug)
			if err != nil {
				t.Fatal(err)
			}
			r = readBack{n.Texts(), n.Translations}
		case model.KindImage:
			// Every record that shows the scene shows the same picture.
			for slug, scene := range content.Scenes {
				if scene != tr.Scene {
					continue
				}
				var img *model.Image
				if c, err := st.CaseBySlug(ctx, slug); err == nil {
					img = c.Image
				} else if a, err := st.ActionBySlug(ctx, slug); err == nil {
					img = a.Image
				} else if n, err := st.NewsBySlug(ctx, slug); err == nil {
					img = n.Image
				}
				if img == nil {
					t.Fatalf("%s has no picture", slug)
				}
				r = readBack{img.Texts(), img.Translations}
				break
			}
		}
		if r.texts == nil {
			t.Fatalf("no record for the %s translation of %s %q%s", tr.Translation.Lang, tr.Kind, tr.Slug, tr.Scene)
		}
		out[i] = r
	}
	return out
}

// checkTranslated checks that every demo translation reads back as it was
// written, once, and that exactly the one made from an earlier wording is
// outdated.
func checkTranslated(t *testing.T, st store.Store, content demo.Content) {
	t.Helper()
	outdated := 0
	for i, r := range readTranslated(t, st, content) {
		tr := content.Translations[i]
		lang := tr.Translation.Lang
		name := tr.Kind + " " + tr.Slug + tr.Scene + " in " + lang
		got, ok := r.translations[lang]
		if !ok {
			t.Errorf("%s: not stored (has %v)", name, r.translations.Languages("en"))
			continue
		}
		if !maps.Equal(got.Texts, tr.Translation.Texts) || got.Source != tr.Translation.Source {
			t.Errorf("%s: stored %+v, want %+v", name, got, tr.Translation)
		}
		if got.Version != 1 || !got.Saved.Equal(testutil.Now) {
			t.Errorf("%s: version %d saved %v, want version 1 saved %v", name, got.Version, got.Saved, testutil.Now)
		}
		want := model.TranslationCurrent
		if tr.Earlier != nil {
			want = model.TranslationOutdated
			outdated++
		}
		if state := r.translations.StateIn("en", r.texts, lang); state != want {
			t.Errorf("%s: %s, want %s", name, state, want)
		}
	}
	if outdated != 1 {
		t.Errorf("%d outdated translations, want 1", outdated)
	}
}

// stores opens an empty store of each kind.
var stores = []struct {
	name string
	open func(testing.TB) store.Store
}{
	{"sqlite", func(t testing.TB) store.Store { return testutil.SQLite(t) }},
	{"postgres", func(t testing.TB) store.Store { return testutil.PostgresStore(t) }},
}

func TestInstallStoresTranslations(t *testing.T) {
	for _, s := range stores {
		t.Run(s.name, func(t *testing.T) { testInstallStoresTranslations(t, s.open(t)) })
	}
}

func testInstallStoresTranslations(t *testing.T, db store.Store) {
	ctx := context.Background()
	if _, err := demo.Install(ctx, db, testutil.Now); err != nil {
		t.Fatal(err)
	}
	content := demo.Load(testutil.Now)
	checkTranslated(t, db, content)

	// The reference case reads in each of its languages, through the
	// model's own choice of texts.
	c, err := db.CaseBySlug(ctx, demo.CaseSlug)
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"es", "fr", "ar"} {
		in := c.In(lang)
		if in.Lang != lang || in.Title == c.Title || in.Demands[0].Text == c.Demands[0].Text ||
			in.Updates[0].Lang != lang || in.Actions[0].Lang != lang || in.Actions[0].ClosingText == c.Actions[0].ClosingText ||
			in.Image == nil || in.Image.Alt == c.Image.Alt {
			t.Errorf("in %s the case reads %q (%s), its final update in %s, its appeal in %s", lang, in.Title, in.Lang, in.Updates[0].Lang, in.Actions[0].Lang)
		}
		if letter := c.Actions[0].LetterIn(lang); letter.Text == c.Actions[0].Letter {
			t.Errorf("the appeal has no model letter in %s", lang)
		}
	}

	// A second run stores nothing again.
	if loaded, err := demo.Install(ctx, db, testutil.Now); err != nil || loaded {
		t.Fatalf("second install: loaded %v, %v", loaded, err)
	}
	checkTranslated(t, db, content)
}

// failingSaves is a store whose translations fail after the first few, as
// when a load is cut short.
type failingSaves struct {
	store.Store
	left int
}

var errCutShort = errors.New("cut short")

func (f *failingSaves) SaveTranslation(ctx context.Context, kind string, recordID int64, t *model.Translation, seen int) error {
	if f.left == 0 {
		return errCutShort
	}
	f.left--
	return f.Store.SaveTranslation(ctx, kind, recordID, t, seen)
}

func TestInstallCompletesTranslationsCutShort(t *testing.T) {
	for _, s := range stores {
		t.Run(s.name, func(t *testing.T) { testInstallCompletesTranslationsCutShort(t, s.open(t)) })
	}
}

func testInstallCompletesTranslationsCutShort(t *testing.T, db store.Store) {
	ctx := context.Background()
	if _, err := demo.Install(ctx, &failingSaves{Store: db, left: 5}, testutil.Now); !errors.Is(err, errCutShort) {
		t.Fatalf("install cut short: %v", err)
	}
	if loaded, err := demo.Install(ctx, db, testutil.Now); err != nil || !loaded {
		t.Fatalf("install after one cut short: loaded %v, %v", loaded, err)
	}
	checkTranslated(t, db, demo.Load(testutil.Now))
}
