package sqlite

import (
	"context"
	"errors"
	"time"
)

// busyTimeout is how long a write waits for SQLite's write lock, in this
// process (writeGate) and from another one (the busy_timeout pragma).
const busyTimeout = 5 * time.Second

// errWritesBusy answers a write that waited busyTimeout for the others of
// this process, as SQLite's busy timeout would.
var errWritesBusy = errors.New("sqlite: another write of this process held the database for too long")

// writeGate lets one write transaction of this process at a time go for
// SQLite's write lock. SQLite admits one writer; one that finds the lock
// taken sleeps in its busy handler, 1, 2, 5, 10… ms between tries, and a
// writer that comes straight back for more (holding emails, a few hundred
// per transaction) takes the lock again before the sleeper wakes: under a
// wave of signatures, a group commit waited behind it many times longer
// than its own work takes (see BENCHMARKS.md, "Write gate"). Waiting
// here, writers get the lock in the order they asked, as soon as it is
// free. Other processes (vigil copy, a second instance during a restart)
// still meet the busy timeout.
type writeGate chan struct{}

func newWriteGate() writeGate { return make(writeGate, 1) }

// enter waits for the other writes of this process, up to busyTimeout or
// the end of ctx.
func (g writeGate) enter(ctx context.Context) error {
	select {
	case g <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(busyTimeout)
	defer t.Stop()
	select {
	case g <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return errWritesBusy
	}
}

// leave lets the next write in.
func (g writeGate) leave() { <-g }
