package sqlite

import (
	"os"
	"sync"
)

// Writing back what checkpoints copy. A PASSIVE checkpoint copies pages
// from the log into the database file without syncing it, unless it
// reaches the end of the log. Under a steady stream of signatures that
// happens only once in several checkpoints. That one then syncs every page
// the others copied, thousands of them at scattered places in a large
// file, and every commit's fsync of the log waits behind them at the disk:
// on a large database such a commit took many times longer than the
// others (see BENCHMARKS.md, "Write-back"). So after each checkpoint the
// checkpointer asks the kernel to start writing the copied pages out,
// without waiting (startWriteback), and the disk takes them a few at a
// time. What is durable, and when, does not change: SQLite syncs as before.
//
// The handle on the database file is shared by every DB of this process
// on that file and closed with the last of them, after SQLite's
// connections: closing a file drops every POSIX lock the process holds on
// it, SQLite's included.

// dbFile is this process's handle on one database file.
type dbFile struct {
	f    *os.File
	info os.FileInfo
	refs int
}

var dbFiles struct {
	sync.Mutex
	open []*dbFile
}

// openDBFile returns the process's handle on the database file at path,
// opening it if no DB has it yet. Call it once SQLite has created the file.
func openDBFile(path string) (*dbFile, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	dbFiles.Lock()
	defer dbFiles.Unlock()
	for _, h := range dbFiles.open {
		if os.SameFile(h.info, info) {
			h.refs++
			return h, nil
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	h := &dbFile{f: f, info: info, refs: 1}
	dbFiles.open = append(dbFiles.open, h)
	return h, nil
}

// writeback starts writing the file's dirty pages to disk, without waiting.
func (h *dbFile) writeback() { startWriteback(h.f) }

// release gives the handle back; the last DB on the file closes it. Call
// it once the DB's SQLite connections are closed.
func (h *dbFile) release() {
	dbFiles.Lock()
	defer dbFiles.Unlock()
	if h.refs--; h.refs > 0 {
		return
	}
	for i, o := range dbFiles.open {
		if o == h {
			dbFiles.open = append(dbFiles.open[:i], dbFiles.open[i+1:]...)
			break
		}
	}
	h.f.Close()
}
