package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"vigil/internal/delivery"
	"vigil/internal/model"
	"vigil/internal/store"
)

type updateEdit struct {
	Case     model.Case
	F        *form
	Preview  *model.Update
	Conflict []difference
	Statuses []model.CaseStatus
}

func (s *Server) newUpdatePage(w http.ResponseWriter, r *http.Request) {
	c, ok := s.caseFromPath(w, r)
	if !ok {
		return
	}
	f := newForm(nil)
	f.values.Set("last_number", strconv.Itoa(lastNumber(c)))
	if d, err := s.store.UpdateDraft(r.Context(), c.ID); err == nil {
		f.values.Set("title", d.Title)
		f.values.Set("body", d.Body)
		f.values.Set("status", string(d.Status))
		if d.Final {
			f.values.Set("final", "yes")
		}
		if d.CloseActions {
			f.values.Set("close_actions", "yes")
		}
		f.values.Set("draft_saved", d.Published.UTC().Format("2 Jan 2006 15:04 UTC"))
		f.values.Set("draft_read", d.Published.UTC().Format(time.RFC3339Nano))
	} else if !errors.Is(err, model.ErrNotFound) {
		s.serverError(w, r, err)
		return
	}
	s.renderUpdate(w, r, http.StatusOK, c, f, nil)
}

func (s *Server) renderUpdate(w http.ResponseWriter, r *http.Request, status int, c model.Case, f *form, preview *model.Update) {
	s.render(w, r, status, "update", say("title.update", "Title", c.Title), updateEdit{Case: c, F: f, Preview: preview,
		Statuses: []model.CaseStatus{model.CaseActive, model.CaseMonitoring, model.CaseClosed}})
}

// publishUpdate previews or publishes an update: numbered after the last,
// dated now, closing the case's actions and moving its status if asked.
// Then it offers to tell everyone who acted.
func (s *Server) publishUpdate(w http.ResponseWriter, r *http.Request) {
	c, ok := s.caseFromPath(w, r)
	if !ok {
		return
	}
	f := newForm(r.PostForm)
	u := model.Update{Title: f.line("title", 200, true), Body: f.text("body", 50_000, true),
		Final: f.Has("final", "yes"), CloseActions: f.Has("close_actions", "yes"), Published: s.now()}
	switch st := model.CaseStatus(f.Value("status")); st {
	case "", model.CaseActive, model.CaseMonitoring, model.CaseClosed:
		u.Status = st
	default:
		f.fail("status", "form.update.status")
	}
	if !f.OK() {
		s.renderUpdate(w, r, http.StatusBadRequest, c, f, nil)
		return
	}
	var read time.Time
	if v := f.Value("draft_read"); v != "" {
		read, _ = time.Parse(time.RFC3339Nano, v)
	}
	switch f.Value("do") {
	case "draft":
		err := s.store.SaveUpdateDraft(r.Context(), c.ID, u, read, s.now())
		if errors.Is(err, model.ErrStale) {
			s.draftConflict(w, r, c, f, u)
			return
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.redirectDone(w, r, fmt.Sprintf("/admin/cases/%d/updates/new", c.ID), say("flash.update-draft"))
		return
	case "publish":
	default:
		s.renderUpdate(w, r, http.StatusOK, c, f, &u)
		return
	}
	seenLast, err := strconv.Atoi(f.Value("last_number"))
	if err != nil {
		seenLast = -2 // a form from before: never matches, so the editor checks first
	}
	err = s.store.PublishNextUpdate(r.Context(), c.ID, &u, seenLast, read)
	if errors.Is(err, model.ErrStale) {
		if d, derr := s.store.UpdateDraft(r.Context(), c.ID); (derr == nil) != !read.IsZero() ||
			derr == nil && !d.Published.Equal(read.UTC().Truncate(time.Millisecond)) {
			s.draftConflict(w, r, c, f, u)
			return
		}
		f.values.Set("last_number", strconv.Itoa(lastNumber(c)))
		f.fail("title", "form.update.stale")
		s.renderUpdate(w, r, http.StatusConflict, c, f, nil)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.site.ContentChanged()
	s.redirectDone(w, r, fmt.Sprintf("/admin/cases/%d/updates/%d/tell", c.ID, u.ID),
		say("flash.update-published", "Number", u.Number))
}

// lastNumber is the highest update number of a case, -1 when it has none.
func lastNumber(c model.Case) int {
	last := -1
	for _, u := range c.Updates {
		last = max(last, u.Number)
	}
	return last
}

// draftConflict shows the draft someone else saved beside this editor's
// text, which stays in the form, now based on theirs: sending it again
// replaces theirs knowingly.
func (s *Server) draftConflict(w http.ResponseWriter, r *http.Request, c model.Case, f *form, yours model.Update) {
	theirs, err := s.store.UpdateDraft(r.Context(), c.ID)
	switch {
	case errors.Is(err, model.ErrNotFound):
		theirs.Title = "label.no-draft"
		f.values.Del("draft_read")
	case err != nil:
		s.serverError(w, r, err)
		return
	default:
		f.values.Set("draft_read", theirs.Published.UTC().Format(time.RFC3339Nano))
	}
	diffs := differences("label.saved-meanwhile.text",
		difference{"label.field.title", theirs.Title, yours.Title}, difference{"label.field.text", theirs.Body, yours.Body})
	s.render(w, r, http.StatusConflict, "update", say("title.update", "Title", c.Title), updateEdit{Case: c, F: f, Conflict: diffs,
		Statuses: []model.CaseStatus{model.CaseActive, model.CaseMonitoring, model.CaseClosed}})
}

// hideUpdate takes a published update off the case page and its feed, or
// puts it back.
func (s *Server) hideUpdate(w http.ResponseWriter, r *http.Request) {
	c, u, ok := s.updateFromPath(w, r)
	if !ok {
		return
	}
	when, note := s.now(), say("flash.update-hidden")
	if r.PostFormValue("do") == "show" {
		when, note = time.Time{}, say("flash.update-shown")
	}
	if err := s.store.HideUpdate(r.Context(), u.ID, when); err != nil {
		s.fail(w, r, err)
		return
	}
	s.site.ContentChanged()
	s.redirectDone(w, r, fmt.Sprintf("/admin/cases/%d", c.ID), note)
}

// tellData is the page that offers, starts and follows the email to
// everyone who acted.
type tellData struct {
	Case     model.Case
	Update   model.Update
	Audience map[string]int
	Total    int
	Previews []tellPreview
	Progress map[string]int // by message state
	Queued   int            // messages of this update in the outbox
	Sent     int
	Running  bool
	Percent  int
}

// Refresh reloads the page while messages are being queued or sent, so
// progress shows without JavaScript.
func (d tellData) Refresh() int {
	if d.Running || d.Sent+d.Progress[string(model.MessageFailed)]+d.Progress[string(model.MessageHeld)] < d.Queued {
		return 5
	}
	return 0
}

type tellPreview struct {
	Lang, Subject, Text string
	People              int
}

func (s *Server) updateFromPath(w http.ResponseWriter, r *http.Request) (model.Case, model.Update, bool) {
	c, ok := s.caseFromPath(w, r)
	if !ok {
		return c, model.Update{}, false
	}
	id, err := strconv.ParseInt(r.PathValue("update"), 10, 64)
	if err != nil {
		s.notFound(w, r)
		return c, model.Update{}, false
	}
	u, err := s.store.UpdateByID(r.Context(), id)
	if err == nil && u.CaseID != c.ID {
		err = model.ErrNotFound
	}
	if err != nil {
		s.fail(w, r, err)
		return c, u, false
	}
	return c, u, true
}

// tellPage shows how many people an update would reach, and the email in
// each of their languages, or how far the sending has got.
func (s *Server) tellPage(w http.ResponseWriter, r *http.Request) {
	c, u, ok := s.updateFromPath(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	d := tellData{Case: c, Update: u, Running: s.telling.running(u.ID)}
	var err error
	if d.Audience, err = s.store.UpdateAudience(ctx, c.ID); err != nil {
		s.serverError(w, r, err)
		return
	}
	progress, err := s.store.UpdateProgress(ctx, u.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.Progress = map[string]int{}
	for state, n := range progress {
		d.Progress[string(state)] = n
		d.Queued += n
	}
	d.Sent = d.Progress[string(model.MessageSent)]
	for _, lang := range s.languages() {
		n := d.Audience[lang]
		d.Total += n
		sample := model.Supporter{ID: 0, Name: "Ana", Email: "ana@example.org", Lang: lang}
		m, err := s.composer.Update(c, u, sample, s.now())
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		subject, text, err := s.openPreview(m)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		d.Previews = append(d.Previews, tellPreview{Lang: lang, Subject: subject, Text: text, People: n})
	}
	if d.Queued > 0 {
		d.Percent = d.Sent * 100 / d.Queued
	}
	s.render(w, r, http.StatusOK, "tell", "title.tell", d)
}

// tell starts queuing the update's messages in the background and shows
// the progress page. Queuing again later queues only those missing.
func (s *Server) tell(w http.ResponseWriter, r *http.Request) {
	c, u, ok := s.updateFromPath(w, r)
	if !ok {
		return
	}
	if r.PostFormValue("confirm") != "yes" {
		s.redirectDone(w, r, r.URL.Path, say("flash.tell-unconfirmed"))
		return
	}
	if !u.Hidden.IsZero() {
		s.errorPage(w, r, http.StatusConflict, say("error.update-hidden"))
		return
	}
	actor, _ := store.ActorFrom(r.Context())
	if s.telling.start(u.ID) {
		go func() {
			defer s.telling.done(u.ID)
			ctx := store.WithActor(context.Background(), actor)
			now := s.now()
			n, err := s.store.QueueUpdateMessages(ctx, c.ID, u.ID, now, func(sup model.Supporter) (model.OutboxMessage, error) {
				return s.composer.Update(c, u, sup, now)
			})
			s.mailer.Wake()
			entry := model.AuditEntry{At: s.now(), UserID: actor.UserID, UserEmail: actor.Email, IPHash: actor.IPHash,
				Action: "update.tell", ObjectType: "update", ObjectID: u.ID, After: fmt.Sprintf(`{"queued":%d}`, n)}
			if err != nil {
				s.log.Error("queuing an update for everyone who acted", "update", u.ID, "queued", n, "err", err)
				entry.After = fmt.Sprintf(`{"queued":%d,"error":%q}`, n, err.Error())
			}
			if err := s.store.RecordAudit(ctx, entry); err != nil {
				s.log.Error("audit", "err", err)
			}
		}()
	}
	s.redirectDone(w, r, r.URL.Path, say("flash.tell-started"))
}

// telling remembers which updates are being queued in this process.
type telling struct {
	mu     sync.Mutex
	queued map[int64]bool // update id -> being queued now
}

func (t *telling) start(id int64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.queued == nil {
		t.queued = map[int64]bool{}
	}
	if t.queued[id] {
		return false
	}
	t.queued[id] = true
	return true
}

func (t *telling) done(id int64) {
	t.mu.Lock()
	delete(t.queued, id)
	t.mu.Unlock()
}

func (t *telling) running(id int64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.queued[id]
}

// openPreview reads back a composed message, to show it as it will be
// sent.
func (s *Server) openPreview(m model.OutboxMessage) (subject, text string, err error) {
	msg, err := delivery.Open(s.keys, m.MessageID, m.Sealed)
	if err != nil {
		return "", "", err
	}
	return msg.Subject, msg.Text, nil
}
