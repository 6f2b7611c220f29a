package store

import (
	"context"
	"time"

	"vigil/internal/model"
)

// Records keeps researchers' records of the individuals each case
// concerns, and each individual's history of events. The name, and each
// event's place, source and note, are sealed at rest. Writes follow
// Editing's rules: a save of a record names the version it was read at (a
// record changed since is model.ErrStale and nothing is written), and with
// an actor in the context each write adds its audit entry in the same
// transaction. Reads are not audited here: the caller records who read
// (RecordAudit, "records.read", "record.read", "records.export").
type Records interface {
	// RecordsOfCase lists a case's records, by label (else name), each
	// with its events in history order.
	RecordsOfCase(ctx context.Context, caseID int64) ([]model.Record, error)
	// RecordByID returns one record with its events in history order.
	RecordByID(ctx context.Context, id int64) (model.Record, error)
	// SaveRecord creates a record (ID 0) or saves one at r.Version: its
	// name and label; the case a record belongs to does not change, and
	// r.Events is ignored. The save is dated r.Updated. It sets the ID,
	// the new version and the times.
	SaveRecord(ctx context.Context, r *model.Record) error
	// DeleteRecord deletes a record, with its events, at its version.
	DeleteRecord(ctx context.Context, id int64, version int) error
	// AddRecordEvent adds an event to e.RecordID's history, recorded at
	// e.Created (required), and sets its ID. When the event is verified
	// and urgent (model.EventKind.Urgent) and followUp is not nil, the
	// same transaction stores followUp's draft action, links the event to
	// it (e.ActionID) and queues followUp's messages: one draft per event,
	// ever, and none for an event of the same record, kind and date that
	// drafted one already (the same fact recorded twice).
	AddRecordEvent(ctx context.Context, e *model.RecordEvent, followUp *FollowUp) error
	// SetEventVerification changes the verification level of an event of
	// record recordID (a second source corroborates it, the family
	// confirms it), and drafts its follow-up as AddRecordEvent would when
	// it becomes verified and urgent: never a second time for an event
	// that drafted one. An event of another record is model.ErrNotFound.
	SetEventVerification(ctx context.Context, recordID, eventID int64, level model.Verification, at time.Time,
		followUp *FollowUp) (model.RecordEvent, error)
	// DeleteRecordEvent deletes an event of record recordID (one recorded
	// by mistake). An event of another record is model.ErrNotFound.
	DeleteRecordEvent(ctx context.Context, recordID, eventID int64) error
	// AddRecords stores many records with their events in one
	// transaction, unaudited (the demo's individuals); it sets the IDs.
	AddRecords(ctx context.Context, records []model.Record, at time.Time) error
	// CaseFigures counts a case's individuals, and how many stand in each
	// status by their verified events only (model.VerifiedStatus).
	CaseFigures(ctx context.Context, caseID int64) (model.FigureCounts, error)
	// FollowUpDrafts lists the actions events drafted that no editor has
	// published yet, newest first: what the dashboard asks editors to
	// review.
	FollowUpDrafts(ctx context.Context) ([]model.Action, error)
	// PublishFigures replaces a case's published figures (model.Case
	// Figures) and their introduction (FiguresIntro) at the case's
	// version; a figure below model.MinFigureGroup is refused. Audited
	// with the actor.
	PublishFigures(ctx context.Context, caseID int64, version int, intro string, f model.CaseFigures) error
}

// FollowUp is what a verified urgent event drafts: an unpublished action
// and the emails that tell editors of it. Action.Published must be zero.
type FollowUp struct {
	Action   model.Action
	Messages []model.OutboxMessage
}
