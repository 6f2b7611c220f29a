package store

import (
	"context"

	"vigil/internal/model"
)

// Finding is how readers find published content: the list of cases with
// its filters, and search.
type Finding interface {
	// CaseList lists published cases that pass f, latest activity first
	// (the later of publication and last change), without their parts;
	// offset and limit page it.
	CaseList(ctx context.Context, f model.CaseFilter, offset, limit int) ([]model.Case, error)
	// CaseFilterValues are the countries and themes (tags) that published
	// cases have, each sorted, for the list's filter links.
	CaseFilterValues(ctx context.Context) (countries, themes []string, err error)
	// Search finds published cases, actions and news whose texts hold
	// every word of q.Text (each as a prefix, diacritics and case
	// ignored), in q.Lang and in their original languages, one hit per
	// record in q.Lang where it matched there, best first.
	Search(ctx context.Context, q SearchQuery) ([]model.SearchHit, error)
}

// SearchQuery is a search as a reader typed it, and which results to
// return.
type SearchQuery struct {
	Text          string
	Lang          string
	Offset, Limit int
}
