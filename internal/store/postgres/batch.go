package postgres

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"vigil/internal/store"
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

type participateReq struct {
	p       store.Participate
	compose store.Compose
	res     store.Participated
	err     error
	done    chan struct{}
}

type batcher struct {
	mu      sync.RWMutex // held for reading while queueing, for writing to stop
	closed  bool
	reqs    chan *participateReq
	stopped chan struct{}
}

func (s *DB) startBatcher() {
	s.batch = &batcher{reqs: make(chan *participateReq, maxBatch), stopped: make(chan struct{})}
	go s.runBatcher()
}

// stopBatcher answers what is queued, then stops.
func (s *DB) stopBatcher() {
	s.batch.mu.Lock()
	if !s.batch.closed {
		s.batch.closed = true
		close(s.batch.reqs)
	}
	s.batch.mu.Unlock()
	<-s.batch.stopped
}

func (s *DB) runBatcher() {
	defer close(s.batch.stopped)
	for first := range s.batch.reqs {
		batch := []*participateReq{first}
	gather:
		for len(batch) < maxBatch {
			select {
			case r, ok := <-s.batch.reqs:
				if !ok {
					break gather
				}
				batch = append(batch, r)
			default:
				break gather
			}
		}
		s.commitBatch(batch)
	}
}

// commitBatch writes a batch in one transaction and answers each request.
func (s *DB) commitBatch(batch []*participateReq) {
	defer func() {
		for _, r := range batch {
			close(r.done)
		}
	}()
	// The order locks are taken in; answers do not depend on it.
	ordered := make([]*participateReq, len(batch))
	copy(ordered, batch)
	sort.SliceStable(ordered, func(i, j int) bool { return ordered[i].p.ActionSlug < ordered[j].p.ActionSlug })
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
			r.res, r.err = store.Participated{}, fmt.Errorf("batch: %w", err)
		}
		return
	}
}

// tryBatch writes the batch in one transaction, setting each request's
// outcome. An error it returns is the whole batch's: nothing was committed.
func (s *DB) tryBatch(ctx context.Context, batch []*participateReq) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	for _, r := range batch {
		if _, err := tx.ExecContext(ctx, `SAVEPOINT participation`); err != nil {
			tx.Rollback()
			return err
		}
		r.res, r.err = s.participateTx(ctx, tx, r.p, r.compose)
		if r.err != nil {
			if retryable(r.err) {
				// Deadlocked against another instance's batch: the
				// locks this batch holds are part of it, so all of it
				// gives way and is written again.
				tx.Rollback()
				return r.err
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

// errClosedStore answers a participation sent after Close.
var errClosedStore = errors.New("database closed")

// Participate stores a participation and what it causes, durably, through
// the group commit.
func (s *DB) Participate(ctx context.Context, p store.Participate, compose store.Compose) (store.Participated, error) {
	r := &participateReq{p: p, compose: compose, done: make(chan struct{})}
	s.batch.mu.RLock()
	if s.batch.closed {
		s.batch.mu.RUnlock()
		return store.Participated{}, fmt.Errorf("postgres: participate: %w", errClosedStore)
	}
	select {
	case s.batch.reqs <- r:
		s.batch.mu.RUnlock()
	case <-ctx.Done():
		s.batch.mu.RUnlock()
		return store.Participated{}, ctx.Err()
	}
	// Once queued, the outcome is waited for whatever the caller's
	// context says: it may already be committed.
	<-r.done
	if r.err != nil {
		return r.res, fmt.Errorf("postgres: participate in %q: %w", p.ActionSlug, mapErr(r.err))
	}
	return r.res, nil
}
