package postgres

import (
	"context"
	"fmt"
	"time"

	"vigil/internal/store"
	"vigil/internal/store/groupcommit"
)

// Group commit, as the SQLite adapter does it. One goroutine per process
// owns participation writes: it takes every request waiting, writes them in
// one transaction (see write.go), commits once, then answers each. Nobody
// is answered before the commit that holds their participation is on disk.
//
// Several instances each run their own batches at once. A batch takes its
// locks in one order (actions by id, then supporters by email index), so two
// batches rarely wait on each other in a circle; should they still
// deadlock (over one supporter acting in two instances at the same
// moment), PostgreSQL aborts one, and that batch is written again from the
// start.

// maxBatch bounds one transaction, so a commit stays short.
const maxBatch = 256

// commitBatch writes a batch and answers each request. A statement that
// fails (over one participation's data: an email whose Message-ID is
// taken, say) fails the whole batch: its halves are then written apart,
// and so on down to the one participation that fails, which alone gets
// the error; the others are written as if it had never come.
func (s *DB) commitBatch(batch []*groupcommit.Request) {
	// Not a request's context: one supporter leaving must not undo the
	// others' participations.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s.writeBatch(ctx, batch)
}

func (s *DB) writeBatch(ctx context.Context, batch []*groupcommit.Request) {
	for attempt := 1; ; attempt++ {
		err := s.tryBatch(ctx, batch)
		if err == nil {
			return
		}
		switch {
		case retryable(err) && attempt < maxAttempts && ctx.Err() == nil:
			// Deadlocked against another instance's batch: written again.
		case len(batch) > 1 && ctx.Err() == nil:
			half := len(batch) / 2
			s.writeBatch(ctx, batch[:half])
			s.writeBatch(ctx, batch[half:])
			return
		default:
			for _, r := range batch {
				r.Res, r.Err = store.Participated{}, fmt.Errorf("batch: %w", err)
			}
			return
		}
	}
}

// Participate stores a participation and what it causes, durably, through
// the group commit.
func (s *DB) Participate(ctx context.Context, p store.Participate) (store.Participated, error) {
	res, err := s.batch.Submit(ctx, p)
	if err != nil {
		return res, fmt.Errorf("postgres: participate in %q: %w", p.ActionSlug, mapErr(err))
	}
	return res, nil
}
