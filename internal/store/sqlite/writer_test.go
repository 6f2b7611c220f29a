package sqlite

import (
	"path/filepath"
	"testing"

	"vigil/internal/store/storetest"
)

// TestWriterConnectionSettings: the group commit writes on its own
// connection, opened through the driver rather than the pool; it must
// have every setting a signature's durability and integrity rest on.
func TestWriterConnectionSettings(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "vigil.db"), storetest.Keys(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for pragma, want := range map[string]string{
		"journal_mode":       "wal",
		"synchronous":        "2", // FULL: a commit is on disk before it returns
		"foreign_keys":       "1",
		"busy_timeout":       "5000",
		"wal_autocheckpoint": "20000",
	} {
		var got string
		if err := db.writer.queryRow(`PRAGMA ` + pragma).Scan(&got); err != nil {
			t.Fatalf("%s: %v", pragma, err)
		}
		if got != want {
			t.Errorf("the writer's %s is %s, want %s", pragma, got, want)
		}
	}
}
