package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"vigil/internal/model"
	"vigil/internal/store"
)

// RunRecords runs the conformance tests of researchers' records of
// individuals and their histories: sealed at rest, versioned, audited with
// every write, the status derived from the events, the public figures
// counted from verified events only, and the follow-up action an urgent
// verified event drafts.
func RunRecords(t *testing.T, open func(t *testing.T) Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s Store)
	}{
		{"RoundTrip", testRecordRoundTrip},
		{"Events", testRecordEvents},
		{"SealedAtRest", testRecordSealedAtRest},
		{"StaleWritesChangeNothing", testRecordStaleWrites},
		{"Delete", testRecordDelete},
		{"Audited", testRecordAudited},
		{"Figures", testRecordFigures},
		{"FollowUp", testRecordFollowUp},
		{"AddRecords", testAddRecords},
		{"CaseFiguresPublished", testCaseFiguresPublished},
		{"VerifyLater", testRecordVerifyLater},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

var researcher = model.Actor{UserID: 9, Email: "researcher@example.org", IPHash: "9f", At: day(2026, 2, 1)}

// recordCase stores a case for records to belong to.
func recordCase(t *testing.T, s Store, slug string) model.Case {
	t.Helper()
	cs := model.Case{Slug: slug, Lang: "en", Title: "Men expelled", Status: model.CaseActive, Updated: day(2026, 2, 1)}
	if err := s.SaveCase(ctx, &cs); err != nil {
		t.Fatal(err)
	}
	return cs
}

func addRecord(t *testing.T, s Store, r model.Record) model.Record {
	t.Helper()
	if r.Updated.IsZero() {
		r.Updated = researcher.At
	}
	if err := s.SaveRecord(store.WithActor(ctx, researcher), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// addEvent adds an event to a record, recorded at the researcher's time
// unless it says otherwise.
func addEvent(t *testing.T, s Store, e model.RecordEvent) model.RecordEvent {
	t.Helper()
	if e.Created.IsZero() {
		e.Created = researcher.At
	}
	if e.Verification == "" {
		e.Verification = model.VerifiedSingle
	}
	if e.Precision == "" && !e.Date.IsZero() {
		e.Precision = model.PrecisionDay
	}
	if err := s.AddRecordEvent(store.WithActor(ctx, researcher), &e, nil); err != nil {
		t.Fatal(err)
	}
	return e
}

func testRecordRoundTrip(t *testing.T, s Store) {
	cs, other := recordCase(t, s, "expelled"), recordCase(t, s, "other")
	r := addRecord(t, s, model.Record{CaseID: cs.ID, Name: "Zoë Méndez", Label: "Individual 002"})
	if r.ID == 0 || r.Version != 1 || r.Created.IsZero() || !r.Updated.Equal(r.Created) {
		t.Fatalf("created: %+v", r)
	}
	// A name and no label; a label and no name.
	addRecord(t, s, model.Record{CaseID: cs.ID, Name: "andrés"})
	addRecord(t, s, model.Record{CaseID: cs.ID, Label: "Individual 001"})
	addRecord(t, s, model.Record{CaseID: other.ID, Name: "Someone else"})

	got, err := s.RecordByID(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !sameRecord(got, r) {
		t.Errorf("read back\n got %+v\nwant %+v", got, r)
	}
	if got.Status() != model.RecordUnknown || !got.LastConfirmed().IsZero() || len(got.Events) != 0 {
		t.Errorf("a record without events: status %s, confirmed %v, %d events", got.Status(), got.LastConfirmed(), len(got.Events))
	}
	list, err := s.RecordsOfCase(ctx, cs.ID)
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, r := range list {
		titles = append(titles, r.Title())
	}
	if got := strings.Join(titles, ", "); got != "andrés, Individual 001, Individual 002" {
		t.Errorf("records of the case, by label else name: %s", got)
	}
	if none, err := s.RecordsOfCase(ctx, 9999); err != nil || len(none) != 0 {
		t.Errorf("records of a case that is not there: %+v, %v", none, err)
	}
	if _, err := s.RecordByID(ctx, 9999); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("a record that is not there: %v, want ErrNotFound", err)
	}
	if err := s.SaveRecord(ctx, &model.Record{CaseID: 9999, Name: "x", Updated: researcher.At}); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("a record of a case that is not there: %v, want ErrNotFound", err)
	}

	// A save changes the name and label but not the case, and raises the
	// version.
	edit := got
	edit.CaseID = other.ID
	edit.Name, edit.Label = "Zoë Méndez Ruiz", "Individual 020"
	edit.Updated = r.Updated.Add(time.Hour) // the save's own date
	if err := s.SaveRecord(ctx, &edit); err != nil {
		t.Fatal(err)
	}
	again, err := s.RecordByID(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if again.CaseID != cs.ID || again.Name != "Zoë Méndez Ruiz" || again.Label != "Individual 020" ||
		again.Version != 2 || !again.Created.Equal(r.Created) || !again.Updated.Equal(r.Updated.Add(time.Hour)) {
		t.Errorf("after a save: %+v", again)
	}
	if !sameRecord(edit, again) {
		t.Errorf("the saved record is not what reads back:\n got %+v\nwant %+v", edit, again)
	}
}

// testRecordEvents adds events out of order and reads them back in
// history order, the status derived from them.
func testRecordEvents(t *testing.T, s Store) {
	cs := recordCase(t, s, "expelled")
	r := addRecord(t, s, model.Record{CaseID: cs.ID, Label: "Individual 017"})
	other := addRecord(t, s, model.Record{CaseID: cs.ID, Label: "Individual 018"})
	returned := addEvent(t, s, model.RecordEvent{RecordID: r.ID, Kind: model.EventReturned, Date: day(2025, 7, 18),
		Place: "Caracas, Maiquetía", Source: "Campaign page", SourceHow: "published statement",
		SourceDate: day(2025, 7, 20), Verification: model.VerifiedCorroborated})
	// Approximate: the month only. Stored as its first day.
	detained := addEvent(t, s, model.RecordEvent{RecordID: r.ID, Kind: model.EventDetained, Date: time.Date(2025, 3, 16, 9, 0, 0, 0, time.UTC),
		Precision: model.PrecisionMonth, Place: "CECOT", Verification: model.VerifiedConfirmed, Note: "Held incommunicado"})
	addEvent(t, s, model.RecordEvent{RecordID: r.ID, Kind: model.EventNote, Date: day(2025, 9, 1), Note: "Seen at home"})
	addEvent(t, s, model.RecordEvent{RecordID: other.ID, Kind: model.EventDetained, Date: day(2025, 3, 16)})
	if returned.ID == 0 || detained.ID == 0 || !detained.Date.Equal(day(2025, 3, 1)) {
		t.Fatalf("added: %+v, %+v", returned, detained)
	}

	got, err := s.RecordByID(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range got.Events {
		kinds = append(kinds, string(e.Kind))
	}
	if strings.Join(kinds, " ") != "detained returned note" {
		t.Errorf("events in history order: %v", kinds)
	}
	if got.Status() != model.RecordReturned || !got.LastConfirmed().Equal(day(2025, 9, 1)) {
		t.Errorf("derived: status %s, last confirmed %v", got.Status(), got.LastConfirmed())
	}
	e := got.Events[1]
	if e.ID != returned.ID || e.RecordID != r.ID || e.Place != "Caracas, Maiquetía" || e.Source != "Campaign page" ||
		e.SourceHow != "published statement" || !e.SourceDate.Equal(day(2025, 7, 20)) || e.Precision != model.PrecisionDay ||
		e.Verification != model.VerifiedCorroborated || !e.Created.Equal(researcher.At) || e.ActionID != 0 || e.Note != "" {
		t.Errorf("event read back: %+v", e)
	}
	if got.Events[0].Precision != model.PrecisionMonth || got.Events[0].Note != "Held incommunicado" {
		t.Errorf("approximate event read back: %+v", got.Events[0])
	}
	list, err := s.RecordsOfCase(ctx, cs.ID)
	if err != nil || len(list) != 2 || len(list[0].Events) != 3 || len(list[1].Events) != 1 ||
		list[1].Status() != model.RecordDetained {
		t.Errorf("records of the case with their events: %+v, %v", list, err)
	}

	// What no form lets through is refused, and nothing is stored.
	for name, bad := range map[string]model.RecordEvent{
		"unknown kind":         {RecordID: r.ID, Kind: "arrested", Verification: model.VerifiedSingle},
		"unknown level":        {RecordID: r.ID, Kind: model.EventNote, Verification: "rumour"},
		"a date, no precision": {RecordID: r.ID, Kind: model.EventNote, Verification: model.VerifiedSingle, Date: day(2025, 1, 1)},
		"a precision, no date": {RecordID: r.ID, Kind: model.EventNote, Verification: model.VerifiedSingle, Precision: model.PrecisionDay},
		"no time":              {RecordID: r.ID, Kind: model.EventNote, Verification: model.VerifiedSingle},
	} {
		if name != "no time" {
			bad.Created = researcher.At
		}
		if err := s.AddRecordEvent(ctx, &bad, nil); err == nil {
			t.Errorf("%s: stored", name)
		}
	}
	missing := model.RecordEvent{RecordID: 9999, Kind: model.EventNote, Verification: model.VerifiedSingle, Created: researcher.At}
	if err := s.AddRecordEvent(ctx, &missing, nil); !errors.Is(err, model.ErrNotFound) || missing.ID != 0 {
		t.Errorf("an event of a record that is not there: %v, want ErrNotFound", err)
	}
	if after, _ := s.RecordByID(ctx, r.ID); len(after.Events) != 3 {
		t.Errorf("%d events after refused ones, want 3", len(after.Events))
	}

	// An event recorded by mistake is deleted, only through its record.
	if err := s.DeleteRecordEvent(ctx, other.ID, returned.ID); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("deleting an event through another record: %v, want ErrNotFound", err)
	}
	if err := s.DeleteRecordEvent(store.WithActor(ctx, researcher), r.ID, returned.ID); err != nil {
		t.Fatal(err)
	}
	if after, _ := s.RecordByID(ctx, r.ID); len(after.Events) != 2 || after.Status() != model.RecordDetained {
		t.Errorf("after deleting the return: %d events, status %s", len(after.Events), after.Status())
	}
}

// testRecordSealedAtRest reads the database as stored, through its dump
// (the rows as they are, sealed fields sealed): the name, and the events'
// places, sources and notes, are in no table in the clear, the audit log
// included.
func testRecordSealedAtRest(t *testing.T, s Store) {
	d, ok := s.(store.Dumper)
	if !ok {
		t.Fatalf("%T is no store.Dumper: cannot read what it stores", s)
	}
	cs := recordCase(t, s, "expelled")
	r := addRecord(t, s, model.Record{CaseID: cs.ID, Name: "Yusuf Kiprotich"})
	r.Name = "Yusuf Kiprotich Okot"
	if err := s.SaveRecord(store.WithActor(ctx, researcher), &r); err != nil {
		t.Fatal(err)
	}
	addEvent(t, s, model.RecordEvent{RecordID: r.ID, Kind: model.EventDetained, Date: day(2025, 6, 1),
		Place: "Luzira Upper Prison", Source: "Lawyer Okello", SourceHow: "prison visit", Note: "Bruises seen",
		Verification: model.VerifiedConfirmed})
	secrets := []string{"Yusuf", "Kiprotich", "Luzira", "Okello", "prison visit", "Bruises"}
	rows := DumpRows(t, d)
	if len(rows["records"]) != 1 || len(rows["record_events"]) != 1 {
		t.Fatalf("%d rows in records, %d in record_events, want 1 each", len(rows["records"]), len(rows["record_events"]))
	}
	if b, ok := rows["records"][0]["name_sealed"].([]byte); !ok || len(b) < 16 {
		t.Errorf("records.name_sealed is %s, want sealed bytes", showValue(rows["records"][0]["name_sealed"]))
	}
	event := rows["record_events"][0]
	for _, col := range []string{"place_sealed", "source_sealed", "source_how_sealed", "note_sealed"} {
		if b, ok := event[col].([]byte); !ok || len(b) < 16 {
			t.Errorf("record_events.%s is %s, want sealed bytes", col, showValue(event[col]))
		}
	}
	if event["kind"] != "detained" || event["verification"] != "confirmed" {
		t.Errorf("record_events kind %s, verification %s: want them in the clear", showValue(event["kind"]),
			showValue(event["verification"]))
	}
	for table, tableRows := range rows {
		for i, tr := range tableRows {
			for col, v := range tr {
				var raw []byte
				switch v := v.(type) {
				case string:
					raw = []byte(v)
				case []byte:
					raw = v
				default:
					continue
				}
				for _, secret := range secrets {
					if bytes.Contains(raw, []byte(secret)) {
						t.Errorf("%s row %d column %s holds %q in the clear", table, i, col, secret)
					}
				}
			}
		}
	}
	// And the store opens them again.
	if got, err := s.RecordByID(ctx, r.ID); err != nil || got.Name != "Yusuf Kiprotich Okot" || len(got.Events) != 1 ||
		got.Events[0].Place != "Luzira Upper Prison" {
		t.Errorf("the record opens as %+v, %v", got, err)
	}
}

// sameRecord compares two records, times by the instant they name.
func sameRecord(a, b model.Record) bool {
	times := a.Created.Equal(b.Created) && a.Updated.Equal(b.Updated) && len(a.Events) == len(b.Events)
	return times && a.ID == b.ID && a.CaseID == b.CaseID && a.Name == b.Name && a.Label == b.Label && a.Version == b.Version
}

func testRecordStaleWrites(t *testing.T, s Store) {
	cs := recordCase(t, s, "expelled")
	r := addRecord(t, s, model.Record{CaseID: cs.ID, Name: "First"})
	alice, bob := r, r
	alice.Label = "Individual 001"
	if err := s.SaveRecord(ctx, &alice); err != nil {
		t.Fatal(err)
	}
	bob.Name = "Bob's spelling"
	if err := s.SaveRecord(ctx, &bob); !errors.Is(err, model.ErrStale) {
		t.Errorf("a second save from the same version: %v, want ErrStale", err)
	}
	if err := s.DeleteRecord(ctx, r.ID, r.Version); !errors.Is(err, model.ErrStale) {
		t.Errorf("a delete at the old version: %v, want ErrStale", err)
	}
	got, err := s.RecordByID(ctx, r.ID)
	if err != nil || got.Name != "First" || got.Label != "Individual 001" || got.Version != 2 {
		t.Errorf("stored %+v, %v; want Alice's save only", got, err)
	}
	// An event is no save of the record: it does not make a form stale.
	addEvent(t, s, model.RecordEvent{RecordID: r.ID, Kind: model.EventReleased, Date: day(2025, 7, 18)})
	alice.Name = "First Second"
	if err := s.SaveRecord(ctx, &alice); err != nil {
		t.Errorf("a save after an event: %v", err)
	}
	missing := model.Record{ID: 9999, Version: 1, CaseID: cs.ID, Name: "x", Updated: researcher.At}
	if err := s.SaveRecord(ctx, &missing); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("a save of a record that is not there: %v, want ErrNotFound", err)
	}
}

func testRecordDelete(t *testing.T, s Store) {
	cs := recordCase(t, s, "expelled")
	gone := addRecord(t, s, model.Record{CaseID: cs.ID, Name: "Gone"})
	kept := addRecord(t, s, model.Record{CaseID: cs.ID, Name: "Kept"})
	addEvent(t, s, model.RecordEvent{RecordID: gone.ID, Kind: model.EventReturned, Date: day(2025, 7, 18)})
	keptEvent := addEvent(t, s, model.RecordEvent{RecordID: kept.ID, Kind: model.EventDetained, Date: day(2025, 3, 16)})
	if err := s.DeleteRecord(store.WithActor(ctx, researcher), gone.ID, gone.Version); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordByID(ctx, gone.ID); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("a deleted record reads as %v, want ErrNotFound", err)
	}
	if list, err := s.RecordsOfCase(ctx, cs.ID); err != nil || len(list) != 1 || !sameRecord(list[0], kept) && list[0].ID != kept.ID ||
		len(list[0].Events) != 1 || list[0].Events[0].ID != keptEvent.ID {
		t.Errorf("records left: %+v, %v", list, err)
	}
	if d, ok := s.(store.Dumper); ok {
		if n := len(DumpRows(t, d)["record_events"]); n != 1 {
			t.Errorf("%d events left, want the kept record's only", n)
		}
	}
	if err := s.DeleteRecord(ctx, gone.ID, gone.Version); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("a second delete: %v, want ErrNotFound", err)
	}
	// A new record does not take the deleted one's ID: audit entries name
	// records by ID.
	next := addRecord(t, s, model.Record{CaseID: cs.ID, Name: "Next"})
	if next.ID <= kept.ID {
		t.Errorf("a new record got ID %d, not past %d", next.ID, kept.ID)
	}
}

func testRecordAudited(t *testing.T, s Store) {
	cs := recordCase(t, s, "expelled")
	c := store.WithActor(ctx, researcher)
	r := model.Record{CaseID: cs.ID, Name: "Audited Person", Label: "Individual 005", Updated: researcher.At}
	if err := s.SaveRecord(c, &r); err != nil {
		t.Fatal(err)
	}
	r.Name = "Audited Person Jr"
	if err := s.SaveRecord(c, &r); err != nil {
		t.Fatal(err)
	}
	stale := r
	stale.Version = 1
	if err := s.SaveRecord(c, &stale); !errors.Is(err, model.ErrStale) {
		t.Fatalf("stale save: %v", err)
	}
	e := model.RecordEvent{RecordID: r.ID, Kind: model.EventReDetained, Date: day(2025, 10, 2), Precision: model.PrecisionDay,
		Place: "Somewhere", Source: "Secret Source", Verification: model.VerifiedSingle, Created: researcher.At}
	if err := s.AddRecordEvent(c, &e, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteRecordEvent(c, r.ID, e.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteRecord(c, r.ID, r.Version); err != nil {
		t.Fatal(err)
	}
	log, err := s.AuditLog(ctx, store.AuditFilter{ObjectType: "record", ObjectID: r.ID})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range log {
		actions = append(actions, e.Action)
		if e.UserID != researcher.UserID || e.UserEmail != researcher.Email || e.IPHash != researcher.IPHash {
			t.Errorf("%s by %d %q %q, want the researcher", e.Action, e.UserID, e.UserEmail, e.IPHash)
		}
		for _, secret := range []string{"Audited", "Somewhere", "Secret"} {
			if strings.Contains(e.Before+e.After, secret) {
				t.Errorf("%s holds a sealed field in the clear: %s → %s", e.Action, e.Before, e.After)
			}
		}
	}
	// The refused save left nothing.
	if got := strings.Join(actions, " "); got != "record.delete record.event.delete record.event.add record.save record.create" {
		t.Fatalf("audit: %s", got)
	}
	del, evDel, evAdd, save, create := log[0], log[1], log[2], log[3], log[4]
	want := fmt.Sprintf(`"ID":%d,"CaseID":%d,"Label":"Individual 005","Version":1`, r.ID, cs.ID)
	if create.Before != "" || !strings.Contains(create.After, want) {
		t.Errorf("record.create: %q → %q", create.Before, create.After)
	}
	if !strings.Contains(save.After, `"Version":2`) || !strings.Contains(save.After, `"Changed":["name"]`) {
		t.Errorf("record.save: %s → %s", save.Before, save.After)
	}
	wantEvent := fmt.Sprintf(`"EventID":%d,"Kind":"re-detained","Date":"2025-10-02","Precision":"day","Verification":"single"`, e.ID)
	if evAdd.Before != "" || !strings.Contains(evAdd.After, wantEvent) {
		t.Errorf("record.event.add: %q → %q", evAdd.Before, evAdd.After)
	}
	if !strings.Contains(evDel.Before, wantEvent) || evDel.After != "" {
		t.Errorf("record.event.delete: %q → %q", evDel.Before, evDel.After)
	}
	if !strings.Contains(del.Before, `"Version":2`) || del.After != "" {
		t.Errorf("record.delete: %q → %q", del.Before, del.After)
	}
	// Without an actor (the command line, tests) nothing is audited.
	if err := s.SaveRecord(ctx, &model.Record{CaseID: cs.ID, Name: "Quiet", Updated: researcher.At}); err != nil {
		t.Fatal(err)
	}
	if all, _ := s.AuditLog(ctx, store.AuditFilter{Action: "record."}); len(all) != 5 {
		t.Errorf("%d record entries, want 5", len(all))
	}
}

// testRecordFigures counts a case's individuals by their verified events:
// a single-source event counts for nothing, and a figure below the
// minimum group size is not shown.
func testRecordFigures(t *testing.T, s Store) {
	cs, other := recordCase(t, s, "expelled"), recordCase(t, s, "other")
	var records []model.Record
	for i := range 12 {
		r := addRecord(t, s, model.Record{CaseID: cs.ID, Label: fmt.Sprintf("Individual %03d", i+1)})
		addEvent(t, s, model.RecordEvent{RecordID: r.ID, Kind: model.EventReturned, Date: day(2025, 7, 18),
			Verification: model.VerifiedCorroborated})
		records = append(records, r)
	}
	addRecord(t, s, model.Record{CaseID: cs.ID, Label: "Individual 013"}) // nothing known
	addEvent(t, s, model.RecordEvent{RecordID: addRecord(t, s, model.Record{CaseID: other.ID, Name: "x"}).ID,
		Kind: model.EventDied, Date: day(2025, 8, 1), Verification: model.VerifiedConfirmed})
	// Four re-detained, confirmed; one more from a single source only.
	for i, r := range records[:5] {
		level := model.VerifiedConfirmed
		if i == 4 {
			level = model.VerifiedSingle
		}
		addEvent(t, s, model.RecordEvent{RecordID: r.ID, Kind: model.EventReDetained, Date: day(2025, 10, 2), Verification: level})
	}
	counts, err := s.CaseFigures(ctx, cs.ID)
	if err != nil {
		t.Fatal(err)
	}
	if counts.Total != 13 || counts.ByStatus[model.RecordReturned] != 8 || counts.ByStatus[model.RecordReDetained] != 4 ||
		counts.ByStatus[model.RecordUnknown] != 1 || counts.ByStatus[model.RecordDied] != 0 {
		t.Errorf("figures: %+v", counts)
	}
	shown := model.PublicFigures(counts, model.RecordStatuses, model.MinFigureGroup)
	if fmt.Sprint(shown) != "[{returned 8}]" {
		t.Errorf("public figures %v: want the four re-detained hidden", shown)
	}
	// The fifth is corroborated: now five, shown.
	addEvent(t, s, model.RecordEvent{RecordID: records[4].ID, Kind: model.EventReDetained, Date: day(2025, 10, 3),
		Verification: model.VerifiedCorroborated})
	counts, err = s.CaseFigures(ctx, cs.ID)
	if err != nil {
		t.Fatal(err)
	}
	if shown := model.PublicFigures(counts, model.RecordStatuses, model.MinFigureGroup); fmt.Sprint(shown) != "[{re-detained 5} {returned 7}]" {
		t.Errorf("public figures %v, want five re-detained and seven returned", shown)
	}
	if none, err := s.CaseFigures(ctx, 9999); err != nil || none.Total != 0 {
		t.Errorf("figures of a case that is not there: %+v, %v", none, err)
	}
}

// testRecordFollowUp: a verified re-detention drafts one unpublished
// action and queues its emails in the event's transaction; a single-source
// one, or a release, drafts nothing.
func testRecordFollowUp(t *testing.T, s Store) {
	cs := recordCase(t, s, "expelled")
	r := addRecord(t, s, model.Record{CaseID: cs.ID, Label: "Individual 017"})
	followUp := func(slug string) *store.FollowUp {
		return &store.FollowUp{
			Action: model.Action{Slug: slug, CaseID: cs.ID, Lang: "en", Kind: model.ActionAppeal, Title: "UA 28/25 — further information"},
			Messages: []model.OutboxMessage{{MessageID: slug + "@vigil.test", Kind: "follow-up", Sealed: []byte("sealed elsewhere")},
				{MessageID: slug + "-2@vigil.test", Kind: "follow-up", Sealed: []byte("sealed elsewhere")}},
		}
	}
	before, err := s.OutboxCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	queued := func() int {
		c, err := s.OutboxCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return c[model.MessageQueued] - before[model.MessageQueued]
	}
	add := func(e model.RecordEvent, f *store.FollowUp) model.RecordEvent {
		t.Helper()
		e.RecordID, e.Created, e.Precision = r.ID, researcher.At, model.PrecisionDay
		if err := s.AddRecordEvent(store.WithActor(ctx, researcher), &e, f); err != nil {
			t.Fatal(err)
		}
		return e
	}
	single := add(model.RecordEvent{Kind: model.EventReDetained, Date: day(2025, 10, 2), Verification: model.VerifiedSingle}, followUp("fi-1"))
	released := add(model.RecordEvent{Kind: model.EventReleased, Date: day(2025, 10, 3), Verification: model.VerifiedConfirmed}, followUp("fi-2"))
	if single.ActionID != 0 || released.ActionID != 0 || queued() != 0 {
		t.Errorf("drafted for a single source (%d) or a release (%d); %d queued", single.ActionID, released.ActionID, queued())
	}
	if _, err := s.ActionBySlug(ctx, "fi-1"); err == nil {
		t.Error("an action was stored for a single-source event")
	}
	verified := add(model.RecordEvent{Kind: model.EventReDetained, Date: day(2025, 10, 9), Verification: model.VerifiedCorroborated}, followUp("fi-3"))
	if verified.ActionID == 0 || queued() != 2 {
		t.Fatalf("a corroborated re-detention: action %d, %d queued", verified.ActionID, queued())
	}
	a, err := s.ActionByID(ctx, verified.ActionID)
	if err != nil {
		t.Fatal(err)
	}
	if a.Slug != "fi-3" || a.CaseID != cs.ID || !a.Published.IsZero() || a.Title != "UA 28/25 — further information" {
		t.Errorf("the draft: %+v", a)
	}
	got, err := s.RecordByID(ctx, r.ID)
	if err != nil || got.Events[len(got.Events)-1].ActionID != a.ID {
		t.Errorf("the event does not name its draft: %+v, %v", got.Events, err)
	}
	if drafts, err := s.FollowUpDrafts(ctx); err != nil || len(drafts) != 1 || drafts[0].ID != a.ID {
		t.Errorf("drafts to review: %+v, %v", drafts, err)
	}
	// Published by an editor, it is no longer waiting.
	if err := s.SetPublished(ctx, "action", a.ID, a.Version, researcher.At); err != nil {
		t.Fatal(err)
	}
	if drafts, err := s.FollowUpDrafts(ctx); err != nil || len(drafts) != 0 {
		t.Errorf("drafts after publishing: %+v, %v", drafts, err)
	}
	// The same fact recorded again drafts nothing more.
	twice := add(model.RecordEvent{Kind: model.EventReDetained, Date: day(2025, 10, 9), Verification: model.VerifiedConfirmed}, followUp("fi-3b"))
	if twice.ActionID != 0 || queued() != 2 {
		t.Errorf("the same re-detention recorded twice: action %d, %d queued", twice.ActionID, queued())
	}
	// A published follow-up is refused: nothing is published without an
	// editor. A slug taken makes the whole event fail, nothing half done.
	pub := followUp("fi-4")
	pub.Action.Published = researcher.At
	e := model.RecordEvent{RecordID: r.ID, Kind: model.EventDied, Date: day(2025, 11, 1), Precision: model.PrecisionDay,
		Verification: model.VerifiedConfirmed, Created: researcher.At}
	if err := s.AddRecordEvent(ctx, &e, pub); err == nil {
		t.Error("a published follow-up was stored")
	}
	taken := followUp("fi-3")
	taken.Messages[0].MessageID, taken.Messages[1].MessageID = "other@vigil.test", "other-2@vigil.test"
	if err := s.AddRecordEvent(ctx, &e, taken); err == nil || e.ID != 0 {
		t.Errorf("an event whose draft could not be stored: %v, ID %d", err, e.ID)
	}
	if again, _ := s.RecordByID(ctx, r.ID); len(again.Events) != 4 || queued() != 2 {
		t.Errorf("after refused events: %d events, %d queued", len(again.Events), queued())
	}
}

// testAddRecords stores a case's individuals in one batch.
func testAddRecords(t *testing.T, s Store) {
	cs := recordCase(t, s, "expelled")
	var batch []model.Record
	for i := range 30 {
		batch = append(batch, model.Record{CaseID: cs.ID, Label: fmt.Sprintf("Individual %03d", i+1), Events: []model.RecordEvent{{
			Kind: model.EventReturned, Date: day(2025, 7, 18), Precision: model.PrecisionDay, Place: "Venezuela",
			Source: "Campaign page", SourceDate: day(2025, 7, 18), Verification: model.VerifiedCorroborated}}})
	}
	if err := s.AddRecords(ctx, batch, researcher.At); err != nil {
		t.Fatal(err)
	}
	if batch[29].ID == 0 || batch[29].Events[0].ID == 0 {
		t.Fatalf("IDs not set: %+v", batch[29])
	}
	list, err := s.RecordsOfCase(ctx, cs.ID)
	if err != nil || len(list) != 30 || list[0].Label != "Individual 001" || list[0].Status() != model.RecordReturned ||
		list[0].Events[0].Place != "Venezuela" {
		t.Fatalf("records stored: %d, %v", len(list), err)
	}
	counts, err := s.CaseFigures(ctx, cs.ID)
	if err != nil || counts.Total != 30 || counts.ByStatus[model.RecordReturned] != 30 {
		t.Errorf("figures: %+v, %v", counts, err)
	}
}

// testCaseFiguresPublished: a case's published figures and their
// introduction are stored with the case, read with it, kept by a save of
// the case, and refused below the minimum group size or at an old
// version.
func testCaseFiguresPublished(t *testing.T, s Store) {
	cs := recordCase(t, s, "expelled")
	f := model.CaseFigures{AsOf: time.Date(2025, 7, 20, 15, 0, 0, 0, time.UTC), Total: 252,
		Figures: []model.Figure{{Status: model.RecordReturned, Count: 252}}}
	if err := s.PublishFigures(store.WithActor(ctx, researcher), cs.ID, cs.Version, "What we know of the 252 men", f); err != nil {
		t.Fatal(err)
	}
	got, err := s.CaseByID(ctx, cs.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.FiguresIntro != "What we know of the 252 men" || !got.Figures.AsOf.Equal(day(2025, 7, 20)) || got.Figures.Total != 252 ||
		len(got.Figures.Figures) != 1 || got.Figures.Figures[0] != (model.Figure{Status: model.RecordReturned, Count: 252}) ||
		got.Version != cs.Version+1 || !got.Figures.Shown() {
		t.Fatalf("published figures: %+v, intro %q, version %d", got.Figures, got.FiguresIntro, got.Version)
	}
	if got.Texts()["figures_intro"] != "What we know of the 252 men" {
		t.Error("the introduction is not among the case's texts to translate")
	}
	// Refused: stale, or a figure under the minimum; nothing changes.
	if err := s.PublishFigures(ctx, cs.ID, cs.Version, "x", model.CaseFigures{}); !errors.Is(err, model.ErrStale) {
		t.Errorf("figures at an old version: %v, want ErrStale", err)
	}
	small := model.CaseFigures{AsOf: day(2025, 8, 1), Total: 252, Figures: []model.Figure{{Status: model.RecordReDetained, Count: model.MinFigureGroup - 1}}}
	if err := s.PublishFigures(ctx, cs.ID, got.Version, "x", small); err == nil {
		t.Error("a figure under the minimum group size was published")
	}
	// A save of the case keeps them.
	got.Title, got.Updated = "Men expelled, returned", day(2026, 2, 2)
	got.FiguresIntro = "What we know of the men"
	if err := s.SaveCase(ctx, &got); err != nil {
		t.Fatal(err)
	}
	again, err := s.CaseBySlug(ctx, "expelled")
	if err != nil && !errors.Is(err, model.ErrNotFound) {
		t.Fatal(err)
	}
	if again, err = s.CaseByID(ctx, cs.ID); err != nil || again.Figures.Total != 252 || again.FiguresIntro != "What we know of the men" {
		t.Errorf("after a save of the case: %+v, %q, %v", again.Figures, again.FiguresIntro, err)
	}
	// Unpublished: an empty snapshot.
	if err := s.PublishFigures(ctx, cs.ID, again.Version, again.FiguresIntro, model.CaseFigures{}); err != nil {
		t.Fatal(err)
	}
	if again, _ = s.CaseByID(ctx, cs.ID); again.Figures.Shown() {
		t.Errorf("after withdrawing: %+v", again.Figures)
	}
	if log, _ := s.AuditLog(ctx, store.AuditFilter{Action: "case.figures"}); len(log) != 1 || !strings.Contains(log[0].After, `"count":252`) {
		t.Errorf("audit of the published figures: %+v", log)
	}
	// A case without an introduction keeps its texts, and so its
	// translations' fingerprints, as before.
	plain := recordCase(t, s, "plain")
	if _, ok := plain.Texts()["figures_intro"]; ok {
		t.Error("an empty introduction is among the texts")
	}
}

// testRecordVerifyLater: a single-source re-detention corroborated later
// drafts its follow-up then, once: confirming it afterwards, or saying
// corroborated again, drafts nothing more; the status in public figures
// follows the level.
func testRecordVerifyLater(t *testing.T, s Store) {
	cs := recordCase(t, s, "expelled")
	r := addRecord(t, s, model.Record{CaseID: cs.ID, Label: "Individual 017"})
	other := addRecord(t, s, model.Record{CaseID: cs.ID, Label: "Individual 018"})
	e := addEvent(t, s, model.RecordEvent{RecordID: r.ID, Kind: model.EventReDetained, Date: day(2025, 10, 2)})
	follow := func(slug string) *store.FollowUp {
		return &store.FollowUp{Action: model.Action{Slug: slug, CaseID: cs.ID, Lang: "en", Kind: model.ActionAppeal, Title: slug}}
	}
	if counts, _ := s.CaseFigures(ctx, cs.ID); counts.ByStatus[model.RecordReDetained] != 0 {
		t.Errorf("a single-source re-detention counts: %+v", counts)
	}
	c := store.WithActor(ctx, researcher)
	if _, err := s.SetEventVerification(c, other.ID, e.ID, model.VerifiedCorroborated, researcher.At, follow("x")); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("through another record: %v, want ErrNotFound", err)
	}
	got, err := s.SetEventVerification(c, r.ID, e.ID, model.VerifiedCorroborated, researcher.At, follow("fi-later"))
	if err != nil || got.ActionID == 0 || got.Verification != model.VerifiedCorroborated {
		t.Fatalf("corroborated later: %+v, %v", got, err)
	}
	for _, level := range []model.Verification{model.VerifiedConfirmed, model.VerifiedCorroborated} {
		again, err := s.SetEventVerification(c, r.ID, e.ID, level, researcher.At, follow("fi-again-"+string(level)))
		if err != nil || again.ActionID != got.ActionID {
			t.Errorf("%s afterwards: %+v, %v", level, again, err)
		}
	}
	if drafts, _ := s.FollowUpDrafts(ctx); len(drafts) != 1 || drafts[0].Slug != "fi-later" {
		t.Errorf("drafts: %+v", drafts)
	}
	if counts, _ := s.CaseFigures(ctx, cs.ID); counts.ByStatus[model.RecordReDetained] != 1 {
		t.Errorf("a corroborated re-detention does not count: %+v", counts)
	}
	if _, err := s.SetEventVerification(c, r.ID, e.ID, "rumour", researcher.At, nil); err == nil {
		t.Error("an unknown level was stored")
	}
	log, _ := s.AuditLog(ctx, store.AuditFilter{Action: "record.event.verify"})
	if len(log) != 3 || !strings.Contains(log[2].Before, `"Verification":"single"`) || !strings.Contains(log[2].After, `"Verification":"corroborated"`) {
		t.Errorf("audit: %+v", log)
	}
}
