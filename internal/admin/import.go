package admin

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
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
	Reason msg
}

func (s *Server) importPage(w http.ResponseWriter, r *http.Request) {
	f := newForm(nil)
	f.values.Set("consent_key", "newsletter")
	s.renderImport(w, r, http.StatusOK, f, nil)
}

func (s *Server) renderImport(w http.ResponseWriter, r *http.Request, status int, f *form, report *importReport) {
	s.render(w, r, status, "import", "title.import", importData{F: f, Report: report, MaxRows: maxImportRows,
		Columns: []string{"email", "first_name", "last_name", "name", "zip_code", "country", "language"}})
}

// importSupporters reads a CSV of supporters from another tool, checks
// every row, keeps the good ones and reports the others with the reason.
func (s *Server) importSupporters(w http.ResponseWriter, r *http.Request) {
	f := newForm(r.PostForm)
	consent := model.Consent{Key: f.line("consent_key", 40, true), Text: f.text("consent_text", 1000, true),
		Source: f.line("consent_source", 300, true), Given: true}
	if consent.Key != "" && !slugPattern.MatchString(consent.Key) {
		f.fail("consent_key", "form.import.consent-key")
	}
	confirmed := f.Has("confirmed", "yes")
	file, _, err := r.FormFile("file")
	if err != nil {
		f.fail("file", "form.import.choose-file")
	}
	if !f.OK() {
		s.renderImport(w, r, http.StatusBadRequest, f, nil)
		return
	}
	defer file.Close()
	consent.Source = "import: " + consent.Source
	report, rows, problem := readImport(file, s.languages())
	if problem.Key != "" {
		f.fail("file", problem.Key, problem.Args...)
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
// whole (not CSV, no email column, too many rows) is returned as a
// message.
func readImport(file io.Reader, offered []string) (*importReport, []store.ImportRow, msg) {
	cr := csv.NewReader(file)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, nil, say("form.import.not-csv")
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		h = strings.NewReplacer(" ", "_", "-", "_").Replace(h)
		col[h] = i
	}
	if _, ok := col["email"]; !ok {
		return nil, nil, say("form.import.no-email-column")
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
			return nil, nil, say("form.import.too-many-rows", "Max", maxImportRows)
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		reject := func(key string, args ...any) {
			report.Rejected = append(report.Rejected, rejectedRow{Line: line, Email: get("email"), Reason: say(key, args...)})
		}
		if err != nil {
			reject("form.import.row.not-csv")
			continue
		}
		// zip_code, as Action Network and Vigil's own exports name it;
		// postal_code, as files made for earlier versions of Vigil do.
		postal := get("zip_code")
		if postal == "" {
			postal = get("postal_code")
		}
		sup := model.Supporter{Name: get("name"), PostalCode: postal, Country: strings.ToUpper(get("country")),
			Lang: strings.ToLower(get("language"))}
		if sup.Name == "" {
			sup.Name = strings.TrimSpace(get("first_name") + " " + get("last_name"))
		}
		email, err := secret.NormaliseEmail(get("email"))
		switch {
		case !utf8.ValidString(strings.Join(rec, "")):
			reject("form.import.row.encoding")
		case err != nil:
			reject("form.import.row.email")
		case seen[email]:
			reject("form.import.row.repeated")
		case utf8.RuneCountInString(sup.Name) > 200 || strings.ContainsAny(sup.Name, "\r\n<>"):
			reject("form.import.row.name")
		case len(sup.PostalCode) > 20:
			reject("form.import.row.postal-code")
		case sup.Country != "" && (len(sup.Country) != 2 || strings.Trim(sup.Country, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != ""):
			reject("form.import.row.country")
		case sup.Lang != "" && !slices.Contains(offered, sup.Lang):
			reject("form.import.row.language", "Languages", strings.Join(offered, ", "))
		default:
			seen[email] = true
			sup.Email = email
			if sup.Lang == "" {
				sup.Lang = offered[0]
			}
			rows = append(rows, store.ImportRow{Supporter: sup})
		}
	}
	return report, rows, msg{}
}
