//go:build !linux

package sqlite

import "os"

// startWriteback does nothing here: the kernel writes the pages out in
// its own time, and the checkpoint that reaches the end of the log syncs
// them all at once (see writeback.go).
func startWriteback(*os.File) {}
