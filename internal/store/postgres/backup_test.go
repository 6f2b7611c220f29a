package postgres_test

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vigil/internal/demo"
	"vigil/internal/model"
	"vigil/internal/store"
	"vigil/internal/testutil"
)

// pgTool finds a PostgreSQL client program: on PATH, or in Debian's
// versioned folder.
func pgTool(t *testing.T, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	if len(matches) == 0 {
		t.Fatalf("%s not found: scripts/test installs Debian postgresql", name)
	}
	return matches[len(matches)-1]
}

// TestPgDumpRestore follows docs/operations.md: pg_dump the live database,
// pg_restore it into an empty one, and find the same content, counts and
// supporters there, readable with the same keys.
func TestPgDumpRestore(t *testing.T) {
	ctx := context.Background()
	keys := testutil.Keys(t)
	srcURL := testutil.Postgres(t)
	src := testutil.PostgresStoreAt(t, srcURL, keys)
	if _, err := demo.Install(ctx, src, time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	res, err := src.Participate(ctx, store.Participate{ActionSlug: demo.DeportationsSlug, Now: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC),
		Supporter: model.Supporter{Email: "zoraida@example.org", Name: "Zoraida Quintanilla", Country: "VE", Lang: "es"}})
	if err != nil {
		t.Fatal(err)
	}

	dump := filepath.Join(t.TempDir(), "vigil.dump")
	if out, err := exec.Command(pgTool(t, "pg_dump"), "--format=custom", "--no-owner", "--file", dump, libpqURL(srcURL)).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	if raw, _ := os.ReadFile(dump); strings.Contains(strings.ToLower(string(raw)), "zoraida") {
		t.Error("the dump holds a supporter's name in clear")
	}
	dstURL := testutil.Postgres(t)
	if out, err := exec.Command(pgTool(t, "pg_restore"), "--no-owner", "--exit-on-error", "--dbname", libpqURL(dstURL), dump).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}
	dst := testutil.PostgresStoreAt(t, dstURL, keys) // migrates: nothing to do

	for _, slug := range []string{demo.DeportationsSlug, demo.CanadaSlug} {
		a, _ := src.ActionBySlug(ctx, slug)
		b, err := dst.ActionBySlug(ctx, slug)
		if err != nil || a.Count != b.Count || a.Title != b.Title {
			t.Errorf("%s restored: count %d vs %d, %v", slug, b.Count, a.Count, err)
		}
	}
	sup, err := dst.SupporterByEmail(ctx, "zoraida@example.org")
	if err != nil || sup.ID != res.SupporterID || sup.Name != "Zoraida Quintanilla" {
		t.Errorf("supporter restored: %+v, %v", sup, err)
	}
	// The restored database takes new rows: its sequences came along.
	if _, err := dst.Participate(ctx, store.Participate{ActionSlug: demo.DeportationsSlug, Now: time.Now(),
		Supporter: model.Supporter{Email: "new@example.org", Name: "New", Country: "VE", Lang: "en"}}); err != nil {
		t.Errorf("a new participation after restore: %v", err)
	}
}

// libpqURL drops the parameters pgx understands and libpq tools do not.
func libpqURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	for k := range q {
		if k != "sslmode" {
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}
