package cli_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vigil/internal/api"
	"vigil/internal/cli"
	"vigil/internal/model"
	"vigil/internal/secret"
	"vigil/internal/store"
	"vigil/internal/testutil"
)

// TestUserAdd adds staff accounts from the command line, the password on
// standard input.
func TestUserAdd(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "vigil.db")
	add := func(stdin string, args ...string) (int, string) {
		var out bytes.Buffer
		args = append([]string{"user", "add", "--db", db}, args...)
		code := cli.RunWithInput(context.Background(), args, strings.NewReader(stdin), &out, &out, func(string) string { return "" })
		return code, out.String()
	}
	code, out := add("a long staff password\n", "--email", "Editor@Example.org", "--role", "editor")
	if code != 0 || !strings.Contains(out, "editor@example.org added with role editor") {
		t.Fatalf("user add: %d\n%s", code, out)
	}
	for _, c := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{"a long staff password\n", []string{"--email", "editor@example.org", "--role", "viewer"}, "already a staff account"},
		{"short\n", []string{"--email", "b@example.org", "--role", "viewer"}, "at least 12"},
		{"", []string{"--email", "b@example.org", "--role", "viewer"}, "no password on standard input"},
		{"a long staff password\n", []string{"--email", "b@example.org", "--role", "owner"}, "want one of"},
		{"a long staff password\n", []string{"--email", "not an address", "--role", "viewer"}, "not a valid email"},
		{"a long staff password\n", []string{"--email", "b@example.org", "--role", "viewer", "--password", "x"}, "flag provided but not defined: -password"},
		{"a long staff password\n", []string{"--email", "b@example.org", "--role", "viewer", "--lang", "xx"}, "the staff pages are written in en, es"},
	} {
		if code, out := add(c.stdin, c.args...); code == 0 || !strings.Contains(out, c.want) {
			t.Errorf("user add %v: %d, want an error saying %q:\n%s", c.args, code, c.want, out)
		}
	}
	keys, _, err := secret.LoadOrCreate(filepath.Join(dir, "vigil.key"))
	if err != nil {
		t.Fatal(err)
	}
	st := testutil.SQLiteAt(t, db, keys)
	u, err := st.StaffUserByEmail(context.Background(), "editor@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if ok, _, err := secret.CheckPassword(u.PasswordHash, "a long staff password"); !ok || err != nil || u.Role != model.RoleEditor {
		t.Errorf("stored account: %+v, password ok=%v %v", u, ok, err)
	}
	if !strings.HasPrefix(u.PasswordHash, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Errorf("hash %q is not argon2id with the default cost", u.PasswordHash)
	}
	log, _ := st.AuditLog(context.Background(), store.AuditFilter{})
	if len(log) != 1 || log[0].Action != "user.add" || log[0].UserEmail != "command line" {
		t.Errorf("audit: %+v", log)
	}
	if u.Lang != "en" {
		t.Errorf("an account added without --lang reads the staff pages in %q, want en", u.Lang)
	}
	// An account that reads the staff pages in Spanish from its first
	// sign-in.
	if code, out := add("a long staff password\n", "--email", "ana@example.org", "--role", "editor", "--lang", "es"); code != 0 ||
		!strings.Contains(out, "in es") {
		t.Fatalf("user add --lang es: %d\n%s", code, out)
	}
	if ana, err := st.StaffUserByEmail(context.Background(), "ana@example.org"); err != nil || ana.Lang != "es" {
		t.Errorf("ana: %+v, %v", ana, err)
	}
}

// TestUserUnlock unlocks, from the command line, an account locked after
// failed sign-ins from two networks, and says so when there is no such
// account.
func TestUserUnlock(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "vigil.db")
	run := func(stdin string, args ...string) (int, string) {
		var out bytes.Buffer
		code := cli.RunWithInput(context.Background(), append(args, "--db", db), strings.NewReader(stdin), &out, &out,
			func(string) string { return "" })
		return code, out.String()
	}
	if code, out := run("a long staff password\n", "user", "add", "--email", "admin@example.org", "--role", "admin"); code != 0 {
		t.Fatalf("user add: %d\n%s", code, out)
	}
	keys, _, err := secret.LoadOrCreate(filepath.Join(dir, "vigil.key"))
	if err != nil {
		t.Fatal(err)
	}
	st := testutil.SQLiteAt(t, db, keys)
	ctx := context.Background()
	u, err := st.StaffUserByEmail(ctx, "admin@example.org")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	for _, network := range []string{"one network", "another"} {
		for range store.LockAfter {
			if _, err := st.LoginFailed(ctx, u.ID, []byte(network), at); err != nil {
				t.Fatal(err)
			}
		}
	}
	if locked, _ := st.LockedStaff(ctx, at); locked[u.ID].IsZero() {
		t.Fatal("the account is not locked before the command")
	}
	code, out := run("", "user", "unlock", "--email", "Admin@Example.org")
	if code != 0 || !strings.Contains(out, "admin@example.org unlocked") {
		t.Fatalf("user unlock: %d\n%s", code, out)
	}
	if locked, _ := st.LockedStaff(ctx, at); len(locked) != 0 {
		t.Errorf("still locked after the command: %v", locked)
	}
	log, _ := st.AuditLog(ctx, store.AuditFilter{Action: "user.unlock"})
	if len(log) != 1 || log[0].ObjectID != u.ID || log[0].UserEmail != "command line" {
		t.Errorf("audit: %+v", log)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--email", "nobody@example.org"}, "no staff account for nobody@example.org"},
		{[]string{"--email", "not an address"}, "not a valid email"},
		{[]string{"--email", "admin@example.org", "--role", "admin"}, "flag provided but not defined: -role"},
	} {
		if code, out := run("", append([]string{"user", "unlock"}, c.args...)...); code == 0 || !strings.Contains(out, c.want) {
			t.Errorf("user unlock %v: %d, want an error saying %q:\n%s", c.args, code, c.want, out)
		}
	}
}

// TestAPIKeyAdd makes an API key from the command line: printed once on
// the last line, stored as its hash with its scopes, audited.
func TestAPIKeyAdd(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "vigil.db")
	run := func(args ...string) (int, string) {
		var out bytes.Buffer
		args = append([]string{"api-key", "add", "--db", db}, args...)
		code := cli.RunWithInput(context.Background(), args, strings.NewReader(""), &out, &out, func(string) string { return "" })
		return code, out.String()
	}
	code, out := run("--name", "CRM sync", "--scope", "people, read")
	if code != 0 {
		t.Fatalf("api-key add: %d\n%s", code, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	key := lines[len(lines)-1]
	if !strings.HasPrefix(key, "vgl_") || len(key) != 56 || !strings.Contains(out, "scopes read,people") {
		t.Fatalf("the last line is not the key:\n%s", out)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--name", "x", "--scope", "read,admin"}, "unknown scope admin"},
		{[]string{"--name", "x", "--scope", ","}, "no scope given"},
		{[]string{"--scope", "read"}, "--name"},
	} {
		if code, out := run(c.args...); code == 0 || !strings.Contains(out, c.want) || strings.Contains(out, "vgl_") {
			t.Errorf("api-key add %v: %d, want an error saying %q and no key:\n%s", c.args, code, c.want, out)
		}
	}
	keys, _, err := secret.LoadOrCreate(filepath.Join(dir, "vigil.key"))
	if err != nil {
		t.Fatal(err)
	}
	st := testutil.SQLiteAt(t, db, keys)
	stored, err := st.APIKeys(context.Background())
	if err != nil || len(stored) != 1 {
		t.Fatalf("keys %+v, %v", stored, err)
	}
	k := stored[0]
	if k.Name != "CRM sync" || !k.Has(model.ScopeRead) || !k.Has(model.ScopePeople) || k.Has(model.ScopeWrite) ||
		!bytes.Equal(k.Hash, api.HashKey(key)) || bytes.Contains(k.Hash, []byte(key)) {
		t.Errorf("stored %+v", k)
	}
	log, err := st.AuditLog(context.Background(), store.AuditFilter{Action: "apikey."})
	if err != nil || len(log) != 1 || log[0].UserEmail != "command line" || strings.Contains(log[0].After, key) {
		t.Errorf("audit %+v, %v", log, err)
	}
}

// TestWebhookAdd registers a receiver from the command line; a URL that
// is not https (but to this machine), a short secret or an unknown event
// are refused, naming the flag.
func TestWebhookAdd(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "vigil.db")
	run := func(args ...string) (int, string) {
		var out bytes.Buffer
		args = append([]string{"webhook", "add", "--db", db}, args...)
		code := cli.RunWithInput(context.Background(), args, strings.NewReader(""), &out, &out, func(string) string { return "" })
		return code, out.String()
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--url", "http://crm.example.org/in", "--secret", "sixteen chars ok"}, "only https"},
		{[]string{"--url", "https://user:pw@crm.example.org/in", "--secret", "sixteen chars ok"}, "no user or password"},
		{[]string{"--url", "https://crm.example.org/in", "--secret", "short"}, "--secret: at least 16"},
		{[]string{"--url", "https://crm.example.org/in", "--secret", "sixteen chars ok", "--events", "signature,donation"}, "unknown event donation"},
	} {
		if code, out := run(c.args...); code == 0 || !strings.Contains(out, c.want) {
			t.Errorf("webhook add %v: %d, want an error saying %q:\n%s", c.args, code, c.want, out)
		}
	}
	code, out := run("--url", "https://crm.example.org/in", "--secret", "a secret of some length", "--events", "erasure, signature")
	if code != 0 || !strings.Contains(out, "receives signature, erasure") || strings.Contains(out, "a secret of some length") {
		t.Fatalf("webhook add: %d\n%s", code, out)
	}
	if code, out := run("--url", "http://127.0.0.1:9000/hook", "--secret", "a secret of some length"); code != 0 || !strings.Contains(out, "every event") {
		t.Errorf("a loopback receiver: %d\n%s", code, out)
	}
	keys, _, err := secret.LoadOrCreate(filepath.Join(dir, "vigil.key"))
	if err != nil {
		t.Fatal(err)
	}
	hooks, err := testutil.SQLiteAt(t, db, keys).Webhooks(context.Background())
	if err != nil || len(hooks) != 2 || hooks[0].Secret != "a secret of some length" || !hooks[0].Wants(model.EventErasure) ||
		hooks[0].Wants(model.EventOutreach) || !hooks[1].Wants(model.EventOutreach) {
		t.Errorf("stored %+v, %v", hooks, err)
	}
}
