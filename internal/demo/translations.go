package demo

import (
	"maps"
	"slices"

	"vigil/internal/art"
	"vigil/internal/model"
)

// Translated is one demo record's texts in one more language. The reference
// case, its updates and its appeal are in Spanish, French and Arabic, since
// the families of the men it concerns read Spanish and organisations
// publish such a case in several languages at once; every other record is
// in Spanish. Translations are written from the English, in our own words.
type Translated struct {
	Kind   string // model.KindCase, KindUpdate, KindAction, KindNews or KindImage
	Slug   string // the case, action or news article; for an update, its case
	Update int    // for KindUpdate: the update's number
	Scene  string // for KindImage: the art scene whose description it is

	// Earlier holds the fields of the original as they read when the
	// translation was made, where they differ from today's: the
	// translation is then outdated. Nil for a translation of today's text.
	Earlier map[string]string

	// Translation's Source is filled in by Load from the original; Version
	// and Saved are the store's and the installer's.
	Translation model.Translation
}

// translations are every demo translation, Source left empty. The consent
// texts, shared by every demo action, are added to each action's
// translation from consentTexts by Load.
func translations() []Translated {
	return slices.Concat(spanish(), french(), arabic())
}

// consentTexts are the texts of defaultConsents by language and key.
var consentTexts = map[string]map[string]string{
	"es": consentsES,
	"fr": consentsFR,
	"ar": consentsAR,
}

// withSources returns translations with each one's Source filled in from
// the original it was made from, and each action's consent texts added. A
// translation of a record that does not exist keeps an empty Source (the
// tests name it).
func withSources(c Content) []Translated {
	out := translations()
	for i := range out {
		tr := &out[i]
		t := &tr.Translation
		if a, ok := actionBySlug(c, tr.Slug); ok && tr.Kind == model.KindAction {
			t.Texts = maps.Clone(t.Texts)
			for _, consent := range a.Consents {
				if text, ok := consentTexts[t.Lang][consent.Key]; ok {
					t.Texts["consent."+consent.Key] = text
				}
			}
		}
		texts, ok := c.OriginalTexts(*tr)
		if !ok {
			continue
		}
		if tr.Earlier != nil {
			texts = maps.Clone(texts)
			maps.Copy(texts, tr.Earlier)
		}
		t.Source = model.Fingerprint(texts)
	}
	return out
}

// OriginalTexts are today's texts of the record tr translates, by field
// name, as the record's Texts gives them once installed; false when there
// is no such record.
func (c Content) OriginalTexts(tr Translated) (map[string]string, bool) {
	switch tr.Kind {
	case model.KindCase, model.KindUpdate:
		for _, k := range c.Cases {
			if k.Slug != tr.Slug {
				continue
			}
			if tr.Kind == model.KindCase {
				return k.Texts(), true
			}
			for _, u := range k.Updates {
				if u.Number == tr.Update {
					return u.Texts(), true
				}
			}
		}
	case model.KindAction:
		if a, ok := actionBySlug(c, tr.Slug); ok {
			return a.Texts(), true
		}
	case model.KindNews:
		for _, n := range c.News {
			if n.Article.Slug == tr.Slug {
				return n.Article.Texts(), true
			}
		}
	case model.KindImage:
		if scene, ok := art.Demo()[tr.Scene]; ok {
			img := model.Image{Alt: scene.Alt}
			return img.Texts(), true
		}
	}
	return nil, false
}

func actionBySlug(c Content, slug string) (model.Action, bool) {
	for _, a := range c.Actions {
		if a.Slug == slug {
			return a, true
		}
	}
	return model.Action{}, false
}
