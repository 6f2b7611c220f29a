package cli_test

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vigil/internal/cli"
	"vigil/internal/secret"
	"vigil/internal/testutil"
)

// keyFile writes a fresh key file, its owner's alone.
func keyFile(t *testing.T) string {
	t.Helper()
	data, err := secret.Generate()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "vigil.key")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const dbPassword = "Sup3r:Secret/pw"

// TestDatabasePasswordNeverLogged: the database URL's password appears in
// no log line or error, whether Vigil connects or not.
func TestDatabasePasswordNeverLogged(t *testing.T) {
	keys := keyFile(t)
	secretParts := []string{dbPassword, url.PathEscape(dbPassword), "Sup3r", "Secret"}
	check := func(name, out string) {
		t.Helper()
		for _, s := range secretParts {
			if strings.Contains(out, s) {
				t.Errorf("%s: the output shows %q:\n%s", name, s, out)
			}
		}
	}
	withPassword := "postgres://vigil:" + url.PathEscape(dbPassword) + "@"
	for _, tc := range []struct{ name, db string }{
		{"nobody listening", withPassword + "127.0.0.1:1/vigil?sslmode=disable&connect_timeout=5"},
		{"a port that does not parse", withPassword + "127.0.0.1:port/vigil"},
		{"a ':' left in the password", "postgres://vigil:" + dbPassword + "@127.0.0.1:port/vigil"},
		{"a bad parameter", withPassword + "127.0.0.1:1/vigil?sslmode=maybe"},
		{"the password as a parameter", "postgres://vigil@127.0.0.1:1/vigil?sslmode=disable&password=" + url.QueryEscape(dbPassword)},
	} {
		code, out := vigil(t, "migrate", "--db", tc.db, "--key-file", keys)
		if code == 0 {
			t.Errorf("%s: migrate succeeded:\n%s", tc.name, out)
		}
		check(tc.name, out)
		t.Logf("%s: %s", tc.name, strings.TrimSpace(out))
	}

	server := testutil.Postgres(t) // the test server trusts any password
	u, err := url.Parse(server)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(u.User.Username(), dbPassword)
	db := u.String()
	code, out := vigil(t, "migrate", "--db", db, "--key-file", keys)
	if code != 0 || !strings.Contains(out, "database up to date") {
		t.Fatalf("migrate: %d\n%s", code, out)
	}
	check("migrate", out)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs testutil.LockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- cli.RunWithReady(ctx, []string{"serve", "--db", db, "--key-file", keys, "--addr", "127.0.0.1:0"},
			&logs, &logs, func(string) string { return "" }, func(string) { cancel() })
	}()
	select {
	case code := <-done:
		if code != 0 || !strings.Contains(logs.String(), "vigil listening") {
			t.Fatalf("serve: %d\n%s", code, logs.String())
		}
	case <-time.After(time.Minute):
		t.Fatal("serve did not stop")
	}
	check("serve", logs.String())
	if !strings.Contains(logs.String(), "xxxxx@") {
		t.Errorf("serve does not name its database:\n%s", logs.String())
	}
}
