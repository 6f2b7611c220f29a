package web

import (
	"html/template"
	"time"

	"vigil/internal/i18n"
	"vigil/internal/model"
)

// Small argument bundles for partial templates, built by template funcs so
// each partial states what it needs.

type imageArgs struct {
	Img   *model.Image
	Sizes string
	Lazy  bool
}

type cardArgs struct {
	Action model.Action
	Prefix string
	Now    time.Time
	Lazy   bool
}

type newsArgs struct {
	News   []model.NewsArticle
	Prefix string
}

// panelArgs is an action panel: Open decides form or closing text; Full
// shows the model letter (on the action's own page); Link links the title.
type panelArgs struct {
	Action model.Action
	Prefix string
	Now    time.Time
	Open   bool
	Full   bool
	Link   bool
	Embed  bool // in a partner's frame: the form posts to /embed/actions/…
	// The form, for an open action.
	Form      *actForm
	Source    string // the page the form is on; in a frame, the partner's origin
	Countries []country
	Languages []languageChoice
	Rendered  int64 // Unix milliseconds, to measure time to submit
}

// PostTo is where the form posts: the action's page, or in a frame its
// embed page, so that the answer stays in the frame.
func (p panelArgs) PostTo() string {
	if p.Embed {
		return p.Prefix + "/embed/actions/" + p.Action.Slug
	}
	return p.Prefix + "/actions/" + p.Action.Slug
}

// subscribeArgs is a newsletter sign-up form on a page.
type subscribeArgs struct {
	Form      *subscribeForm
	Languages []languageChoice
	Prefix    string
	Source    string
	ID        string
}

// searchArgs is a search form on a page, showing the query searched.
type searchArgs struct {
	Query, Prefix, ID string
}

// languageChoice is a language a supporter can choose for their emails.
type languageChoice struct {
	Code, Name string
}

// fieldArgs is one text input of a form.
type fieldArgs struct {
	ID, Name, Type, Value, Error, Autocomplete string
	Required                                   bool
}

func partialFuncs(lang string, cat *i18n.Catalogue) template.FuncMap {
	var languages []languageChoice
	for _, l := range cat.Languages() {
		languages = append(languages, languageChoice{Code: l, Name: cat.Name(l)})
	}
	return template.FuncMap{
		"langof": langAttr(cat, lang),
		"subscribeArgs": func(f *subscribeForm, langs []languageChoice, prefix, source, id string) subscribeArgs {
			if f == nil {
				f = &subscribeForm{Lang: lang}
			}
			if langs == nil {
				langs = languages
			}
			return subscribeArgs{f, langs, prefix, source, id}
		},
		"fieldArgs": func(id, name, typ, value, err, autocomplete string, required bool) fieldArgs {
			return fieldArgs{id, name, typ, value, err, autocomplete, required}
		},
		// salutation is how an appeal to t opens, in t's language.
		"salutation": func(t model.Target) string {
			return model.SalutationOf(t, cat.Localizer(t.Lang).T("email.appeal.salutation", "Name", t.Name))
		},
		"imageArgs": func(img *model.Image, sizes string, lazy bool) imageArgs { return imageArgs{img, sizes, lazy} },
		"cardArgs": func(a model.Action, prefix string, now time.Time, lazy bool) cardArgs {
			return cardArgs{a, prefix, now, lazy}
		},
		"newsArgs":   func(news []model.NewsArticle, prefix string) newsArgs { return newsArgs{news, prefix} },
		"searchArgs": func(query, prefix, id string) searchArgs { return searchArgs{query, prefix, id} },
		// panelArgs is an action's panel on a case page, with an empty form.
		"panelArgs": func(a model.Action, prefix, source string, now time.Time) panelArgs {
			return panelArgs{Action: a, Prefix: prefix, Now: now, Open: a.IsOpen(now), Link: true,
				Form: newActForm(a, lang), Source: source, Countries: countriesIn(lang), Languages: languages,
				Rendered: now.UnixMilli()}
		},
	}
}
