package cli_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vigil/internal/cli"
	"vigil/internal/secret"
	"vigil/internal/store"
	"vigil/internal/store/storetest"
	"vigil/internal/testutil"
)

// vigil runs the command line in-process and returns its exit code and
// everything it wrote.
func vigil(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	code := cli.Run(context.Background(), args, &out, &out, func(string) string { return "" })
	return code, out.String()
}

// TestCopy moves an SQLite installation to PostgreSQL with `vigil copy`,
// back to SQLite with --from and --to, and on to a third file with the key
// file found beside the source; the last holds what the first did, and
// its supporters open with the same key file.
func TestCopy(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	data, err := secret.Generate()
	if err != nil {
		t.Fatal(err)
	}
	keys, err := secret.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(dir, "first", "vigil.db")
	keyFile := filepath.Join(dir, "first", "vigil.key")
	if err := os.MkdirAll(filepath.Dir(src), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, data, 0o600); err != nil {
		t.Fatal(err)
	}
	first := testutil.SQLiteAt(t, src, keys)
	fx := storetest.FillDump(t, first, keys)
	want := storetest.DumpRows(t, first)
	first.Close() // vigil copy runs with the site stopped

	pg := testutil.Postgres(t)
	code, out := vigil(t, "copy", "--key-file", keyFile, "--log-format", "json", src, pg)
	if code != 0 {
		t.Fatalf("copy to PostgreSQL: exit %d\n%s", code, out)
	}
	t.Logf("vigil copy to PostgreSQL:\n%s", out)
	for _, wantLog := range []string{`"msg":"table copied","table":"supporters","rows":4`, `"msg":"row counts match"`,
		`"msg":"personal data opens in the copy"`, `"msg":"copy complete"`} {
		if !strings.Contains(out, wantLog) {
			t.Errorf("the log lacks %s", wantLog)
		}
	}
	if n := strings.Count(out, `"msg":"table copied"`); n != len(store.Schema) {
		t.Errorf("%d tables logged, want %d", n, len(store.Schema))
	}

	// Once there is data, a second copy is refused and changes nothing.
	if code, out := vigil(t, "copy", "--key-file", keyFile, src, pg); code == 0 || !strings.Contains(out, "holds data already") {
		t.Errorf("a copy into a database holding data: exit %d\n%s", code, out)
	}

	back := filepath.Join(dir, "back", "vigil.db")
	if code, out := vigil(t, "copy", "--key-file", keyFile, "--from", pg, "--to", back); code != 0 {
		t.Fatalf("copy back to SQLite: exit %d\n%s", code, out)
	} else if !strings.Contains(out, "serve the copy with --key-file") {
		t.Errorf("no warning that the copy needs the key file:\n%s", out)
	}

	// SQLite to SQLite, the key file found beside FROM.
	third := filepath.Join(dir, "first", "third.db")
	if code, out := vigil(t, "copy", back, third); code == 0 || !strings.Contains(out, "key file") {
		t.Errorf("a copy without the key file beside FROM: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "back", "vigil.key")); err == nil {
		t.Error("vigil copy made a key file")
	}
	if code, out := vigil(t, "copy", src, third); code != 0 {
		t.Fatalf("copy to a third file: exit %d\n%s", code, out)
	}

	for name, path := range map[string]string{"back": back, "third": third} {
		db := testutil.SQLiteAt(t, path, keys)
		storetest.CompareRows(t, name, want, storetest.DumpRows(t, db))
		for _, email := range fx.Emails {
			if sup, err := db.SupporterByEmail(ctx, email); err != nil || sup.Email != email {
				t.Errorf("%s: supporter %s: %+v, %v", name, email, sup, err)
			}
		}
	}
}

// TestCopyRefuses: a missing source, the same database twice, and a key
// file that is not the source's stop a copy before anything is written.
func TestCopyRefuses(t *testing.T) {
	dir := t.TempDir()
	data, _ := secret.Generate()
	keys, _ := secret.Parse(data)
	keyFile := filepath.Join(dir, "vigil.key")
	os.WriteFile(keyFile, data, 0o600)
	otherData, _ := secret.Generate()
	otherKey := filepath.Join(dir, "other.key")
	os.WriteFile(otherKey, otherData, 0o600)
	src := filepath.Join(dir, "vigil.db")
	db := testutil.SQLiteAt(t, src, keys)
	storetest.FillDump(t, db, keys)
	db.Close()

	dst := filepath.Join(dir, "copy", "vigil.db")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no arguments", []string{"copy", "--key-file", keyFile}, "name the database"},
		{"three arguments", []string{"copy", "--key-file", keyFile, src, dst, dst}, "name the database"},
		{"missing source", []string{"copy", "--key-file", keyFile, filepath.Join(dir, "nothing.db"), dst}, "no SQLite database"},
		{"same database", []string{"copy", "--key-file", keyFile, src, filepath.Join(dir, ".", "vigil.db")}, "same database"},
		{"another key file", []string{"copy", "--key-file", otherKey, src, dst}, "cannot open"},
		{"PostgreSQL without a key file", []string{"copy", "postgres://vigil@127.0.0.1:1/vigil", dst}, "--key-file is required"},
	} {
		code, out := vigil(t, tc.args...)
		if code == 0 || !strings.Contains(out, tc.want) {
			t.Errorf("%s: exit %d, want an error with %q:\n%s", tc.name, code, tc.want, out)
		}
	}
	if _, err := os.Stat(dst); err == nil {
		t.Error("a refused copy left a database behind")
	}
	if _, err := os.Stat(filepath.Join(dir, "nothing.db")); err == nil {
		t.Error("a copy from a missing file created it")
	}
}
