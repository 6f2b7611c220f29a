package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"vigil/internal/store"
	"vigil/internal/store/groupcommit"
)

// Group commit. SQLite takes one writer at a time and an fsync'd commit
// costs a fraction of a millisecond, so one goroutine owns participation
// writes: it takes every request waiting, writes them in one transaction
// (each behind its own savepoint, so one refused participation does not
// undo the others), commits once, then answers each. Nobody is answered
// before the commit that holds their participation is on disk. Under light
// load a batch is one request and nothing waits; under heavy load requests
// gather while the previous commit is in flight.

// maxBatch bounds one transaction, so a commit stays short.
const maxBatch = 256

// commitBatch writes a batch in one transaction and answers each request.
func (s *DB) commitBatch(batch []*groupcommit.Request) {
	// Not a request's context: one supporter leaving must not undo the
	// others' participations.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		for _, r := range batch {
			r.Err = err
		}
		return
	}
	b := newBatchState()
	for _, r := range batch {
		if _, err := s.execTx(ctx, tx, `SAVEPOINT participation`); err != nil {
			r.Err = err
			continue
		}
		r.Res, r.Err = s.participateTx(ctx, tx, b, r.P, r.Compose)
		if r.Err != nil {
			if _, err := s.execTx(ctx, tx, `ROLLBACK TO participation`); err != nil {
				s.failBatch(tx, batch, err)
				return
			}
		}
		if _, err := s.execTx(ctx, tx, `RELEASE participation`); err != nil {
			s.failBatch(tx, batch, err)
			return
		}
	}
	if err := b.writeCounts(ctx, s, tx); err != nil {
		s.failBatch(tx, batch, err)
		return
	}
	if err := tx.Commit(); err != nil {
		for _, r := range batch {
			if r.Err == nil {
				r.Err = err
			}
		}
	}
}

// failBatch gives up a whole batch whose transaction broke.
func (s *DB) failBatch(tx *sql.Tx, batch []*groupcommit.Request, err error) {
	tx.Rollback()
	for _, r := range batch {
		r.Err = fmt.Errorf("batch: %w", err)
	}
}

// Participate stores a participation and what it causes, durably, through
// the group commit.
func (s *DB) Participate(ctx context.Context, p store.Participate, compose store.Compose) (store.Participated, error) {
	res, err := s.batch.Submit(ctx, p, compose)
	if err != nil {
		return res, fmt.Errorf("sqlite: participate in %q: %w", p.ActionSlug, mapErr(err))
	}
	return res, nil
}
