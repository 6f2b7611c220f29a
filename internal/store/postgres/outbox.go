package postgres

import (
	"context"
	"database/sql"
	"time"

	"vigil/internal/model"
	"vigil/internal/store/sqlcore"
)

// The outbox's queries are sqlcore's (sqlcore/outbox.go); what PostgreSQL
// does its own way stays here: how a claim keeps claimers apart.

// enqueueTx is sqlcore's EnqueueTx for the jobs' hooks (jobs.go): it
// stores m inside tx, the transaction of the event that causes the message,
// and sets m.ID. Its Core holds the dialect's writing of placeholders and
// instants, no database.
var enqueueTx = sqlcore.New(nil, sqlcore.Dialect{Name: "postgres", Numbered: true, MapErr: mapErr}, nil).EnqueueTx

// ClaimMessages leases due messages. Queued rows and rows whose lease ran
// out are picked apart, each in the order of the index on (state,
// next_attempt_at), so a claim reads about n rows however long the queue (a
// wave leaves a long one). The rows are picked and locked with
// FOR UPDATE SKIP LOCKED inside the claiming statement: a row another
// claimer (in this process or another instance) has locked is passed over,
// not waited for, and a row it has already claimed and committed is seen
// sending under its lease and left alone. The result is ordered by next
// attempt, then id.
func (s *DB) ClaimMessages(ctx context.Context, now, leaseUntil time.Time, n int) ([]model.OutboxMessage, error) {
	if n <= 0 {
		return nil, nil
	}
	return s.ClaimWith(ctx, func(tx *sql.Tx) (*sql.Rows, error) {
		return tx.QueryContext(ctx, `WITH due AS (
				SELECT id, next_attempt_at FROM outbox
				WHERE state = 'queued' AND next_attempt_at <= $2
				ORDER BY next_attempt_at, id LIMIT $3
				FOR UPDATE SKIP LOCKED
			), expired AS (
				SELECT id, next_attempt_at FROM outbox
				WHERE state = 'sending' AND lease_until < $2
				ORDER BY next_attempt_at, id LIMIT $3
				FOR UPDATE SKIP LOCKED
			), picked AS (
				SELECT id FROM (SELECT * FROM due UNION ALL SELECT * FROM expired) AS candidates
				ORDER BY next_attempt_at, id LIMIT $3
			)
			UPDATE outbox
			SET state = 'sending', lease_until = $1, attempts = attempts + 1
			WHERE id IN (SELECT id FROM picked)
			RETURNING `+sqlcore.OutboxColumns,
			instant(leaseUntil), instant(now), n)
	})
}
