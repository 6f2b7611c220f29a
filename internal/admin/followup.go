package admin

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"vigil/internal/i18n"
	"vigil/internal/model"
	"vigil/internal/store"
)

// A verified re-detention, disappearance or death recorded for an
// individual drafts an urgent action for the case: a follow-up to its
// original action, unpublished, its targets as a starting point, and an
// email to every editor and admin (Vigil has no editors per case). The
// store writes the draft and the emails in the event's transaction, one
// draft per event; nothing is published until an editor does it.

// originalAction is the action a case's follow-ups follow: its first
// action, published ones before drafts.
func originalAction(actions []model.Action, caseID int64) (model.Action, bool) {
	var own []model.Action
	for _, a := range actions {
		if a.CaseID == caseID {
			own = append(own, a)
		}
	}
	if len(own) == 0 {
		return model.Action{}, false
	}
	slices.SortFunc(own, func(a, b model.Action) int {
		if a.Published.IsZero() != b.Published.IsZero() {
			if a.Published.IsZero() {
				return 1
			}
			return -1
		}
		return cmp.Or(a.Published.Compare(b.Published), cmp.Compare(a.ID, b.ID))
	})
	return own[0], true
}

// followUpMark is in the slug of every follow-up drafted, which is how
// they are counted: titles are the editors' to change, and translated.
const followUpMark = "-further-information-"

// followUpTitle numbers a follow-up from the case's reference, in the
// case's language: "UA 28/25 — further information", then "… further
// information 2" for the second.
func followUpTitle(loc *i18n.Localizer, reference, caseTitle string, n int) string {
	if n > 1 {
		return loc.T("followup.title.n", "Reference", cmp.Or(reference, caseTitle), "N", n)
	}
	return loc.T("followup.title", "Reference", cmp.Or(reference, caseTitle))
}

// followUp is the draft an event would make, or nil when it calls for
// none (model.EventKind.Urgent, model.Verification.Verified).
func (s *Server) followUp(r *http.Request, c model.Case, rec model.Record, e model.RecordEvent) *store.FollowUp {
	if !e.Kind.Urgent() || !e.Verification.Verified() {
		return nil
	}
	ctx := r.Context()
	actions, err := s.store.AllActions(ctx)
	if err != nil {
		s.log.Error("follow-up: actions", "err", err)
		actions = nil
	}
	n := 1
	for _, a := range actions {
		if a.CaseID == c.ID && strings.Contains(a.Slug, followUpMark) {
			n++
		}
	}
	loc := s.composer.Cat.Localizer(c.Lang)
	draft := model.Action{CaseID: c.ID, Lang: c.Lang, Kind: model.ActionAppeal, Title: followUpTitle(loc, c.Reference, c.Title, n),
		Slug:    fmt.Sprintf("%s%s%d-%d-%d", c.Slug, followUpMark, n, rec.ID, e.Created.UnixMilli()),
		Summary: loc.T("followup.summary")}
	if orig, ok := originalAction(actions, c.ID); ok {
		draft.Kind, draft.Subject, draft.Letter, draft.Delivery = orig.Kind, orig.Subject, orig.Letter, orig.Delivery
		draft.Targets = slices.Clone(orig.Targets)
		draft.Consents = slices.Clone(orig.Consents)
		draft.Tags = slices.Clone(orig.Tags)
	}
	f := &store.FollowUp{Action: draft}
	staff, err := s.store.StaffUsers(ctx)
	if err != nil {
		s.log.Error("follow-up: staff", "err", err)
		return f
	}
	link := s.baseURL + "/admin/actions"
	for _, u := range staff {
		if u.Disabled || (u.Role != model.RoleEditor && u.Role != model.RoleAdmin) {
			continue
		}
		l := s.staff.Localizer(cmp.Or(u.Lang, "en"))
		subject := l.T("email.followup.subject", "Title", draft.Title)
		text := l.T("email.followup.text", "Case", c.Title, "Kind", l.T("label.event-kind."+string(e.Kind)),
			"Title", draft.Title, "Link", link)
		m, err := s.composer.Staff(u.Email, subject, text, e.Created)
		if err != nil {
			s.log.Error("follow-up: email", "err", err)
			continue
		}
		f.Messages = append(f.Messages, m)
	}
	return f
}
