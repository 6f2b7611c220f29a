package postgres

import (
	"context"
	"database/sql/driver"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"vigil/internal/store"
)

// Several instances share one PostgreSQL database. Changes are announced
// with NOTIFY on one channel and heard by every instance's LISTEN
// connection; jobs that must run once take a session advisory lock.

const changesChannel = "vigil_changes"

// Announce tells every instance, this one included, of a change.
func (s *DB) Announce(ctx context.Context, c store.Change) error {
	if _, err := s.db.ExecContext(ctx, `SELECT pg_notify($1, $2)`, changesChannel, string(c)); err != nil {
		return fmt.Errorf("postgres: announce %s: %w", c, err)
	}
	return nil
}

// Listen calls fn for every change announced by any instance until ctx
// ends. A lost connection is made again; what was announced meanwhile is
// covered by one "content" call, so caches start afresh.
func (s *DB) Listen(ctx context.Context, fn func(store.Change)) error {
	delay := 100 * time.Millisecond
	for first := true; ctx.Err() == nil; first = false {
		conn, err := pgx.ConnectConfig(ctx, s.cfg)
		if err == nil {
			_, err = conn.Exec(ctx, "LISTEN "+changesChannel)
		}
		if err == nil {
			if !first {
				fn(store.ContentChanged)
			}
			delay = 100 * time.Millisecond
			for {
				n, werr := conn.WaitForNotification(ctx)
				if werr != nil {
					err = werr
					break
				}
				fn(store.Change(n.Payload))
			}
		}
		if conn != nil {
			closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
			conn.Close(closeCtx)
			cancel()
		}
		if ctx.Err() != nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(delay):
		}
		delay = min(2*delay, 10*time.Second)
	}
	return nil
}

// Exclusive runs fn unless another instance holds the job's advisory lock.
// The lock belongs to one connection, held for the length of fn.
func (s *DB) Exclusive(ctx context.Context, name string, fn func(context.Context) error) (bool, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return false, fmt.Errorf("postgres: exclusive %s: %w", name, err)
	}
	defer conn.Close()
	var got bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(hashtext($1))`, "vigil job "+name).Scan(&got); err != nil {
		return false, fmt.Errorf("postgres: exclusive %s: %w", name, err)
	}
	if !got {
		return false, nil
	}
	defer func() {
		unlockCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var released bool
		err := conn.QueryRowContext(unlockCtx, `SELECT pg_advisory_unlock(hashtext($1))`, "vigil job "+name).Scan(&released)
		if err != nil || !released {
			// A lock left on a pooled connection would keep the job from
			// ever running again: drop the connection, and its lock with it.
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	return true, fn(ctx)
}
