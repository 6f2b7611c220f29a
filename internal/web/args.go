package web

import (
	"html/template"
	"strings"
	"time"

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
}

func partialFuncs() template.FuncMap {
	return template.FuncMap{
		"imageArgs": func(img *model.Image, sizes string, lazy bool) imageArgs { return imageArgs{img, sizes, lazy} },
		"cardArgs": func(a model.Action, prefix string, now time.Time, lazy bool) cardArgs {
			return cardArgs{a, prefix, now, lazy}
		},
		"newsArgs": func(news []model.NewsArticle, prefix string) newsArgs { return newsArgs{news, prefix} },
		"panelArgs": func(a model.Action, prefix string, now time.Time) panelArgs {
			return panelArgs{Action: a, Prefix: prefix, Now: now, Open: a.IsOpen(now), Link: true}
		},
		"letter": letterHTML,
	}
}

// letterHTML shows a model letter as paragraphs, with the first target's
// salutation in place of {{salutation}}.
func letterHTML(a model.Action) template.HTML {
	salutation := ""
	if len(a.Targets) > 0 {
		salutation = a.Targets[0].Salutation
	}
	text := strings.ReplaceAll(a.Letter, "{{salutation}}", salutation)
	var b strings.Builder
	for para := range strings.SplitSeq(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		para = strings.TrimSpace(para)
		if para == "" {
			continue
		}
		b.WriteString("<p>")
		b.WriteString(strings.ReplaceAll(template.HTMLEscapeString(para), "\n", "<br>"))
		b.WriteString("</p>\n")
	}
	return template.HTML(b.String()) //nolint:gosec // every piece escaped above
}
