package sqlite

import "vigil/internal/store/sqlcore"

// jobHooks gives the background jobs (sqlcore/jobs.go) SQLite's outbox
// insert. One writer at a time, through the write gate, makes the jobs'
// row locks and turns needless.
var jobHooks = sqlcore.JobHooks{Enqueue: enqueueTx}
