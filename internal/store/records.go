package store

import (
	"context"

	"vigil/internal/model"
)

// Records keeps researchers' records of the individuals each case
// concerns. Their name, place and source note are sealed at rest. Writes
// follow Editing's rules: a save names the version it was read at (a record
// changed since is model.ErrStale and nothing is written), and with an
// actor in the context each write adds its audit entry in the same
// transaction. Reads are not audited here: the caller records who read
// (RecordAudit, "records.read").
type Records interface {
	// RecordsOfCase lists a case's records, by name.
	RecordsOfCase(ctx context.Context, caseID int64) ([]model.Record, error)
	// RecordByID returns one record.
	RecordByID(ctx context.Context, id int64) (model.Record, error)
	// SaveRecord creates a record (ID 0) or saves one at r.Version; the
	// case a record belongs to does not change. The save is dated
	// r.Updated, or now when zero. It sets the ID, the new version and the
	// times.
	SaveRecord(ctx context.Context, r *model.Record) error
	// DeleteRecord deletes a record at its version.
	DeleteRecord(ctx context.Context, id int64, version int) error
}
