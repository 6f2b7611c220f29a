package postgres

import (
	"context"
	"database/sql"

	"vigil/internal/store/sqlcore"
)

// jobHooks gives the background jobs (sqlcore/jobs.go) PostgreSQL's
// outbox insert and its locks: several instances run the jobs side by
// side, and each locks rows in the order Vigil's other writers take them.
var jobHooks = sqlcore.JobHooks{Enqueue: enqueueTx, KeyLock: " FOR NO KEY UPDATE", TakeTurns: queueAppealsTurn}

// queueAppealsLock is the first key of the transaction-level advisory lock
// QueueAppeals holds per action; the second is the action id.
const queueAppealsLock = 0x76676c31 // "vgl1"

// queueAppealsTurn makes instances queueing the same action take turns,
// as SQLite's single writer makes them, so that the cap and the one digest
// a day hold across instances; the lock does not block participations.
func queueAppealsTurn(ctx context.Context, tx *sql.Tx, actionID int64) error {
	// Two int4 keys; an id beyond int4 shares a lock with another action,
	// which only makes them wait for each other.
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, ($2::bigint % 2147483647)::int)`, queueAppealsLock, actionID)
	return err
}
