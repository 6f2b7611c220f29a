package cli_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vigil/internal/secret"
	"vigil/internal/store/storetest"
	"vigil/internal/testutil"
)

func newKeyLine(prefix string) string {
	key := make([]byte, secret.KeySize)
	rand.Read(key)
	return prefix + " " + base64.RawURLEncoding.EncodeToString(key) + "\n"
}

// TestResealCommand rotates the seal key of an SQLite installation the way
// docs/operations.md says: add a seal line, run vigil reseal, remove the
// old line; everything still opens.
func TestResealCommand(t *testing.T) {
	dir := t.TempDir()
	db, keyPath := filepath.Join(dir, "vigil.db"), filepath.Join(dir, "vigil.key")
	index, token, seal1, seal2 := newKeyLine("index"), newKeyLine("token"), newKeyLine("seal 1"), newKeyLine("seal 2")
	write := func(lines ...string) *secret.Keys {
		t.Helper()
		data := strings.Join(lines, "")
		if err := os.WriteFile(keyPath, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		keys, err := secret.Parse([]byte(data))
		if err != nil {
			t.Fatal(err)
		}
		return keys
	}
	keys := write(index, token, seal1)
	s := testutil.SQLiteAt(t, db, keys)
	storetest.FillDump(t, s, keys)
	s.Close()

	// No key file: refused, and none is made.
	missing := filepath.Join(dir, "missing.key")
	if code, out := vigil(t, "reseal", "--db", db, "--key-file", missing); code == 0 || !strings.Contains(out, "needs the key file") {
		t.Fatalf("reseal without a key file: %d\n%s", code, out)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Fatal("reseal made a key file")
	}

	// Without the key that sealed them, nothing is lost, and it says so.
	write(index, token, newKeyLine("seal 3"))
	if code, out := vigil(t, "reseal", "--db", db, "--key-file", keyPath); code == 0 || !strings.Contains(out, "do not open with this key file") {
		t.Fatalf("reseal without the old key: %d\n%s", code, out)
	}

	write(index, token, seal1, seal2)
	code, out := vigil(t, "reseal", "--db", db, "--key-file", keyPath)
	if code != 0 || !strings.Contains(out, "Every sealed value is under seal key 2.") || !strings.Contains(out, "Seal key 1 is no longer used") {
		t.Fatalf("reseal: %d\n%s", code, out)
	}
	t.Log(out)

	keys = write(index, token, seal2)
	s = testutil.SQLiteAt(t, db, keys)
	sup, err := s.SupporterByEmail(context.Background(), "ana@example.org")
	if err != nil || sup.Name != "Ana Pérez" || sup.PostalCode != "1010" {
		t.Fatalf("Ana without key 1: %+v, %v", sup, err)
	}
	if ids, err := s.SealedKeyIDs(context.Background()); err != nil || len(ids) != 1 || ids[2] == 0 {
		t.Errorf("sealed values by key: %v, %v", ids, err)
	}
}
