package demo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"vigil/internal/art"
	"vigil/internal/model"
	"vigil/internal/store"
)

// defaultConsents are the optional agreements the demo actions ask for.
var defaultConsents = []model.ConsentRequest{
	{Key: "updates", Text: "Email me about this action and what happens next."},
	{Key: "newsletter", Text: "Send me the monthly newsletter about other people at risk and how to help them."},
}

// imageWidths are the renditions made of each demo picture, for srcset.
var imageWidths = []int{480, 960, 1600}

// Install loads the demo content into st unless it is already there. It
// reports whether it loaded anything. Running it twice stores nothing
// twice: items whose slug is taken are left as they are.
func Install(ctx context.Context, st store.Store, now time.Time) (bool, error) {
	content := Load(now)
	// Everything there already: nothing to do (and no pictures to draw).
	// A load cut short is completed: items already stored are skipped.
	_, errCase := st.CaseBySlug(ctx, content.Cases[0].Slug)
	_, errNews := st.NewsBySlug(ctx, content.News[len(content.News)-1].Article.Slug)
	if errCase == nil && errNews == nil {
		return false, nil
	}
	for _, err := range []error{errCase, errNews} {
		if err != nil && !errors.Is(err, model.ErrNotFound) {
			return false, fmt.Errorf("demo: %w", err)
		}
	}

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
			return false, err
		}
		c.Image = img
		err = st.CreateCase(ctx, c)
		switch {
		case err == nil:
			created[c.Slug] = true
		case !errors.Is(err, model.ErrConflict):
			return false, fmt.Errorf("demo: %w", err)
		}
		if c.ID == 0 {
			existing, err := st.CaseBySlug(ctx, c.Slug)
			if err != nil {
				return false, fmt.Errorf("demo: %w", err)
			}
			c.ID = existing.ID
		}
		caseIDs[c.Slug] = c.ID
	}
	for i := range content.Actions {
		a := &content.Actions[i]
		if len(a.Consents) == 0 {
			a.Consents = defaultConsents
		}
		img, err := imageFor(a.Slug)
		if err != nil {
			return false, err
		}
		a.Image = img
		if err := st.CreateAction(ctx, a); err != nil && !errors.Is(err, model.ErrConflict) {
			return false, fmt.Errorf("demo: %w", err)
		}
	}
	for _, l := range later {
		if !created[l.slug] {
			continue
		}
		u := l.update
		if err := st.PublishUpdate(ctx, l.slug, &u); err != nil && !errors.Is(err, model.ErrConflict) {
			return false, fmt.Errorf("demo: %w", err)
		}
	}
	for i := range content.News {
		n := &content.News[i].Article
		img, err := imageFor(n.Slug)
		if err != nil {
			return false, err
		}
		n.Image = img
		for _, slug := range content.News[i].CaseSlugs {
			n.CaseIDs = append(n.CaseIDs, caseIDs[slug])
		}
		if err := st.CreateNews(ctx, n); err != nil && !errors.Is(err, model.ErrConflict) {
			return false, fmt.Errorf("demo: %w", err)
		}
	}
	return true, nil
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
