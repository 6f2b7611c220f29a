package cli_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vigil/internal/cli"
	"vigil/internal/model"
	"vigil/internal/secret"
	"vigil/internal/store"
	"vigil/internal/testutil"
)

// TestRetentionDryRun: vigil retention --dry-run counts the supporters
// inactive past --retention and erases nobody; without it, they are
// erased and the active kept.
func TestRetentionDryRun(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "vigil.db")
	run := func(args ...string) (int, string) {
		var out bytes.Buffer
		code := cli.Run(ctx, append([]string{"retention", "--db", db}, args...), &out, &out, func(string) string { return "" })
		return code, out.String()
	}
	if code, out := run("--dry-run"); code != 0 || !strings.Contains(out, "would erase 0 supporters") {
		t.Fatalf("empty database: %d\n%s", code, out)
	}
	keys, _, err := secret.LoadOrCreate(filepath.Join(dir, "vigil.key"))
	if err != nil {
		t.Fatal(err)
	}
	st := testutil.SQLiteAt(t, db, keys)
	now := time.Now()
	if err := st.CreateAction(ctx, &model.Action{Slug: "sign", Lang: "en", Kind: model.ActionPetition, Title: "Sign",
		Published: now.AddDate(-4, 0, 0)}); err != nil {
		t.Fatal(err)
	}
	act := func(email string, at time.Time) int64 {
		t.Helper()
		res, err := st.Participate(ctx, store.Participate{ActionSlug: "sign", Now: at,
			Supporter: model.Supporter{Email: email, Name: "N", Country: "VE", Lang: "es"}})
		if err != nil {
			t.Fatal(err)
		}
		return res.SupporterID
	}
	old := act("old@example.org", now.AddDate(-3, 0, 0))
	recent := act("recent@example.org", now.AddDate(0, -1, 0))
	erased := func(id int64) bool {
		sup, err := st.SupporterForStaff(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return !sup.Erased.IsZero()
	}
	if code, out := run("--dry-run"); code != 0 || !strings.Contains(out, "would erase 1 supporters") || erased(old) {
		t.Fatalf("dry run: %d, old erased %v\n%s", code, erased(old), out)
	}
	if code, out := run("--retention", "48", "--dry-run"); code != 0 || !strings.Contains(out, "would erase 0 supporters") {
		t.Errorf("--retention 48: %d\n%s", code, out)
	}
	if code, out := run(); code != 0 || !strings.Contains(out, "erased 1 supporters") || !erased(old) || erased(recent) {
		t.Fatalf("erase: %d, old erased %v, recent erased %v\n%s", code, erased(old), erased(recent), out)
	}
}
