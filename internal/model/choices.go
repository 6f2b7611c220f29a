package model

import "time"

// EmailChoices are the emails a supporter chose to receive, from the link
// in every email Vigil sends them: each case's updates, the newsletter.
type EmailChoices struct {
	Cases        []CaseChoice
	Newsletter   bool      // they receive it now (NewsletterYes)
	Unsubscribed time.Time // zero unless they unsubscribed from everything
}

// CaseChoice is one case a supporter acted on, and whether they want its
// updates.
type CaseChoice struct {
	Case    Case // id, slug, language, title and translations
	Updates bool
}

// WantsNothing reports whether the choices leave no email at all: that
// is an unsubscription.
func (c EmailChoices) WantsNothing() bool {
	if c.Newsletter {
		return false
	}
	for _, cc := range c.Cases {
		if cc.Updates {
			return false
		}
	}
	return true
}
