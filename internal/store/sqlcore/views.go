package sqlcore

import "vigil/internal/model"

// What the audit log keeps of a record, before and after a write: the
// fields an editor changes, not what hangs off it (actions of a case,
// image bytes).

func caseView(c model.Case) model.Case {
	c.Actions, c.Updates = nil, nil
	return c
}

func actionView(a model.Action) model.Action { return a }

func newsView(n model.NewsArticle) model.NewsArticle { return n }
