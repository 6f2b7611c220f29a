package storetest

import (
	"database/sql"
	"strconv"
	"strings"
	"testing"

	"vigil/internal/model"
	"vigil/internal/secret"
	"vigil/internal/store"
)

// LegacyRecordsBefore is the last migration before records had events.
const LegacyRecordsBefore = 24

// RunLegacyRecords checks the move of records made before events into
// their first event. s is migrated up to LegacyRecordsBefore only; db is
// its pool, numbered says whether its placeholders are $1, $2; finish
// applies the remaining migrations. Two records are written as Vigil wrote
// them then, sealed as it sealed them; after finish each reads back with
// its status, place, date and source as its first event, sealed for the
// event's own row.
func RunLegacyRecords(t *testing.T, s Store, keys *secret.Keys, db *sql.DB, numbered bool, finish func() error) {
	q := func(query string) string {
		if !numbered {
			return query
		}
		n := 0
		var b strings.Builder
		for _, r := range query {
			if r == '?' {
				n++
				b.WriteString("$" + strconv.Itoa(n))
				continue
			}
			b.WriteRune(r)
		}
		return b.String()
	}
	// The case as that Vigil stored it, before cases had figures.
	var caseID int64
	if err := db.QueryRowContext(ctx, q(`INSERT INTO cases (slug, lang, title, status, updated_at) VALUES (?, ?, ?, ?, ?)
		RETURNING id`), "expelled", "en", "Men expelled", "active", "2026-02-01T00:00:00.000Z").Scan(&caseID); err != nil {
		t.Fatal(err)
	}
	old := func(name, status, place, confirmed, note string) int64 {
		t.Helper()
		var id int64
		var date any
		if confirmed != "" {
			date = confirmed
		}
		if err := db.QueryRowContext(ctx, q(`INSERT INTO records (case_id, status, last_confirmed, version, created_at, updated_at)
			VALUES (?, ?, ?, 1, ?, ?) RETURNING id`), caseID, status, date, "2026-02-01T00:00:00.000Z", "2026-02-01T00:00:00.000Z").Scan(&id); err != nil {
			t.Fatal(err)
		}
		seal := func(column, v string) []byte { return keys.SealString(v, secret.AD("records", column, id)) }
		if _, err := db.ExecContext(ctx, q(`UPDATE records SET name_sealed = ?, place_sealed = ?, source_note_sealed = ? WHERE id = ?`),
			seal("name_sealed", name), seal("place_sealed", place), seal("source_note_sealed", note), id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	held := old("Zoë Méndez", "transferred", "Izalco", "2025-05-01", "Her sister, by phone")
	unknown := old("Andrés", "unknown", "", "", "")
	if err := finish(); err != nil {
		t.Fatal(err)
	}
	r, err := s.RecordByID(ctx, held)
	if err != nil {
		t.Fatal(err)
	}
	if r.Name != "Zoë Méndez" || len(r.Events) != 1 || r.Status() != model.RecordDetained || !r.LastConfirmed().Equal(day(2025, 5, 1)) {
		t.Fatalf("the moved record: %+v, status %s", r, r.Status())
	}
	e := r.Events[0]
	if e.Kind != model.EventTransferred || e.Place != "Izalco" || e.Source != "Her sister, by phone" || !e.Date.IsZero() ||
		e.Precision != model.PrecisionNone || !e.SourceDate.Equal(day(2025, 5, 1)) || e.Verification != model.VerifiedSingle {
		t.Errorf("its first event: %+v", e)
	}
	u, err := s.RecordByID(ctx, unknown)
	if err != nil || len(u.Events) != 1 || u.Events[0].Kind != model.EventNote || u.Status() != model.RecordUnknown {
		t.Errorf("the record of unknown status: %+v, %v", u, err)
	}
	if d, ok := s.(store.Dumper); ok {
		for _, row := range DumpRows(t, d)["record_events"] {
			if row["legacy_seal"] != false {
				t.Errorf("an event still marked legacy: %v", row)
			}
		}
	}
}
