package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"vigil/internal/store"
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
	// Not a request's context: one supporter leaving must not undo the
	// others' participations.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		for _, r := range batch {
			r.err = err
		}
		return
	}
	b := newBatchState()
	for _, r := range batch {
		if _, err := s.execTx(ctx, tx, `SAVEPOINT participation`); err != nil {
			r.err = err
			continue
		}
		r.res, r.err = s.participateTx(ctx, tx, b, r.p, r.compose)
		if r.err != nil {
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
			if r.err == nil {
				r.err = err
			}
		}
	}
}

// failBatch gives up a whole batch whose transaction broke.
func (s *DB) failBatch(tx *sql.Tx, batch []*participateReq, err error) {
	tx.Rollback()
	for _, r := range batch {
		r.err = fmt.Errorf("batch: %w", err)
	}
}

// Participate stores a participation and what it causes, durably, through
// the group commit.
func (s *DB) Participate(ctx context.Context, p store.Participate, compose store.Compose) (store.Participated, error) {
	r := &participateReq{p: p, compose: compose, done: make(chan struct{})}
	s.batch.mu.RLock()
	if s.batch.closed {
		s.batch.mu.RUnlock()
		return store.Participated{}, errors.New("sqlite: participate: database closed")
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
		return r.res, fmt.Errorf("sqlite: participate in %q: %w", p.ActionSlug, mapErr(r.err))
	}
	return r.res, nil
}
