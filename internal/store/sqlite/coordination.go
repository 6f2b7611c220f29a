package sqlite

import (
	"context"
	"sync"

	"vigil/internal/store"
)

// One SQLite database serves one process, so coordination is in-process:
// announcements go to this process's listeners, and exclusive jobs are
// guarded by a lock per name.

type coordination struct {
	mu        sync.Mutex
	listeners map[int]func(store.Change)
	next      int
	jobs      sync.Map // name -> *sync.Mutex
}

// Announce tells this process's listeners of a change.
func (s *DB) Announce(_ context.Context, c store.Change) error {
	s.coord.mu.Lock()
	fns := make([]func(store.Change), 0, len(s.coord.listeners))
	for _, fn := range s.coord.listeners {
		fns = append(fns, fn)
	}
	s.coord.mu.Unlock()
	for _, fn := range fns {
		fn(c)
	}
	return nil
}

// Listen calls fn for every announcement until ctx ends.
func (s *DB) Listen(ctx context.Context, fn func(store.Change)) error {
	s.coord.mu.Lock()
	if s.coord.listeners == nil {
		s.coord.listeners = map[int]func(store.Change){}
	}
	id := s.coord.next
	s.coord.next++
	s.coord.listeners[id] = fn
	s.coord.mu.Unlock()
	<-ctx.Done()
	s.coord.mu.Lock()
	delete(s.coord.listeners, id)
	s.coord.mu.Unlock()
	return nil
}

// Exclusive runs fn unless the job is already running in this process.
func (s *DB) Exclusive(ctx context.Context, name string, fn func(context.Context) error) (bool, error) {
	m, _ := s.coord.jobs.LoadOrStore(name, &sync.Mutex{})
	mu := m.(*sync.Mutex)
	if !mu.TryLock() {
		return false, nil
	}
	defer mu.Unlock()
	return true, fn(ctx)
}
