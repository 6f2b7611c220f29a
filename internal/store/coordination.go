package store

import "context"

// Change is what a change affected, for page caches.
type Change string

// Changes that caches care about.
const (
	ContentChanged Change = "content" // what pages show, other than counts
	CountsChanged  Change = "counts"  // public counts only
)

// Coordination lets several Vigil instances on one database act as one:
// caches hear of each other's changes, and a job that must run once runs
// in one instance at a time. On SQLite (one process) both are in-process.
type Coordination interface {
	// Announce tells every instance, this one included, of a change.
	Announce(ctx context.Context, c Change) error
	// Listen calls fn for every change announced by any instance until ctx
	// ends. fn must not block for long.
	Listen(ctx context.Context, fn func(Change)) error
	// Exclusive runs fn unless another instance is running the job of that
	// name; it reports whether fn ran.
	Exclusive(ctx context.Context, name string, fn func(context.Context) error) (bool, error)
}
