// Package groupcommit is the queue in front of a store's participation
// writes. One goroutine owns the writes: it takes every request waiting
// (up to a bound), hands them to the adapter to write in one transaction,
// then answers each. Nobody is answered before the commit that holds their
// participation; under light load a batch is one request and nothing waits,
// under heavy load requests gather while the previous commit is in flight.
// How a batch is written is the adapter's business.
package groupcommit

import (
	"context"
	"errors"
	"sync"

	"vigil/internal/store"
)

// ErrClosed answers a participation sent after Stop.
var ErrClosed = errors.New("database closed")

// Request is one participation waiting for its batch. The adapter's commit
// function sets Res and Err.
type Request struct {
	P    store.Participate
	Res  store.Participated
	Err  error
	done chan struct{}
}

// Queue gathers requests into batches.
type Queue struct {
	mu      sync.RWMutex // held for reading while queueing, for writing to stop
	closed  bool
	reqs    chan *Request
	stopped chan struct{}
}

// Start runs commit for each batch of at most max waiting requests, one
// batch at a time, until Stop.
func Start(max int, commit func([]*Request)) *Queue {
	q := &Queue{reqs: make(chan *Request, max), stopped: make(chan struct{})}
	go func() {
		defer close(q.stopped)
		for first := range q.reqs {
			batch := []*Request{first}
		gather:
			for len(batch) < max {
				select {
				case r, ok := <-q.reqs:
					if !ok {
						break gather
					}
					batch = append(batch, r)
				default:
					break gather
				}
			}
			commit(batch)
			for _, r := range batch {
				close(r.done)
			}
		}
	}()
	return q
}

// Submit queues a participation and waits for the commit that holds it.
// Once queued, the outcome is waited for whatever ctx says: it may already
// be committed.
func (q *Queue) Submit(ctx context.Context, p store.Participate) (store.Participated, error) {
	r := &Request{P: p, done: make(chan struct{})}
	q.mu.RLock()
	if q.closed {
		q.mu.RUnlock()
		return store.Participated{}, ErrClosed
	}
	select {
	case q.reqs <- r:
		q.mu.RUnlock()
	case <-ctx.Done():
		q.mu.RUnlock()
		return store.Participated{}, ctx.Err()
	}
	<-r.done
	return r.Res, r.Err
}

// Stop answers what is queued, then stops. It may be called more than once.
func (q *Queue) Stop() {
	q.mu.Lock()
	if !q.closed {
		q.closed = true
		close(q.reqs)
	}
	q.mu.Unlock()
	<-q.stopped
}
