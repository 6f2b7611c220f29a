package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBackupAndRestore backs up a running installation with `vigil backup`,
// restores the copy on another path, and finds the same content, counts and
// supporters there, readable with the same key file.
func TestBackupAndRestore(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "vigil")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	db, key := filepath.Join(dir, "live", "vigil.db"), filepath.Join(dir, "vigil.key")
	live := startVigil(t, bin, 60*time.Second, "demo", "--db", db, "--key-file", key, "--addr", "127.0.0.1:0", "--log-format", "json")
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.PostForm("http://"+live.addr+"/actions/no-mass-deportations", url.Values{
		"name": {"Zoraida Quintanilla"}, "email": {"zoraida@example.org"}, "country": {"VE"}, "lang": {"es"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("signature: %d", resp.StatusCode)
	}

	// Back up while it runs.
	copyPath := filepath.Join(dir, "backups", "vigil-backup.db")
	os.MkdirAll(filepath.Dir(copyPath), 0o700)
	if out, err := exec.Command(bin, "backup", "--db", db, "--key-file", key, copyPath).CombinedOutput(); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	if out, err := exec.Command(bin, "backup", "--db", db, "--key-file", key, copyPath).CombinedOutput(); err == nil ||
		!strings.Contains(string(out), "already exists") {
		t.Errorf("a second backup over the first: %v %s", err, out)
	}
	before := inspectDB(t, db, key)
	live.stop(t)
	if raw, _ := os.ReadFile(copyPath); strings.Contains(strings.ToLower(string(raw)), "zoraida") {
		t.Error("the backup holds a supporter's name in clear")
	}

	// Restore: the copy in place of a lost database, with the same key file.
	restored := filepath.Join(dir, "restored", "vigil.db")
	os.MkdirAll(filepath.Dir(restored), 0o700)
	data, err := os.ReadFile(copyPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(restored, data, 0o600); err != nil {
		t.Fatal(err)
	}
	after := inspectDB(t, restored, key)
	if after.action.Count != before.action.Count || after.rows != before.rows || !after.integrityOK {
		t.Errorf("restored count %d (%d rows, integrity %q), live had %d (%d rows)",
			after.action.Count, after.rows, after.integrity, before.action.Count, before.rows)
	}
	rdb := openDB(t, restored, key)
	sup, err := rdb.SupporterByEmail(context.Background(), "zoraida@example.org")
	rdb.Close()
	if err != nil || sup.Name != "Zoraida Quintanilla" || sup.Lang != "es" {
		t.Errorf("supporter in the restored copy: %+v, %v", sup, err)
	}
	served := startVigil(t, bin, 60*time.Second, "serve", "--db", restored, "--key-file", key, "--addr", "127.0.0.1:0", "--log-format", "json")
	page, err := http.Get("http://" + served.addr + "/actions/no-mass-deportations")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if !strings.Contains(pageText(string(body)), thousands(before.action.Count)+" people have acted") {
		t.Errorf("the restored site does not show the count %d", before.action.Count)
	}
	served.stop(t)
}
