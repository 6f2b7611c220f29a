package sqlite

import (
	"os"

	"golang.org/x/sys/unix"
)

// startWriteback asks Linux to start writing f's dirty pages out, and
// returns without waiting for the disk (see writeback.go). Its error is
// not kept: a failure would change only when the pages reach the disk,
// which SQLite's own fsync still decides.
func startWriteback(f *os.File) {
	unix.SyncFileRange(int(f.Fd()), 0, 0, unix.SYNC_FILE_RANGE_WRITE)
}
