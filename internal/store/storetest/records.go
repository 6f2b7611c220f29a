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
// individuals: sealed at rest, versioned, and audited with every write.
func RunRecords(t *testing.T, open func(t *testing.T) Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s Store)
	}{
		{"RoundTrip", testRecordRoundTrip},
		{"SealedAtRest", testRecordSealedAtRest},
		{"StaleWritesChangeNothing", testRecordStaleWrites},
		{"Delete", testRecordDelete},
		{"Audited", testRecordAudited},
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

func testRecordRoundTrip(t *testing.T, s Store) {
	cs, other := recordCase(t, s, "expelled"), recordCase(t, s, "other")
	r := addRecord(t, s, model.Record{CaseID: cs.ID, Name: "Zoë Méndez", Status: model.RecordDetained,
		Place: "CECOT, Tecoluca", LastConfirmed: day(2025, 4, 2), SourceNote: "Her sister, by phone\nsecond line"})
	if r.ID == 0 || r.Version != 1 || r.Created.IsZero() || !r.Updated.Equal(r.Created) {
		t.Fatalf("created: %+v", r)
	}
	// No place, no date, no source: an individual barely known yet.
	addRecord(t, s, model.Record{CaseID: cs.ID, Name: "andrés", Status: model.RecordUnknown})
	addRecord(t, s, model.Record{CaseID: other.ID, Name: "Someone else", Status: model.RecordReleased})

	got, err := s.RecordByID(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !sameRecord(got, r) {
		t.Errorf("read back\n got %+v\nwant %+v", got, r)
	}
	list, err := s.RecordsOfCase(ctx, cs.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Name != "andrés" || !sameRecord(list[1], r) {
		t.Errorf("records of the case, by name: %+v", list)
	}
	if !list[0].LastConfirmed.IsZero() || list[0].Place != "" || list[0].SourceNote != "" {
		t.Errorf("empty fields come back as %+v", list[0])
	}
	if none, err := s.RecordsOfCase(ctx, 9999); err != nil || len(none) != 0 {
		t.Errorf("records of a case that is not there: %+v, %v", none, err)
	}
	if _, err := s.RecordByID(ctx, 9999); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("a record that is not there: %v, want ErrNotFound", err)
	}
	if err := s.SaveRecord(ctx, &model.Record{CaseID: 9999, Name: "x", Status: model.RecordUnknown, Updated: researcher.At}); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("a record of a case that is not there: %v, want ErrNotFound", err)
	}
	if err := s.SaveRecord(ctx, &model.Record{CaseID: cs.ID, Name: "x", Status: "missing", Updated: researcher.At}); err == nil {
		t.Error("a record with an unknown status was stored")
	}

	// A save changes every field but the case, and raises the version.
	edit := got
	edit.CaseID = other.ID
	edit.Name, edit.Status, edit.Place = "Zoë Méndez Ruiz", model.RecordTransferred, "Izalco"
	edit.LastConfirmed, edit.SourceNote = day(2025, 5, 1), ""
	edit.Updated = r.Updated.Add(time.Hour) // the save's own date
	if err := s.SaveRecord(ctx, &edit); err != nil {
		t.Fatal(err)
	}
	again, err := s.RecordByID(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if again.CaseID != cs.ID || again.Name != "Zoë Méndez Ruiz" || again.Status != model.RecordTransferred ||
		again.Place != "Izalco" || !again.LastConfirmed.Equal(day(2025, 5, 1)) || again.SourceNote != "" ||
		again.Version != 2 || !again.Created.Equal(r.Created) || !again.Updated.Equal(r.Updated.Add(time.Hour)) {
		t.Errorf("after a save: %+v", again)
	}
	if !sameRecord(edit, again) {
		t.Errorf("the saved record is not what reads back:\n got %+v\nwant %+v", edit, again)
	}
}

// testRecordSealedAtRest reads the database as stored, through its dump
// (the rows as they are, sealed fields sealed): the name, place and source
// note are in no table in the clear, the audit log included.
func testRecordSealedAtRest(t *testing.T, s Store) {
	d, ok := s.(store.Dumper)
	if !ok {
		t.Fatalf("%T is no store.Dumper: cannot read what it stores", s)
	}
	cs := recordCase(t, s, "expelled")
	r := addRecord(t, s, model.Record{CaseID: cs.ID, Name: "Yusuf Kiprotich", Status: model.RecordDetained,
		Place: "Luzira Upper Prison", LastConfirmed: day(2025, 6, 1), SourceNote: "Lawyer Okello, visit"})
	r.Place = "Kitalya Mini-Max"
	if err := s.SaveRecord(store.WithActor(ctx, researcher), &r); err != nil {
		t.Fatal(err)
	}
	secrets := []string{"Yusuf", "Kiprotich", "Luzira", "Kitalya", "Okello"}
	rows := DumpRows(t, d)
	if len(rows["records"]) != 1 {
		t.Fatalf("%d rows in records, want 1", len(rows["records"]))
	}
	row := rows["records"][0]
	for _, col := range []string{"name_sealed", "place_sealed", "source_note_sealed"} {
		if b, ok := row[col].([]byte); !ok || len(b) < 16 {
			t.Errorf("records.%s is %s, want sealed bytes", col, showValue(row[col]))
		}
	}
	if row["status"] != "detained" {
		t.Errorf("records.status is %s, want it in the clear", showValue(row["status"]))
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
	if got, err := s.RecordByID(ctx, r.ID); err != nil || got.Name != "Yusuf Kiprotich" || got.Place != "Kitalya Mini-Max" {
		t.Errorf("the first record opens as %+v, %v", got, err)
	}
}

// sameRecord compares two records, times by the instant they name.
func sameRecord(a, b model.Record) bool {
	times := a.LastConfirmed.Equal(b.LastConfirmed) && a.Created.Equal(b.Created) && a.Updated.Equal(b.Updated)
	a.LastConfirmed, a.Created, a.Updated = b.LastConfirmed, b.Created, b.Updated
	return times && a == b
}

func testRecordStaleWrites(t *testing.T, s Store) {
	cs := recordCase(t, s, "expelled")
	r := addRecord(t, s, model.Record{CaseID: cs.ID, Name: "First", Status: model.RecordDetained})
	alice, bob := r, r
	alice.Status = model.RecordReleased
	if err := s.SaveRecord(ctx, &alice); err != nil {
		t.Fatal(err)
	}
	bob.Name, bob.Status = "Bob's spelling", model.RecordReDetained
	if err := s.SaveRecord(ctx, &bob); !errors.Is(err, model.ErrStale) {
		t.Errorf("a second save from the same version: %v, want ErrStale", err)
	}
	if err := s.DeleteRecord(ctx, r.ID, r.Version); !errors.Is(err, model.ErrStale) {
		t.Errorf("a delete at the old version: %v, want ErrStale", err)
	}
	got, err := s.RecordByID(ctx, r.ID)
	if err != nil || got.Name != "First" || got.Status != model.RecordReleased || got.Version != 2 {
		t.Errorf("stored %+v, %v; want Alice's save only", got, err)
	}
	missing := model.Record{ID: 9999, Version: 1, CaseID: cs.ID, Name: "x", Status: model.RecordUnknown, Updated: researcher.At}
	if err := s.SaveRecord(ctx, &missing); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("a save of a record that is not there: %v, want ErrNotFound", err)
	}
}

func testRecordDelete(t *testing.T, s Store) {
	cs := recordCase(t, s, "expelled")
	gone := addRecord(t, s, model.Record{CaseID: cs.ID, Name: "Gone", Status: model.RecordReturned})
	kept := addRecord(t, s, model.Record{CaseID: cs.ID, Name: "Kept", Status: model.RecordDetained})
	if err := s.DeleteRecord(store.WithActor(ctx, researcher), gone.ID, gone.Version); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordByID(ctx, gone.ID); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("a deleted record reads as %v, want ErrNotFound", err)
	}
	if list, err := s.RecordsOfCase(ctx, cs.ID); err != nil || len(list) != 1 || !sameRecord(list[0], kept) {
		t.Errorf("records left: %+v, %v", list, err)
	}
	if err := s.DeleteRecord(ctx, gone.ID, gone.Version); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("a second delete: %v, want ErrNotFound", err)
	}
	// A new record does not take the deleted one's ID: audit entries name
	// records by ID.
	next := addRecord(t, s, model.Record{CaseID: cs.ID, Name: "Next", Status: model.RecordUnknown})
	if next.ID <= kept.ID {
		t.Errorf("a new record got ID %d, not past %d", next.ID, kept.ID)
	}
}

func testRecordAudited(t *testing.T, s Store) {
	cs := recordCase(t, s, "expelled")
	c := store.WithActor(ctx, researcher)
	r := model.Record{CaseID: cs.ID, Name: "Audited Person", Status: model.RecordDetained, Place: "Somewhere", Updated: researcher.At,
		LastConfirmed: day(2025, 3, 16)}
	if err := s.SaveRecord(c, &r); err != nil {
		t.Fatal(err)
	}
	r.Name, r.Status = "Audited Person Jr", model.RecordReleased
	if err := s.SaveRecord(c, &r); err != nil {
		t.Fatal(err)
	}
	stale := r
	stale.Version = 1
	if err := s.SaveRecord(c, &stale); !errors.Is(err, model.ErrStale) {
		t.Fatalf("stale save: %v", err)
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
		if strings.Contains(e.Before+e.After, "Audited") || strings.Contains(e.Before+e.After, "Somewhere") {
			t.Errorf("%s holds a sealed field in the clear: %s → %s", e.Action, e.Before, e.After)
		}
	}
	// The refused save left nothing.
	if got := strings.Join(actions, " "); got != "record.delete record.save record.create" {
		t.Fatalf("audit: %s", got)
	}
	create, save, del := log[2], log[1], log[0]
	want := fmt.Sprintf(`"ID":%d,"CaseID":%d,"Status":"detained","LastConfirmed":"2025-03-16","Version":1`, r.ID, cs.ID)
	if create.Before != "" || !strings.Contains(create.After, want) {
		t.Errorf("record.create: %q → %q", create.Before, create.After)
	}
	if !strings.Contains(save.Before, `"Status":"detained"`) || !strings.Contains(save.After, `"Status":"released"`) ||
		!strings.Contains(save.After, `"Version":2`) || !strings.Contains(save.After, `"Changed":["name"]`) {
		t.Errorf("record.save: %s → %s", save.Before, save.After)
	}
	if !strings.Contains(del.Before, `"Version":2`) || del.After != "" {
		t.Errorf("record.delete: %q → %q", del.Before, del.After)
	}
	// Without an actor (the command line, tests) nothing is audited.
	if err := s.SaveRecord(ctx, &model.Record{CaseID: cs.ID, Name: "Quiet", Status: model.RecordUnknown, Updated: researcher.At}); err != nil {
		t.Fatal(err)
	}
	if all, _ := s.AuditLog(ctx, store.AuditFilter{Action: "record."}); len(all) != 3 {
		t.Errorf("%d record entries, want 3", len(all))
	}
}
