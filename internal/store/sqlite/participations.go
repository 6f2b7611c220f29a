package sqlite

import (
	"database/sql"
	"errors"
	"time"

	"vigil/internal/model"
	"vigil/internal/store"
	"vigil/internal/store/sqlcore"
)

// batchState is what one group-commit transaction knows across its
// participations: SQLite lets no other writer in while it is open, so it
// can read each action once and hand out row ids itself, which lets a row
// be inserted with its sealed fields (bound to its id) in one statement.
type batchState struct {
	actions           map[string]*batchAction
	nextSupporter     int64 // last id handed out; 0: not read yet
	nextParticipation int64
}

type batchAction struct {
	action model.Action
}

func newBatchState() *batchState { return &batchState{actions: map[string]*batchAction{}} }

func (b *batchState) action(q runner, slug string) (*batchAction, error) {
	if ba, ok := b.actions[slug]; ok {
		return ba, nil
	}
	a, err := actionToActOn(q, slug)
	if err != nil {
		return nil, err
	}
	ba := &batchAction{action: a}
	b.actions[slug] = ba
	return ba, nil
}

// newID hands out the next id of a table (supporters or participations).
// Both are AUTOINCREMENT: ids of deleted rows are never reused, so tokens
// in old emails cannot point at someone new. sqlite_sequence holds the
// largest id ever given, and moves up with the explicit ids inserted here.
func (b *batchState) newID(q runner, table string, last *int64) (int64, error) {
	if *last == 0 {
		if err := q.queryRow(`SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = ?), 0)`, table).
			Scan(last); err != nil {
			return 0, err
		}
	}
	return *last + 1, nil
}

// participateTx writes one participation on an open action of the batch,
// and what it causes.
func (s *DB) participateTx(q runner, b *batchState, ba *batchAction, p store.Participate) (store.Participated, error) {
	res := store.Participated{Action: ba.action}
	now := formatTime(p.Now)
	var err error

	if res.SupporterID, res.NewSupporter, res.Confirmed, err = s.findOrAddSupporterTx(q, b, p.Supporter, p.Now); err != nil {
		return res, err
	}

	// The participation, once per supporter and action, inserted with its
	// sealed letter under the id this batch hands out. It waits for its
	// confirmation from the mailbox before it counts (see
	// ConfirmParticipation).
	part := p.Participation
	id, err := b.newID(q, "participations", &b.nextParticipation)
	if err != nil {
		return res, err
	}
	err = q.queryRow(`INSERT INTO participations (id, supporter_id, action_id, created_at,
			subject_sealed, letter_sealed, comment_sealed, referrer, share_code, ip_hash, agent_class, fill_ms)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (supporter_id, action_id) DO NOTHING RETURNING id`,
		id, res.SupporterID, res.Action.ID, now,
		s.Seal(part.Subject, "participations", "subject", id),
		s.Seal(part.Letter, "participations", "letter", id),
		s.Seal(part.Comment, "participations", "comment", id),
		part.Referrer, part.ShareCode, part.IPHash, part.AgentClass, part.FillMillis).
		Scan(&id) // into id, not res: res would then be allocated on the heap
	if errors.Is(err, sql.ErrNoRows) {
		res.Duplicate = true
		if err := q.queryRow(`SELECT id FROM participations WHERE supporter_id = ? AND action_id = ?`,
			res.SupporterID, res.Action.ID).Scan(&id); err != nil {
			return res, err
		}
	} else if err != nil {
		return res, err
	} else {
		b.nextParticipation = id
	}
	res.ParticipationID = id
	res.Count = ba.action.Count
	if res.Duplicate {
		// What the repeat is, is what was stored the first time; its
		// consents stay as they were given (see store.Participate).
		var confirmedAt sql.NullString
		if err := q.queryRow(`SELECT confirmed_at FROM participations WHERE id = ?`, res.ParticipationID).
			Scan(&confirmedAt); err != nil {
			return res, err
		}
		res.ParticipationConfirmed = confirmedAt.Valid
	}
	for _, c := range store.ConsentsToRecord(p, res) {
		at := c.At
		if at.IsZero() {
			at = p.Now
		}
		if _, err := q.exec(`INSERT INTO consents (supporter_id, participation_id, key, text, given, source, at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, res.SupporterID, res.ParticipationID, c.Key, c.Text, boolInt(c.Given), c.Source,
			formatTime(at)); err != nil {
			return res, err
		}
	}
	if event, ok := store.HookOf(res); ok {
		if err := s.EnqueueHooks(coreRunner{q}, sqlcore.HookEvent{Event: event, SupporterID: res.SupporterID,
			ParticipationID: res.ParticipationID, At: p.Now}); err != nil {
			return res, err
		}
	}
	if m, ok := store.EmailOf(p, res); ok {
		return res, s.enqueuePrepared(q, &m, p.Now)
	}
	return res, nil
}

// actionToActOn reads what taking part needs to know of an action: its
// identity, kind, title and whether it is open; not its targets, tags or
// picture.
func actionToActOn(q runner, slug string) (model.Action, error) {
	var a model.Action
	var deadline sql.NullString
	err := q.queryRow(`SELECT a.id, a.slug, COALESCE(a.case_id, 0), a.lang, a.kind, a.title, a.count, a.deadline,
			a.closed, a.delivery FROM actions a WHERE a.slug = ? AND a.published_at IS NOT NULL`, slug).
		Scan(&a.ID, &a.Slug, &a.CaseID, &a.Lang, &a.Kind, &a.Title, &a.Count, &deadline, &a.Closed, &a.Delivery)
	if err != nil {
		return a, mapErr(err)
	}
	a.Deadline = parseTime(deadline)
	return a, nil
}

// findOrAddSupporterTx is sqlcore's UpsertSupporter inside a batch: a new
// supporter is inserted whole, with the id the batch hands out.
func (s *DB) findOrAddSupporterTx(q runner, b *batchState, sup model.Supporter, now time.Time) (id int64, created, confirmed bool, err error) {
	index := s.keys.BlindIndex(sup.Email)
	// Most people signing are new: try the insert first.
	if id, err = b.newID(q, "supporters", &b.nextSupporter); err != nil {
		return 0, false, false, err
	}
	at := formatTime(now)
	err = q.queryRow(`INSERT INTO supporters (id, email_index, email_sealed, name_sealed, postal_sealed,
			country, lang, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (email_index) DO NOTHING RETURNING id`,
		id, index, s.Seal(sup.Email, "supporters", "email", id), s.Seal(sup.Name, "supporters", "name", id),
		s.Seal(sup.PostalCode, "supporters", "postal", id), sup.Country, sup.Lang, at, at).Scan(&id)
	if err == nil {
		b.nextSupporter = id
		return id, true, false, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, false, false, err
	}
	return s.UpsertSupporter(coreRunner{q}, sup, now)
}

// coreRunner runs sqlcore's statements on a runner: each is compiled once.
type coreRunner struct{ q runner }

func (r coreRunner) Exec(query string, args ...any) (sql.Result, error) {
	return r.q.exec(query, args...)
}

func (r coreRunner) QueryRow(query string, args ...any) sqlcore.Row {
	return r.q.queryRow(query, args...)
}
