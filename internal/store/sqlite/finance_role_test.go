package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/pressly/goose/v3"
)

// TestFinanceRoleMigrationKeepsStaff: SQLite cannot change a CHECK in
// place, so migration 23 rebuilds staff_users and the tables referring
// to it. Every account, session and sign-in failure stays, the references
// still hold (and still cascade), and the finance role is accepted.
func TestFinanceRoleMigrationKeepsStaff(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("sqlite", DSN(filepath.Join(t.TempDir(), "vigil.db")))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	provider, err := goose.NewProvider(goose.DialectSQLite3, db, mustSub(migrations, "migrations"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := provider.UpTo(ctx, 22); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO staff_users (id, email, role, password_hash, created_at, lang) VALUES (7, 'ana@example.org', 'admin', 'h', '2026-01-01T00:00:00.000Z', 'es')`,
		`INSERT INTO staff_users (id, email, role, password_hash, created_at) VALUES (9, 'bo@example.org', 'viewer', 'h', '2026-01-01T00:00:00.000Z')`,
		`INSERT INTO staff_sessions (token_hash, user_id, verified, created_at, last_seen_at) VALUES (x'01', 7, 1, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')`,
		`INSERT INTO staff_login_failures (user_id, network, failures, last_failed_at) VALUES (9, x'0a00', 3, '2026-01-01T00:00:00.000Z')`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO staff_users (email, role, password_hash, created_at) VALUES ('f@example.org', 'finance', 'h', '2026-01-01T00:00:00.000Z')`); err == nil {
		t.Fatal("the finance role was accepted before migration 23")
	}
	if _, err := provider.UpTo(ctx, 23); err != nil {
		t.Fatal(err)
	}
	var users, sessions, failures int
	var lang string
	if err := db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM staff_users), (SELECT COUNT(*) FROM staff_sessions),
		(SELECT COUNT(*) FROM staff_login_failures), (SELECT lang FROM staff_users WHERE id = 7)`).Scan(&users, &sessions, &failures, &lang); err != nil {
		t.Fatal(err)
	}
	if users != 2 || sessions != 1 || failures != 1 || lang != "es" {
		t.Fatalf("after the migration: %d users, %d sessions, %d failures, lang %q", users, sessions, failures, lang)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO staff_users (email, role, password_hash, created_at) VALUES ('f@example.org', 'finance', 'h', '2026-01-01T00:00:00.000Z')`); err != nil {
		t.Fatalf("the finance role refused: %v", err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO staff_users (email, role, password_hash, created_at) VALUES ('x@example.org', 'boss', 'h', '2026-01-01T00:00:00.000Z')`); err == nil {
		t.Error("an unknown role accepted")
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO staff_sessions (token_hash, user_id, created_at, last_seen_at) VALUES (x'02', 999, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')`); err == nil {
		t.Error("a session of no account accepted: the reference is lost")
	}
	if _, err := db.ExecContext(ctx, `DELETE FROM staff_users WHERE id = 7`); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM staff_sessions`).Scan(&sessions); err != nil || sessions != 0 {
		t.Errorf("a removed account's sessions: %d (%v), want none", sessions, err)
	}
	if _, err := provider.DownTo(ctx, 22); err != nil {
		t.Fatalf("down: %v", err)
	}
}
