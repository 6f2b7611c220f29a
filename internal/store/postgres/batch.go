package postgres

import (
	"context"
	"fmt"
	"sort"
	"time"

	"vigil/internal/store"
	"vigil/internal/store/groupcommit"
)

// Group commit, as the SQLite adapter does it. Every participation in an
// action updates that action's count, so its row stays locked until the
// commit is on disk: one participation per transaction would let one
// action take only as many participations a second as the server makes
// commits durable. So one goroutine per process owns participation writes:
// it takes every request waiting, writes them in one transaction (each
// behind its own savepoint, so one refused participation does not undo the
// others), commits once, then answers each. Nobody is answered before the
// commit that holds their participation is on disk.
//
// Several instances each run their own batches at once. A batch handles
// its requests action by action (in slug order, arrival order kept within
// an action), so two batches lock actions in the same order; should they
// still deadlock (over one supporter acting on two actions in two
// instances at the same moment), PostgreSQL aborts one, and that batch is
// written again from the start.

// maxBatch bounds one transaction, so a commit stays short.
const maxBatch = 256

// commitBatch writes a batch in one transaction and answers each request.
func (s *DB) commitBatch(batch []*groupcommit.Request) {
	// The order locks are taken in; answers do not depend on it.
	ordered := make([]*groupcommit.Request, len(batch))
	copy(ordered, batch)
	sort.SliceStable(ordered, func(i, j int) bool { return ordered[i].P.ActionSlug < ordered[j].P.ActionSlug })
	// Not a request's context: one supporter leaving must not undo the
	// others' participations.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for attempt := 1; ; attempt++ {
		err := s.tryBatch(ctx, ordered)
		if err == nil {
			return
		}
		if attempt < maxAttempts && retryable(err) && ctx.Err() == nil {
			continue
		}
		for _, r := range batch {
			r.Res, r.Err = store.Participated{}, fmt.Errorf("batch: %w", err)
		}
		return
	}
}

// tryBatch writes the batch in one transaction, setting each request's
// outcome. An error it returns is the whole batch's: nothing was committed.
func (s *DB) tryBatch(ctx context.Context, batch []*groupcommit.Request) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	for _, r := range batch {
		if _, err := tx.ExecContext(ctx, `SAVEPOINT participation`); err != nil {
			tx.Rollback()
			return err
		}
		r.Res, r.Err = s.participateTx(ctx, tx, r.P, r.Compose)
		if r.Err != nil {
			if retryable(r.Err) {
				// Deadlocked against another instance's batch: the
				// locks this batch holds are part of it, so all of it
				// gives way and is written again.
				tx.Rollback()
				return r.Err
			}
			if _, err := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT participation`); err != nil {
				tx.Rollback()
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `RELEASE SAVEPOINT participation`); err != nil {
			tx.Rollback()
			return err
		}
	}
	return tx.Commit()
}

// Participate stores a participation and what it causes, durably, through
// the group commit.
func (s *DB) Participate(ctx context.Context, p store.Participate, compose store.Compose) (store.Participated, error) {
	res, err := s.batch.Submit(ctx, p, compose)
	if err != nil {
		return res, fmt.Errorf("postgres: participate in %q: %w", p.ActionSlug, mapErr(err))
	}
	return res, nil
}
