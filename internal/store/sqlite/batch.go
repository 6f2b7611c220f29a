package sqlite

import (
	"context"
	"fmt"

	"vigil/internal/model"
	"vigil/internal/store"
	"vigil/internal/store/groupcommit"
)

// Group commit. SQLite takes one writer at a time and an fsync'd commit
// costs a fraction of a millisecond, so one goroutine owns participation
// writes: it takes every request waiting, writes them in one transaction
// (one refused participation undoes no other: see commitBatch), commits
// once, then answers each. Nobody is answered
// before the commit that holds their participation is on disk. Under light
// load a batch is one request and nothing waits; under heavy load requests
// gather while the previous commit is in flight.

// maxBatch bounds one transaction, so a commit stays short.
const maxBatch = 256

// commitBatch writes a batch in one transaction and answers each request.
// Almost every batch fails nowhere, so it is first written without
// savepoints: a savepoint makes SQLite copy each page a participation
// touches into a sub-journal first, which cost the writer a tenth of its
// time. A refusal known before anything is written (a closed or unknown
// action) needs no undoing. Any other failure undoes the whole batch, which
// is then written again with a savepoint around each participation, so
// that one refused participation does not undo the others.
func (s *DB) commitBatch(batch []*groupcommit.Request) {
	if err := s.writes.enter(context.Background()); err != nil {
		for _, r := range batch {
			r.Err = err
		}
		return
	}
	defer s.writes.leave()
	if s.writeBatch(batch, false) {
		return
	}
	s.writeBatch(batch, true)
}

// writeBatch writes the batch in one transaction on the writer's own
// connection, with a savepoint around each participation or none. Without
// savepoints, it gives up at the first participation that fails once
// something may have been written, rolls back, and reports false.
// Otherwise each request has its answer.
//
// Nothing here runs under a request's context: one supporter leaving must
// not undo the others' participations. SQLite's busy timeout bounds the
// wait for the write lock.
func (s *DB) writeBatch(batch []*groupcommit.Request, savepoints bool) bool {
	w := s.writer
	if _, err := w.exec(`BEGIN IMMEDIATE`); err != nil {
		for _, r := range batch {
			r.Err = err
		}
		return true
	}
	b := newBatchState()
	for _, r := range batch {
		r.Res, r.Err = store.Participated{}, nil
		ba, err := b.action(w, r.P.ActionSlug)
		if err == nil {
			r.Res.Action = ba.action
			if !ba.action.IsOpen(r.P.Now) {
				err = model.ErrClosed
			}
		}
		if err != nil {
			r.Err = err // refused before writing anything
			continue
		}
		if !savepoints {
			if r.Res, r.Err = s.participateTx(w, b, ba, r.P); r.Err != nil {
				s.rollback()
				return false
			}
			continue
		}
		if _, err := w.exec(`SAVEPOINT participation`); err != nil {
			r.Err = err
			continue
		}
		r.Res, r.Err = s.participateTx(w, b, ba, r.P)
		if r.Err != nil {
			if _, err := w.exec(`ROLLBACK TO participation`); err != nil {
				s.failBatch(batch, err)
				return true
			}
		}
		if _, err := w.exec(`RELEASE participation`); err != nil {
			s.failBatch(batch, err)
			return true
		}
	}
	if _, err := w.exec(`COMMIT`); err != nil {
		s.rollback()
		for _, r := range batch {
			if r.Err == nil {
				r.Err = err
			}
		}
	}
	return true
}

// rollback ends the writer's transaction. SQLite ends it by itself on
// some errors; the ROLLBACK then fails harmlessly.
func (s *DB) rollback() { s.writer.exec(`ROLLBACK`) }

// failBatch gives up a whole batch whose transaction broke.
func (s *DB) failBatch(batch []*groupcommit.Request, err error) {
	s.rollback()
	for _, r := range batch {
		r.Err = fmt.Errorf("batch: %w", err)
	}
}

// Participate stores a participation and what it causes, durably, through
// the group commit.
func (s *DB) Participate(ctx context.Context, p store.Participate) (store.Participated, error) {
	res, err := s.batch.Submit(ctx, p)
	if err != nil {
		return res, fmt.Errorf("sqlite: participate in %q: %w", p.ActionSlug, mapErr(err))
	}
	return res, nil
}
