package sqlite

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"vigil/internal/store/storetest"
)

// TestDatabaseFileHandle: the checkpointer's handle on the database file is
// one per file in the process, outlives every store but the last on that
// file (closing it earlier would drop the POSIX locks SQLite holds through
// its own descriptors), and is closed with the last.
func TestDatabaseFileHandle(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vigil.db")
	open := func() *DB {
		t.Helper()
		db, err := Open(path, storetest.Keys(t))
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	fds := func() int {
		t.Helper()
		ents, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Skip("no /proc/self/fd here")
		}
		return len(ents)
	}
	before := fds()

	a, b := open(), open()
	if a.file != b.file {
		t.Fatal("two stores on one file have two handles on it")
	}
	if err := a.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := a.file.f.Stat(); err != nil {
		t.Fatalf("closing one store closed the handle the other still uses: %v", err)
	}
	a.file.writeback()
	if err := a.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
	h := a.file
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := h.f.Stat(); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("the handle is still open after the last store closed (Stat: %v)", err)
	}
	dbFiles.Lock()
	left := len(dbFiles.open)
	dbFiles.Unlock()
	if left != 0 {
		t.Errorf("%d handles left open", left)
	}

	for range 5 {
		open().Close()
	}
	if after := fds(); after != before {
		t.Errorf("open file descriptors went from %d to %d over six stores opened and closed", before, after)
	}
}
