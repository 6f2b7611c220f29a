package store

import "context"

// Rekeying moves what the database holds to the key file's current keys,
// so that an old key can be retired (see vigil reseal and
// docs/operations.md, "Rotating keys").
type Rekeying interface {
	// Reseal seals again, under the current seal key, every value sealed
	// under another one, and writes each supporter's blind index again
	// where the current index key gives another. It reads a few hundred
	// rows at a time and writes each batch in a transaction of its own, so
	// Vigil keeps serving meanwhile; a value another writer changed between
	// the read and the write is left as that writer wrote it (Changed). It
	// rewrites only what is not current yet: stopped half-way, or run
	// again, it picks up what is left. A value that does not open (its key
	// is not in the key file, or it was altered) is counted, left as it is,
	// and does not stop the rest. progress, when not nil, hears of each
	// batch.
	Reseal(ctx context.Context, progress func(ResealProgress)) (ResealReport, error)
	// SealedKeyIDs counts the sealed values the database holds by the id of
	// the seal key that sealed them.
	SealedKeyIDs(ctx context.Context) (map[byte]int, error)
}

// ResealProgress is where Reseal stands: the table it works on and how
// many of its rows it has read.
type ResealProgress struct {
	Table string
	Rows  int
}

// ResealReport is what one run of Reseal did.
type ResealReport struct {
	Resealed  int // values sealed again under the current key
	Reindexed int // supporters given their blind index under the current index key
	// Changed counts values another writer changed while they were being
	// resealed, left as written: run Reseal again to check them.
	Changed int
	// Unreadable counts values that did not open; Unopened names the
	// first few ("outbox.sealed of row 12: …").
	Unreadable int
	Unopened   []string
}
