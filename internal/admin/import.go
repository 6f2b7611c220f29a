package admin

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"vigil/internal/model"
	"vigil/internal/secret"
	"vigil/internal/store"
)

// maxImportRows bounds one import; larger lists go in several files.
const maxImportRows = 200_000

type importData struct {
	F        *form
	Report   *importReport
	Columns  []string
	MaxRows  int
	Consents []string
}

type importReport struct {
	Rows, Added, Known int
	Rejected           []rejectedRow
}

type rejectedRow struct {
	Line   int
	Email  string
	Reason string
}

func (s *Server) importPage(w http.ResponseWriter, r *http.Request) {
	f := newForm(nil)
	f.values.Set("consent_key", "newsletter")
	s.renderImport(w, r, http.StatusOK, f, nil)
}

func (s *Server) renderImport(w http.ResponseWriter, r *http.Request, status int, f *form, report *importReport) {
	s.render(w, r, status, "import", "Import supporters", importData{F: f, Report: report, MaxRows: maxImportRows,
		Columns: []string{"email", "first_name", "last_name", "name", "postal_code", "country", "language"}})
}

// importSupporters reads a CSV of supporters from another tool, checks
// every row, keeps the good ones and reports the others with the reason.
func (s *Server) importSupporters(w http.ResponseWriter, r *http.Request) {
	f := newForm(r.PostForm)
	consent := model.Consent{Key: f.line("consent_key", 40, true), Text: f.text("consent_text", 1000, true),
		Source: f.line("consent_source", 300, true), Given: true}
	if consent.Key != "" && !slugPattern.MatchString(consent.Key) {
		f.fail("consent_key", "A short key such as newsletter or updates.")
	}
	confirmed := f.Has("confirmed", "yes")
	file, _, err := r.FormFile("file")
	if err != nil {
		f.fail("file", "Choose a CSV file.")
	}
	if !f.OK() {
		s.renderImport(w, r, http.StatusBadRequest, f, nil)
		return
	}
	defer file.Close()
	consent.Source = "import: " + consent.Source
	report, rows, problem := readImport(file)
	if problem != "" {
		f.fail("file", problem)
		s.renderImport(w, r, http.StatusBadRequest, f, nil)
		return
	}
	for start := 0; start < len(rows); start += 500 {
		batch := rows[start:min(start+500, len(rows))]
		for i := range batch {
			batch[i].Confirmed, batch[i].Consent = confirmed, consent
		}
		added, known, err := s.store.ImportSupporters(r.Context(), batch, s.now())
		if err != nil {
			s.serverError(w, r, fmt.Errorf("import after %d rows: %w", report.Added+report.Known, err))
			return
		}
		report.Added += added
		report.Known += known
	}
	status := http.StatusOK
	if len(report.Rejected) > 0 {
		status = http.StatusUnprocessableEntity
	}
	s.renderImport(w, r, status, f, report)
}

// readImport checks a CSV file row by row. A problem with the file as a
// whole (not CSV, no email column, too many rows) is returned as text.
func readImport(file io.Reader) (*importReport, []store.ImportRow, string) {
	cr := csv.NewReader(file)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, nil, "This file is not CSV, or it is empty."
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		h = strings.NewReplacer(" ", "_", "-", "_").Replace(h)
		col[h] = i
	}
	if _, ok := col["email"]; !ok {
		return nil, nil, "The first line must name the columns, one of them email (also: first_name, last_name or name, postal_code, country, language)."
	}
	report := &importReport{}
	var rows []store.ImportRow
	seen := map[string]bool{}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if report.Rows++; report.Rows > maxImportRows {
			return nil, nil, fmt.Sprintf("At most %d rows per file; split it.", maxImportRows)
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		reject := func(reason string) {
			report.Rejected = append(report.Rejected, rejectedRow{Line: line, Email: get("email"), Reason: reason})
		}
		if err != nil {
			reject("This line is not valid CSV.")
			continue
		}
		sup := model.Supporter{Name: get("name"), PostalCode: get("postal_code"), Country: strings.ToUpper(get("country")),
			Lang: strings.ToLower(get("language"))}
		if sup.Name == "" {
			sup.Name = strings.TrimSpace(get("first_name") + " " + get("last_name"))
		}
		email, err := secret.NormaliseEmail(get("email"))
		switch {
		case !utf8.ValidString(strings.Join(rec, "")):
			reject("Characters that cannot be read (save the file as UTF-8).")
		case err != nil:
			reject("Not a valid email address.")
		case seen[email]:
			reject("This address is on an earlier line of the file.")
		case utf8.RuneCountInString(sup.Name) > 200 || strings.ContainsAny(sup.Name, "\r\n<>"):
			reject("The name is too long or holds line breaks or angle brackets.")
		case len(sup.PostalCode) > 20:
			reject("The postal code is longer than 20 characters.")
		case sup.Country != "" && (len(sup.Country) != 2 || strings.Trim(sup.Country, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != ""):
			reject("The country must be a two-letter code such as VE.")
		case sup.Lang != "" && sup.Lang != "en" && sup.Lang != "es":
			reject("The language must be en or es.")
		default:
			seen[email] = true
			sup.Email = email
			if sup.Lang == "" {
				sup.Lang = "en"
			}
			rows = append(rows, store.ImportRow{Supporter: sup})
		}
	}
	return report, rows, ""
}
