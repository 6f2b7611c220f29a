package sqlite

import (
	"context"
	"database/sql"
	"time"

	"vigil/internal/model"
	"vigil/internal/store/sqlcore"
)

// The outbox's queries are sqlcore's (sqlcore/outbox.go); what SQLite does
// its own way stays here: how a claim keeps claimers apart, and the
// participation's hot path through prepared statements.

// enqueueTx is sqlcore's EnqueueTx for the jobs' hooks (jobs.go): it
// stores m inside tx, the transaction of the event that causes the message,
// and sets m.ID. Its Core holds the dialect's writing of placeholders and
// instants, no database.
var enqueueTx = sqlcore.New(nil, sqlcore.Dialect{Name: "sqlite", TextTimes: true, MapErr: mapErr}, nil).EnqueueTx

// enqueuePrepared is EnqueueTx through a prepared statement, for the hot
// path: the same INSERT and values, with the id read from the result
// rather than a RETURNING row.
func (s *DB) enqueuePrepared(q runner, m *model.OutboxMessage, now time.Time) error {
	args, err := s.OutboxRow(m, now)
	if err != nil {
		return err
	}
	res, err := q.exec(sqlcore.OutboxInsert, args...)
	if err != nil {
		return mapErr(err)
	}
	m.ID, err = res.LastInsertId()
	return err
}

// ClaimMessages leases due messages in one immediate transaction (the DSN's
// _txlock), so concurrent claimers, in this process or another, queue on
// SQLite's write lock and never see the same row as claimable. The result is
// ordered by next attempt, then id. Queued rows and rows whose lease ran out
// are picked apart, each in the order of the index on (state,
// next_attempt_at), so a claim reads about n rows however long the queue:
// picked together (state = … OR state = …), every due row was read and
// sorted, and a backlog of a wave's emails made each claim slower.
func (s *DB) ClaimMessages(ctx context.Context, now, leaseUntil time.Time, n int) ([]model.OutboxMessage, error) {
	if n <= 0 {
		return nil, nil
	}
	nowText := formatTime(now)
	return s.ClaimWith(ctx, func(tx *sql.Tx) (*sql.Rows, error) {
		return tx.QueryContext(ctx, `UPDATE outbox
			SET state = 'sending', lease_until = ?, attempts = attempts + 1
			WHERE id IN (
				SELECT id FROM (
					SELECT * FROM (SELECT id, next_attempt_at FROM outbox
						WHERE state = 'queued' AND next_attempt_at <= ?
						ORDER BY next_attempt_at, id LIMIT ?)
					UNION ALL
					SELECT * FROM (SELECT id, next_attempt_at FROM outbox
						WHERE state = 'sending' AND lease_until < ?
						ORDER BY next_attempt_at, id LIMIT ?))
				ORDER BY next_attempt_at, id
				LIMIT ?)
			RETURNING `+sqlcore.OutboxColumns,
			formatTime(leaseUntil), nowText, n, nowText, n, n)
	})
}
