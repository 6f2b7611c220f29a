package demo

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"vigil/internal/art"
	"vigil/internal/model"
	"vigil/internal/store"
)

// defaultConsents are the optional agreements every demo action asks for
// (Load gives them to each); their translations are consentsES and the
// like.
var defaultConsents = []model.ConsentRequest{
	{Key: "updates", Text: "Email me about this action and what happens next."},
	{Key: "newsletter", Text: "Send me the monthly newsletter about other people at risk and how to help them."},
}

// imageWidths are the renditions made of each demo picture, for srcset.
var imageWidths = []int{480, 960, 1600}

// Install loads the demo content into st unless it is already there. It
// reports whether it loaded anything. Running it twice stores nothing
// twice: items whose slug is taken are left as they are, and so are
// translations already saved.
func Install(ctx context.Context, st store.Store, now time.Time) (bool, error) {
	content := Load(now)
	// Every record there already: nothing to store (and no pictures to
	// draw) but the translations a load cut short left out. A load cut
	// short is completed: items already stored are skipped.
	_, errCase := st.CaseBySlug(ctx, content.Cases[0].Slug)
	_, errNews := st.NewsBySlug(ctx, content.News[len(content.News)-1].Article.Slug)
	for _, err := range []error{errCase, errNews} {
		if err != nil && !errors.Is(err, model.ErrNotFound) {
			return false, fmt.Errorf("demo: %w", err)
		}
	}
	loaded := false
	if errCase != nil || errNews != nil {
		if err := installRecords(ctx, st, content, now); err != nil {
			return false, err
		}
		loaded = true
	}
	saved, err := installTranslations(ctx, st, content, now)
	return loaded || saved > 0, err
}

// installRecords stores the cases, actions, updates and news of content
// that are not stored yet, with their pictures.
func installRecords(ctx context.Context, st store.Store, content Content, now time.Time) error {
	images := map[string]*model.Image{}
	imageFor := func(slug string) (*model.Image, error) {
		name, ok := content.Scenes[slug]
		if !ok {
			return nil, nil
		}
		if img, ok := images[name]; ok {
			return img, nil
		}
		img, err := storeScene(ctx, st, art.Demo()[name], now)
		if err != nil {
			return nil, err
		}
		images[name] = img
		return img, nil
	}

	caseIDs := map[string]int64{}
	created := map[string]bool{} // cases stored by this run, whose updates it publishes
	// Updates that close actions or move a case are published after the
	// actions exist, as an editor would.
	var later []struct {
		slug   string
		update model.Update
	}
	for i := range content.Cases {
		c := &content.Cases[i]
		var now []model.Update
		for _, u := range c.Updates {
			if u.CloseActions || u.Status != "" {
				later = append(later, struct {
					slug   string
					update model.Update
				}{c.Slug, u})
			} else {
				now = append(now, u)
			}
		}
		c.Updates = now
		img, err := imageFor(c.Slug)
		if err != nil {
			return err
		}
		c.Image = img
		err = st.CreateCase(ctx, c)
		switch {
		case err == nil:
			created[c.Slug] = true
		case !errors.Is(err, model.ErrConflict):
			return fmt.Errorf("demo: %w", err)
		}
		if c.ID == 0 {
			existing, err := st.CaseBySlug(ctx, c.Slug)
			if err != nil {
				return fmt.Errorf("demo: %w", err)
			}
			c.ID = existing.ID
		}
		caseIDs[c.Slug] = c.ID
	}
	for i := range content.Actions {
		a := &content.Actions[i]
		img, err := imageFor(a.Slug)
		if err != nil {
			return err
		}
		a.Image = img
		if err := st.CreateAction(ctx, a); err != nil && !errors.Is(err, model.ErrConflict) {
			return fmt.Errorf("demo: %w", err)
		}
	}
	if created[CaseSlug] {
		if err := installIndividuals(ctx, st, caseIDs[CaseSlug], now); err != nil {
			return err
		}
		if err := installTraining(ctx, st, now); err != nil {
			return err
		}
	}
	for _, l := range later {
		if !created[l.slug] {
			continue
		}
		u := l.update
		if err := st.PublishUpdate(ctx, l.slug, &u); err != nil && !errors.Is(err, model.ErrConflict) {
			return fmt.Errorf("demo: %w", err)
		}
	}
	for i := range content.News {
		n := &content.News[i].Article
		img, err := imageFor(n.Slug)
		if err != nil {
			return err
		}
		n.Image = img
		for _, slug := range content.News[i].CaseSlugs {
			n.CaseIDs = append(n.CaseIDs, caseIDs[slug])
		}
		if err := st.CreateNews(ctx, n); err != nil && !errors.Is(err, model.ErrConflict) {
			return fmt.Errorf("demo: %w", err)
		}
	}
	return nil
}

// rendered keeps each scene's renditions once made: rendering is the slow
// part of loading the demo, and tests load it many times.
var rendered sync.Map // scene name + width -> []byte

func render(scene art.Scene, width int) ([]byte, error) {
	key := fmt.Sprintf("%s/%d", scene.Name, width)
	if data, ok := rendered.Load(key); ok {
		return data.([]byte), nil
	}
	data, err := art.Render(scene, width)
	if err != nil {
		return nil, err
	}
	rendered.Store(key, data)
	return data, nil
}

// storeScene renders a scene at every width and stores it once.
func storeScene(ctx context.Context, st store.Store, scene art.Scene, now time.Time) (*model.Image, error) {
	h := sha256.New()
	var variants []model.ImageVariant
	for _, w := range imageWidths {
		data, err := render(scene, w)
		if err != nil {
			return nil, fmt.Errorf("demo: render %s: %w", scene.Name, err)
		}
		h.Write(data)
		variants = append(variants, model.ImageVariant{Width: w, ContentType: "image/png", Data: data})
	}
	largest := imageWidths[len(imageWidths)-1]
	img := &model.Image{
		Hash:    hex.EncodeToString(h.Sum(nil))[:16],
		Alt:     scene.Alt,
		Credit:  "Illustration made for the Vigil demo",
		Width:   largest,
		Height:  largest * 9 / 16,
		Format:  "png",
		Created: now,
	}
	if err := st.CreateImage(ctx, img, variants); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	return img, nil
}

// installTranslations saves each translation of content whose record has
// none in that language yet, and reports how many it saved. A translation
// saved already is left as it is, even if it has been edited since.
func installTranslations(ctx context.Context, st store.Store, content Content, now time.Time) (int, error) {
	records := translatedRecords{st: st, content: content, cases: map[string]model.Case{},
		actions: map[string]model.Action{}, news: map[string]model.NewsArticle{}}
	saved := 0
	for _, tr := range content.Translations {
		id, have, err := records.find(ctx, tr)
		if err != nil {
			return saved, fmt.Errorf("demo: translation of %s %q%s: %w", tr.Kind, tr.Slug, tr.Scene, err)
		}
		if _, ok := have[tr.Translation.Lang]; ok {
			continue
		}
		t := tr.Translation
		t.Saved = now
		err = st.SaveTranslation(ctx, tr.Kind, id, &t, 0)
		switch {
		case err == nil:
			saved++
		case errors.Is(err, model.ErrStale):
			// Saved since the record was read: there is one already.
		default:
			return saved, fmt.Errorf("demo: %w", err)
		}
	}
	return saved, nil
}

// translatedRecords reads each record a translation belongs to once.
type translatedRecords struct {
	st      store.Store
	content Content
	cases   map[string]model.Case
	actions map[string]model.Action
	news    map[string]model.NewsArticle
}

// find returns the ID of the record tr translates and the translations it
// has.
func (r *translatedRecords) find(ctx context.Context, tr Translated) (int64, model.Translations, error) {
	switch tr.Kind {
	case model.KindCase, model.KindUpdate:
		c, err := r.caseBySlug(ctx, tr.Slug)
		if err != nil {
			return 0, nil, err
		}
		if tr.Kind == model.KindCase {
			return c.ID, c.Translations, nil
		}
		for _, u := range c.Updates {
			if u.Number == tr.Update {
				return u.ID, u.Translations, nil
			}
		}
		return 0, nil, fmt.Errorf("update %d: %w", tr.Update, model.ErrNotFound)
	case model.KindAction:
		a, err := r.actionBySlug(ctx, tr.Slug)
		return a.ID, a.Translations, err
	case model.KindNews:
		n, err := r.newsBySlug(ctx, tr.Slug)
		return n.ID, n.Translations, err
	case model.KindImage:
		// A picture is stored once however many records show it: find
		// it through the first of them.
		for _, slug := range slices.Sorted(maps.Keys(r.content.Scenes)) {
			if r.content.Scenes[slug] != tr.Scene {
				continue
			}
			img, err := r.imageOf(ctx, slug)
			if err != nil || img == nil {
				return 0, nil, fmt.Errorf("picture of %s: %w", slug, cmp.Or(err, model.ErrNotFound))
			}
			return img.ID, img.Translations, nil
		}
		return 0, nil, fmt.Errorf("no record shows scene %q: %w", tr.Scene, model.ErrNotFound)
	}
	return 0, nil, fmt.Errorf("no kind %q", tr.Kind)
}

// imageOf returns the picture of the case, action or news article slug.
func (r *translatedRecords) imageOf(ctx context.Context, slug string) (*model.Image, error) {
	for _, c := range r.content.Cases {
		if c.Slug == slug {
			c, err := r.caseBySlug(ctx, slug)
			return c.Image, err
		}
	}
	if _, ok := actionBySlug(r.content, slug); ok {
		a, err := r.actionBySlug(ctx, slug)
		return a.Image, err
	}
	n, err := r.newsBySlug(ctx, slug)
	return n.Image, err
}

func (r *translatedRecords) caseBySlug(ctx context.Context, slug string) (model.Case, error) {
	if c, ok := r.cases[slug]; ok {
		return c, nil
	}
	c, err := r.st.CaseBySlug(ctx, slug)
	if err == nil {
		r.cases[slug] = c
	}
	return c, err
}

func (r *translatedRecords) actionBySlug(ctx context.Context, slug string) (model.Action, error) {
	if a, ok := r.actions[slug]; ok {
		return a, nil
	}
	a, err := r.st.ActionBySlug(ctx, slug)
	if err == nil {
		r.actions[slug] = a
	}
	return a, err
}

func (r *translatedRecords) newsBySlug(ctx context.Context, slug string) (model.NewsArticle, error) {
	if n, ok := r.news[slug]; ok {
		return n, nil
	}
	n, err := r.st.NewsBySlug(ctx, slug)
	if err == nil {
		r.news[slug] = n
	}
	return n, err
}
