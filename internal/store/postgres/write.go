package postgres

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"vigil/internal/model"
	"vigil/internal/store"
	"vigil/internal/store/groupcommit"
)

// The signature's write path on PostgreSQL. Each statement is a round trip
// to the server, and one goroutine writes every batch (see batch.go), so a
// batch is written in a fixed number of statements, whatever its size:
// each step reads or writes the rows of all its participations at once,
// passing them as arrays (unnest). A batch of one costs what a batch of
// 256 does in round trips. The steps, in the order locks are taken:
//
//  1. the actions acted on, locked FOR SHARE: a close or a confirmation
//     (which counts) waits for the batch, and the batch sees each action
//     as it stands; participations in several instances share them;
//  2. the supporters, found by the blind index of their email and locked,
//     the new ones inserted;
//  3. the participations, once per supporter and action;
//  4. what was typed: the supporters' details, the sealed letters, the
//     consents as shown;
//  5. the emails the participations cause, in the outbox.
//
// A participation refused before anything is written (unknown or closed
// action) is answered and left out. A failure of a statement is the whole
// batch's: commitBatch writes its halves apart, down to the participation
// that fails, so that one bad participation undoes no other.

// batchWrite is one attempt at writing a batch.
type batchWrite struct {
	s    *DB
	ctx  context.Context
	tx   *sql.Tx
	reqs []*groupcommit.Request // in lock order; a request with Err set is left out

	supporters map[string]*batchSupporter // by blind index

	// ids taken for the new supporters and for each participation, in
	// order (see newIDs)
	supporterIDs, participationIDs []int64
}

// batchSupporter is one supporter of the batch.
type batchSupporter struct {
	id        int64
	index     []byte
	inserted  bool // by this batch
	confirmed bool
	typed     typedDetails // what the batch's requests typed
	created   time.Time    // the first request's time
	last      time.Time    // the last request's time
}

// live calls fn for each request still to be written.
func (w *batchWrite) live(fn func(r *groupcommit.Request)) {
	for _, r := range w.reqs {
		if r.Err == nil {
			fn(r)
		}
	}
}

// tryBatch writes the batch in one transaction, setting each request's
// outcome. An error it returns is the whole batch's: nothing was committed.
func (s *DB) tryBatch(ctx context.Context, batch []*groupcommit.Request) error {
	for _, r := range batch {
		r.Res, r.Err = store.Participated{}, nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	w := &batchWrite{s: s, ctx: ctx, tx: tx, reqs: batch}
	for _, step := range []func() error{w.actions, w.findSupporters, w.participations, w.details, w.outbox} {
		if err := step(); err != nil {
			tx.Rollback()
			return err
		}
	}
	return tx.Commit()
}

// actions locks the actions acted on and answers a request for an unknown
// or closed one. What a participation is told of its action is what taking
// part needs: identity, kind, title, count and state; not its targets,
// tags or picture.
func (w *batchWrite) actions() error {
	var slugs []string
	seen := map[string]bool{}
	for _, r := range w.reqs {
		if !seen[r.P.ActionSlug] {
			seen[r.P.ActionSlug] = true
			slugs = append(slugs, r.P.ActionSlug)
		}
	}
	rows, err := w.tx.QueryContext(w.ctx, `SELECT id, slug, COALESCE(case_id, 0), lang, kind, title, count, deadline,
			closed, delivery FROM actions WHERE slug = ANY($1::text[]) AND published_at IS NOT NULL ORDER BY id FOR SHARE`, slugs)
	if err != nil {
		return err
	}
	defer rows.Close()
	bySlug := map[string]model.Action{}
	for rows.Next() {
		var a model.Action
		var deadline sql.NullTime
		if err := rows.Scan(&a.ID, &a.Slug, &a.CaseID, &a.Lang, &a.Kind, &a.Title, &a.Count, &deadline, &a.Closed,
			&a.Delivery); err != nil {
			return err
		}
		a.Deadline = fromNull(deadline)
		bySlug[a.Slug] = a
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, r := range w.reqs {
		a, ok := bySlug[r.P.ActionSlug]
		switch {
		case !ok:
			r.Err = model.ErrNotFound
		case !a.IsOpen(r.P.Now):
			r.Res.Action, r.Err = a, model.ErrClosed
		default:
			r.Res.Action, r.Res.Count = a, a.Count
		}
	}
	return nil
}

// findSupporters finds each supporter by the blind index of their email,
// locking their row until the batch commits (a purge or a removal cannot
// delete them under the participation being added; a confirmation is seen
// whole or not at all), and inserts the new ones whole. Two first sign-ups
// with one email in two instances at once give one supporter: the insert
// waits for the other and then finds it.
func (w *batchWrite) findSupporters() error {
	w.supporters = map[string]*batchSupporter{}
	var indexes [][]byte
	w.live(func(r *groupcommit.Request) {
		index := w.s.keys.BlindIndex(r.P.Supporter.Email)
		bs := w.supporters[string(index)]
		if bs == nil {
			bs = &batchSupporter{index: index, typed: typedDetails{country: r.P.Supporter.Country}}
			w.supporters[string(index)] = bs
			indexes = append(indexes, index)
		}
		bs.typed.add(r.P.Supporter)
		if bs.created.IsZero() {
			bs.created = r.P.Now
		}
		bs.last = r.P.Now
	})
	if len(indexes) == 0 {
		return nil
	}
	slices.SortFunc(indexes, bytes.Compare)
	if err := w.lockSupporters(indexes); err != nil {
		return err
	}
	var fresh []*batchSupporter
	for _, index := range indexes {
		if bs := w.supporters[string(index)]; bs.id == 0 {
			fresh = append(fresh, bs)
		}
	}
	if err := w.newIDs(len(fresh)); err != nil {
		return err
	}
	if len(fresh) > 0 {
		var ids []int64
		var idx, email, name, postal [][]byte
		var country, lang []string
		var created []time.Time
		for i, bs := range fresh {
			id := w.supporterIDs[i]
			t := bs.typed
			ids, idx = append(ids, id), append(idx, bs.index)
			email = append(email, w.s.sealBytes(t.email, "supporters", "email", id))
			name = append(name, w.s.sealBytes(t.name, "supporters", "name", id))
			postal = append(postal, w.s.sealBytes(t.postal, "supporters", "postal", id))
			country, lang = append(country, cleanText(t.country)), append(lang, cleanText(t.lang))
			created = append(created, instant(bs.created))
		}
		rows, err := w.tx.QueryContext(w.ctx, `INSERT INTO supporters (id, email_index, email_sealed, name_sealed,
				postal_sealed, country, lang, created_at, updated_at) OVERRIDING SYSTEM VALUE
			SELECT *, created_at FROM unnest($1::bigint[], $2::bytea[], $3::bytea[], $4::bytea[], $5::bytea[], $6::text[],
				$7::text[], $8::timestamptz[]) AS u(id, email_index, email_sealed, name_sealed, postal_sealed, country, lang, created_at)
			ON CONFLICT (email_index) DO NOTHING RETURNING id, email_index, false`, ids, idx, email, name, postal, country, lang, created)
		if err := w.scanSupporters(rows, err, true); err != nil {
			return err
		}
		// Inserted by another transaction since: find them now.
		var since [][]byte
		for _, bs := range fresh {
			if !bs.inserted {
				since = append(since, bs.index)
			}
		}
		if len(since) > 0 {
			if err := w.lockSupporters(since); err != nil {
				return err
			}
		}
	}
	for _, index := range indexes {
		if w.supporters[string(index)].id == 0 {
			return errors.New("supporter neither found nor added")
		}
	}
	// Each supporter is new to the first of their requests only.
	seen := map[int64]bool{}
	w.live(func(r *groupcommit.Request) {
		bs := w.supporters[string(w.s.keys.BlindIndex(r.P.Supporter.Email))]
		r.Res.SupporterID, r.Res.Confirmed = bs.id, bs.confirmed
		r.Res.NewSupporter = bs.inserted && !seen[bs.id]
		seen[bs.id] = true
	})
	return nil
}

// typedDetails is what the requests of a batch typed for one supporter,
// the later request's winning as it would had each been written alone: a
// supporter correcting a typo expects it to stick.
type typedDetails struct {
	email, lang, name string
	postal, country   string
	place             bool // a postal code or a country was given
}

func (t *typedDetails) add(sup model.Supporter) {
	t.email, t.lang = sup.Email, sup.Lang
	// A newsletter sign-up may give only an email: keep what we have.
	if sup.Name != "" {
		t.name = sup.Name
	}
	if sup.PostalCode != "" || sup.Country != "" {
		t.postal, t.country, t.place = sup.PostalCode, sup.Country, true
	}
}

// lockSupporters finds and locks the supporters of the given indexes, in
// the order of the indexes, which findSupporters sorts, so that two batches
// lock rows in the same order.
func (w *batchWrite) lockSupporters(indexes [][]byte) error {
	// Each index is looked up on its own (LATERAL, LIMIT 1): the plan
	// PostgreSQL keeps for the statement may have been made when the table
	// was empty, and a join it could choose freely then scans the whole
	// table once the table is large.
	rows, err := w.tx.QueryContext(w.ctx, `SELECT s.id, s.email_index, s.confirmed FROM unnest($1::bytea[]) WITH ORDINALITY AS u(email_index, n)
		JOIN LATERAL (SELECT id, email_index, confirmed_at IS NOT NULL AS confirmed FROM supporters
			WHERE email_index = u.email_index LIMIT 1 FOR NO KEY UPDATE) s ON true ORDER BY u.n`, indexes)
	return w.scanSupporters(rows, err, false)
}

// scanSupporters reads rows of (id, email index, confirmed) into the
// batch's supporters, inserted by this batch or found.
func (w *batchWrite) scanSupporters(rows *sql.Rows, err error, inserted bool) error {
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var index []byte
		var confirmed bool
		if err := rows.Scan(&id, &index, &confirmed); err != nil {
			return err
		}
		bs := w.supporters[string(index)]
		bs.id, bs.confirmed, bs.inserted = id, confirmed, inserted
	}
	return rows.Err()
}

// newIDs takes, in one statement, ids for the batch's new supporters and
// for each of its participations: what is sealed is bound to its row's
// id, so rows are inserted whole with the ids they will have. (An id taken
// for a participation that turns out to be a repeat is never used.)
func (w *batchWrite) newIDs(supporters int) error {
	participations := 0
	w.live(func(*groupcommit.Request) { participations++ })
	rows, err := w.tx.QueryContext(w.ctx, `SELECT
			CASE WHEN g <= $1::int THEN nextval(pg_get_serial_sequence('supporters', 'id')) END,
			CASE WHEN g <= $2::int THEN nextval(pg_get_serial_sequence('participations', 'id')) END
		FROM generate_series(1, GREATEST($1::int, $2::int)) AS g ORDER BY g`, supporters, participations)
	if err != nil {
		return err
	}
	defer rows.Close()
	w.supporterIDs, w.participationIDs = w.supporterIDs[:0], w.participationIDs[:0]
	for rows.Next() {
		var s, p sql.NullInt64
		if err := rows.Scan(&s, &p); err != nil {
			return err
		}
		if s.Valid {
			w.supporterIDs = append(w.supporterIDs, s.Int64)
		}
		if p.Valid {
			w.participationIDs = append(w.participationIDs, p.Int64)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(w.supporterIDs) != supporters || len(w.participationIDs) != participations {
		return errors.New("ids: the sequences gave fewer than asked")
	}
	return nil
}

// participationKey is a participation's identity: one per supporter and
// action.
type participationKey struct{ supporter, action int64 }

// participations inserts each participation once per supporter and
// action, with its sealed subject, letter and comment. A repeat, earlier
// or in the same batch, is what was stored the first time, with its
// confirmation if it has one. A participation waits for its confirmation
// from the mailbox before it counts (see ConfirmParticipation).
func (w *batchWrite) participations() error {
	s := w.s
	var ids, supporter, action, fill []int64
	var created []time.Time
	var referrer, share, agent []string
	var ipHash, subject, letter, comment [][]byte
	w.live(func(r *groupcommit.Request) {
		p, id := r.P.Participation, w.participationIDs[len(ids)]
		ids, supporter, action = append(ids, id), append(supporter, r.Res.SupporterID), append(action, r.Res.Action.ID)
		created = append(created, instant(r.P.Now))
		subject = append(subject, s.sealBytes(p.Subject, "participations", "subject", id))
		letter = append(letter, s.sealBytes(p.Letter, "participations", "letter", id))
		comment = append(comment, s.sealBytes(p.Comment, "participations", "comment", id))
		referrer, share = append(referrer, cleanText(p.Referrer)), append(share, cleanText(p.ShareCode))
		ipHash, agent = append(ipHash, p.IPHash), append(agent, cleanText(p.AgentClass))
		fill = append(fill, int64(p.FillMillis))
	})
	if len(ids) == 0 {
		return nil
	}
	added := map[participationKey]int64{}
	rows, err := w.tx.QueryContext(w.ctx, `INSERT INTO participations (id, supporter_id, action_id, created_at,
			subject_sealed, letter_sealed, comment_sealed, referrer, share_code, ip_hash, agent_class, fill_ms)
			OVERRIDING SYSTEM VALUE
		SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::timestamptz[], $5::bytea[], $6::bytea[],
			$7::bytea[], $8::text[], $9::text[], $10::bytea[], $11::text[], $12::int[])
		ON CONFLICT (supporter_id, action_id) DO NOTHING RETURNING id, supporter_id, action_id`,
		ids, supporter, action, created, subject, letter, comment, referrer, share, ipHash, agent, fill)
	if err != nil {
		return err
	}
	if err := scanParticipations(rows, func(k participationKey, id int64, _ bool) { added[k] = id }); err != nil {
		return err
	}
	// Repeats of participations stored before this batch.
	type stored struct {
		id        int64
		confirmed bool
	}
	before := map[participationKey]stored{}
	var repeatS, repeatA []int64
	for i := range supporter {
		k := participationKey{supporter[i], action[i]}
		if _, ok := added[k]; !ok {
			repeatS, repeatA = append(repeatS, k.supporter), append(repeatA, k.action)
		}
	}
	if len(repeatS) > 0 {
		rows, err := w.tx.QueryContext(w.ctx, `SELECT p.id, p.supporter_id, p.action_id, p.confirmed
			FROM unnest($1::bigint[], $2::bigint[]) AS u(supporter_id, action_id)
			JOIN LATERAL (SELECT id, supporter_id, action_id, confirmed_at IS NOT NULL AS confirmed FROM participations
				WHERE supporter_id = u.supporter_id AND action_id = u.action_id LIMIT 1) p ON true`, repeatS, repeatA)
		if err != nil {
			return err
		}
		if err := scanParticipations(rows, func(k participationKey, id int64, confirmed bool) {
			before[k] = stored{id, confirmed}
		}); err != nil {
			return err
		}
	}
	firstSeen := map[participationKey]bool{}
	var missing error
	w.live(func(r *groupcommit.Request) {
		k := participationKey{r.Res.SupporterID, r.Res.Action.ID}
		if id, ok := added[k]; ok {
			r.Res.ParticipationID, r.Res.Duplicate = id, firstSeen[k]
			firstSeen[k] = true
			return
		}
		st, ok := before[k]
		if !ok {
			missing = fmt.Errorf("participation of supporter %d in action %d neither added nor found", k.supporter, k.action)
			return
		}
		r.Res.ParticipationID, r.Res.Duplicate, r.Res.ParticipationConfirmed = st.id, true, st.confirmed
	})
	return missing
}

func scanParticipations(rows *sql.Rows, fn func(k participationKey, id int64, confirmed bool)) error {
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		var k participationKey
		var confirmed bool
		dest := []any{&id, &k.supporter, &k.action, &confirmed}
		if err := rows.Scan(dest[:len(cols)]...); err != nil {
			return err
		}
		fn(k, id, confirmed)
	}
	return rows.Err()
}

// details stores what was typed for a supporter known before the batch
// (a new one was inserted whole), unless they confirmed their address:
// a confirmed supporter's details change only through their own mailbox,
// not because someone typed their address. Then the consents given with
// each new participation, as shown (see store.ConsentsToRecord).
func (w *batchWrite) details() error {
	var ids []int64
	var email, name, postal [][]byte
	var lang, country []string
	var place []bool
	var when []time.Time
	for _, bs := range w.supporters {
		if bs.inserted || bs.confirmed || bs.id == 0 {
			continue
		}
		t, id := bs.typed, bs.id
		ids = append(ids, id)
		email = append(email, w.s.sealBytes(t.email, "supporters", "email", id))
		name = append(name, w.s.sealBytes(t.name, "supporters", "name", id))
		postal = append(postal, w.s.sealBytes(t.postal, "supporters", "postal", id))
		lang, country, place = append(lang, cleanText(t.lang)), append(country, cleanText(t.country)), append(place, t.place)
		when = append(when, instant(bs.last))
	}
	if len(ids) > 0 {
		if _, err := w.tx.ExecContext(w.ctx, `UPDATE supporters s SET email_sealed = u.email, lang = u.lang,
				name_sealed = COALESCE(u.name, s.name_sealed),
				postal_sealed = CASE WHEN u.place THEN u.postal ELSE s.postal_sealed END,
				country = CASE WHEN u.place THEN u.country ELSE s.country END, updated_at = u.at
			FROM unnest($1::bigint[], $2::bytea[], $3::text[], $4::bytea[], $5::bytea[], $6::text[], $7::bool[],
				$8::timestamptz[]) AS u(id, email, lang, name, postal, country, place, at)
			WHERE s.id = u.id`, ids, email, lang, name, postal, country, place, when); err != nil {
			return err
		}
	}

	var cSup, cPart []int64
	var cKey, cText, cSource []string
	var cGiven []bool
	var cAt []time.Time
	w.live(func(r *groupcommit.Request) {
		for _, c := range store.ConsentsToRecord(r.P, r.Res) {
			at := c.At
			if at.IsZero() {
				at = r.P.Now
			}
			cSup, cPart = append(cSup, r.Res.SupporterID), append(cPart, r.Res.ParticipationID)
			cKey, cText, cSource = append(cKey, cleanText(c.Key)), append(cText, cleanText(c.Text)), append(cSource, cleanText(c.Source))
			cGiven, cAt = append(cGiven, c.Given), append(cAt, instant(at))
		}
	})
	if len(cSup) > 0 {
		if _, err := w.tx.ExecContext(w.ctx, `INSERT INTO consents (supporter_id, participation_id, key, text, given, source, at)
			SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::bool[], $6::text[], $7::timestamptz[])`,
			cSup, cPart, cKey, cText, cGiven, cSource, cAt); err != nil {
			return err
		}
	}
	return nil
}

// outbox writes the email each participation causes (store.EmailOf), once
// the ids are known; nobody reads the rows' ids back. An email that cannot
// be written (its Message-ID taken, or no language) fails the batch, which
// commitBatch then writes apart down to that one participation.
func (w *batchWrite) outbox() error {
	var msgs []model.OutboxMessage
	var prepareErr error
	w.live(func(r *groupcommit.Request) {
		m, ok := store.EmailOf(r.P, r.Res)
		if !ok || prepareErr != nil {
			return
		}
		if prepareErr = m.Prepare(r.P.Now); prepareErr == nil {
			msgs = append(msgs, m)
		}
	})
	if prepareErr != nil {
		return prepareErr
	}
	hooks := w.hookEvents()
	if len(msgs) == 0 {
		if len(hooks.event) == 0 {
			return nil
		}
		_, err := w.tx.ExecContext(w.ctx, insertHooks(1)+` SELECT 1`, hooks.event, hooks.supporter, hooks.participation, hooks.at)
		return err
	}
	var messageID, kind, state, lastError, lang []string
	var sealed [][]byte
	var supporter, participation, target []*int64
	var attempts []int64
	var next, created []time.Time
	var lease, sent []*time.Time
	for _, m := range msgs {
		messageID, kind, state = append(messageID, m.MessageID), append(kind, m.Kind), append(state, string(m.State))
		sealed = append(sealed, m.Sealed)
		supporter, participation, target = append(supporter, nullable(m.SupporterID)), append(participation, nullable(m.ParticipationID)),
			append(target, nullable(m.TargetID))
		attempts = append(attempts, int64(m.Attempts))
		next, created = append(next, instant(m.NextAttemptAt)), append(created, instant(m.CreatedAt))
		lease, sent = append(lease, nullableTime(m.LeaseUntil)), append(sent, nullableTime(m.SentAt))
		lastError, lang = append(lastError, cleanText(m.LastError)), append(lang, m.Lang)
	}
	// The webhook deliveries ride in the same statement, so that they
	// cost the batch no round trip of their own.
	_, err := w.tx.ExecContext(w.ctx, insertHooks(15)+` INSERT INTO outbox (message_id, kind,
			state, sealed, supporter_id, participation_id, target_id, attempts, next_attempt_at, lease_until,
			last_error, created_at, sent_at, lang)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[], $5::bigint[], $6::bigint[], $7::bigint[],
			$8::int[], $9::timestamptz[], $10::timestamptz[], $11::text[], $12::timestamptz[], $13::timestamptz[], $14::text[])`,
		messageID, kind, state, sealed, supporter, participation, target, attempts, next, lease, lastError, created, sent, lang,
		hooks.event, hooks.supporter, hooks.participation, hooks.at)
	return err
}

// batchHooks are the webhook events of a batch's new participations
// (store.HookOf), as arrays.
type batchHooks struct {
	event                    []string
	supporter, participation []int64
	at                       []time.Time
}

func (w *batchWrite) hookEvents() batchHooks {
	var h batchHooks
	w.live(func(r *groupcommit.Request) {
		if e, ok := store.HookOf(r.Res); ok {
			h.event, h.supporter, h.participation = append(h.event, e), append(h.supporter, r.Res.SupporterID),
				append(h.participation, r.Res.ParticipationID)
			h.at = append(h.at, instant(r.P.Now))
		}
	})
	return h
}

// insertHooks queues, for every webhook receiver that wants it, each
// event of the arrays $n to $n+3 (event, supporter, participation,
// time): nothing when there is no receiver. It is a WITH clause: a
// statement follows it.
func insertHooks(n int) string {
	return fmt.Sprintf(`WITH hooks AS (INSERT INTO webhook_deliveries (webhook_id, event, supporter_id, participation_id,
		state, next_attempt_at, created_at)
	SELECT wh.id, u.event, u.supporter_id, u.participation_id, 'queued', u.at, u.at
	FROM unnest($%d::text[], $%d::bigint[], $%d::bigint[], $%d::timestamptz[]) AS u(event, supporter_id, participation_id, at)
	JOIN webhooks wh ON wh.removed_at IS NULL AND (wh.events = '' OR strpos(',' || wh.events || ',', ',' || u.event || ',') > 0))`,
		n, n+1, n+2, n+3)
}

func nullable(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func nullableTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = instant(t)
	return &t
}

// sealBytes is seal for a column written from an array: NULL is a nil
// element.
func (s *DB) sealBytes(value, table, column string, id int64) []byte {
	if v, ok := s.seal(value, table, column, id).([]byte); ok {
		return v
	}
	return nil
}
