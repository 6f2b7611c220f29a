package admin

import (
	"encoding/csv"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"vigil/internal/model"
	"vigil/internal/store"
)

// participantColumns are the columns of an action's participant export,
// named so that other campaigning tools map them without help: Action
// Network's names for a person's fields (its exports and uploads say
// first_name, last_name, email, zip_code, country), OSDI's for the
// signature's own (created_date, comments), and plain words for what only
// Vigil records: whether the participation was confirmed from the
// supporter's mailbox, and the answers to the action's consent requests
// (key=yes or key=no, separated by semicolons).
var participantColumns = []string{"first_name", "last_name", "email", "zip_code", "country", "language", "created_date",
	"comments", "confirmed_by_email", "consents"}

// subscriberColumns are the columns of the newsletter export, named as the
// participant export's are; subscription_date is when the yes took effect
// (model.SubscribedSince), source where it was given.
var subscriberColumns = []string{"first_name", "last_name", "email", "zip_code", "country", "language",
	"subscription_date", "source"}

// splitName splits a full name at its first space, as the tools that want
// first and last names expect.
func splitName(name string) (first, last string) {
	first, last, _ = strings.Cut(strings.TrimSpace(name), " ")
	return first, strings.TrimSpace(last)
}

// cell keeps a value from being read as a formula by a spreadsheet: a
// leading =, +, -, @, tab or carriage return gets an apostrophe.
func cell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// flushEvery is how many rows an export writes between flushes, so the
// browser sees the download grow.
const flushEvery = 1000

// csvDownload is a CSV export being sent.
type csvDownload struct {
	w    http.ResponseWriter
	cw   *csv.Writer
	rows int
}

// startCSV starts a CSV attachment called name with its header row.
func (s *Server) startCSV(w http.ResponseWriter, name string, header []string) *csvDownload {
	s.attachment(w, name)
	d := &csvDownload{w: w, cw: csv.NewWriter(w)}
	d.cw.Write(header)
	return d
}

// write adds a row, and sends what is buffered every flushEvery rows.
func (d *csvDownload) write(fields []string) error {
	d.cw.Write(fields)
	if d.rows++; d.rows%flushEvery == 0 {
		d.cw.Flush()
		keepWriting(d.w)
	}
	return d.cw.Error()
}

// end sends the last rows.
func (d *csvDownload) end() { d.cw.Flush() }

// exportParticipants streams an action's participants as CSV, a batch at
// a time: memory stays flat for a million rows.
func (s *Server) exportParticipants(w http.ResponseWriter, r *http.Request) {
	a, ok := fromPath(s, w, r, s.store.ActionByID)
	if !ok {
		return
	}
	d := s.startCSV(w, fmt.Sprintf("%s-participants-%s.csv", a.Slug, s.now().UTC().Format("2006-01-02")), participantColumns)
	err := s.store.ExportParticipants(r.Context(), a.ID, func(p store.Participant) error {
		first, last := splitName(p.Supporter.Name)
		var consents []string
		for _, c := range a.Consents {
			if given, ok := p.Answer(c.Key); ok {
				consents = append(consents, c.Key+"="+yesNo(given))
			}
		}
		return d.write([]string{cell(first), cell(last), cell(p.Supporter.Email), cell(p.Supporter.PostalCode),
			p.Supporter.Country, p.Supporter.Lang, p.Participation.Created.UTC().Format(time.RFC3339),
			cell(p.Participation.Comment), yesNo(!p.Participation.Confirmed.IsZero()), strings.Join(consents, ";")})
	})
	d.end()
	s.auditExport(r, "export.participants", "action", a.ID, d.rows, err)
}

// exportSubscribers streams the newsletter's subscribers as CSV, for the
// tool that sends it: everyone whose latest answer to the newsletter is a
// yes, confirmed from their mailbox, neither unsubscribed nor erased.
func (s *Server) exportSubscribers(w http.ResponseWriter, r *http.Request) {
	d := s.startCSV(w, fmt.Sprintf("newsletter-subscribers-%s.csv", s.now().UTC().Format("2006-01-02")), subscriberColumns)
	err := s.store.ExportSubscribers(r.Context(), func(sub store.Subscriber) error {
		first, last := splitName(sub.Supporter.Name)
		return d.write([]string{cell(first), cell(last), cell(sub.Supporter.Email), cell(sub.Supporter.PostalCode),
			sub.Supporter.Country, sub.Supporter.Lang, sub.Since.UTC().Format(time.RFC3339), cell(sub.Consent.Source)})
	})
	d.end()
	s.auditExport(r, "export.subscribers", "supporters", 0, d.rows, err)
}

// keepWriting sends what is buffered and gives the download another
// minute: a long export is not cut off by the server's write timeout as
// long as rows keep coming.
func keepWriting(w http.ResponseWriter) {
	rc := http.NewResponseController(w)
	rc.Flush()
	rc.SetWriteDeadline(time.Now().Add(time.Minute))
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func (s *Server) attachment(w http.ResponseWriter, name string) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
}

// auditExport records a bulk read of personal data: of one object (an
// action), or of many (objectID 0). Once the download has started its
// status cannot change, so a failure is logged and recorded.
func (s *Server) auditExport(r *http.Request, action, objectType string, objectID int64, rows int, err error) {
	u := sessionOf(r).User
	after := fmt.Sprintf(`{"rows":%d}`, rows)
	if err != nil {
		s.log.Error("export stopped", "export", action, "object", objectID, "rows", rows, "err", err)
		after = fmt.Sprintf(`{"rows":%d,"error":%q}`, rows, err.Error())
	}
	if err := s.store.RecordAudit(r.Context(), model.AuditEntry{At: s.now(), UserID: u.ID, UserEmail: u.Email,
		IPHash: s.ipHash(r), Action: action, ObjectType: objectType, ObjectID: objectID, After: after}); err != nil {
		s.log.Error("audit", "err", err)
	}
}

// signatureRow is one line of a list for an official: no email, no postal
// code.
type signatureRow struct {
	Number int
	Name   string
	Place  string
	Date   string
}

func place(country string) string {
	region, err := language.ParseRegion(country)
	if err != nil {
		return country
	}
	if name := display.English.Regions().Name(region); name != "" {
		return name
	}
	return country
}

// signatures calls fn with each confirmed signature, numbered.
func (s *Server) signatures(r *http.Request, a model.Action, fn func(signatureRow) error) (int, error) {
	n := 0
	err := s.store.ExportParticipants(r.Context(), a.ID, func(p store.Participant) error {
		if p.Participation.Confirmed.IsZero() {
			return nil
		}
		n++
		name := p.Supporter.Name
		if name == "" {
			name = "(name withheld)"
		}
		return fn(signatureRow{Number: n, Name: name, Place: place(p.Supporter.Country),
			Date: p.Participation.Created.UTC().Format("2 January 2006")})
	})
	return n, err
}

var signatureHead = template.Must(template.New("head").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>Signatures: {{.Action.Title}}</title>
<link rel="stylesheet" href="/admin/static/admin.css"></head>
<body class="signatures"><main id="main">
<h1>{{.Action.Title}}</h1>
<p>{{if .Targets}}To {{.Targets}}. {{end}}<strong>{{.Total}}</strong> people signed; the list below numbers each of them, so you can see how far it has loaded. Prepared on {{.Date}}.</p>
<p class="noprint"><a href="/admin/actions/{{.Action.ID}}/signatures.csv">The same list as CSV</a> · Print this page, or save it as PDF, to hand it over.</p>
<table><thead><tr><th scope="col">No.</th><th scope="col">Name</th><th scope="col">Place</th><th scope="col">Date</th></tr></thead>
<tbody>
`))

// signatureList streams a printable list of the people who signed, fit to
// hand to an official: names, places and dates, never emails. Rows are
// numbered against the total shown first, and flushed as they come, so
// the page itself shows how far it has got.
func (s *Server) signatureList(w http.ResponseWriter, r *http.Request) {
	a, ok := fromPath(s, w, r, s.store.ActionByID)
	if !ok {
		return
	}
	_, total, err := s.store.CountParticipants(r.Context(), a.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	var targets []string
	for _, t := range a.Targets {
		targets = append(targets, strings.TrimSpace(t.Name+", "+t.Title))
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	signatureHead.Execute(w, map[string]any{"Action": a, "Total": total, "Targets": strings.Join(targets, "; "),
		"Date": s.now().UTC().Format("2 January 2006")})
	n, err := s.signatures(r, a, func(row signatureRow) error {
		_, err := fmt.Fprintf(w, "<tr><td>%d</td><td>%s</td><td>%s</td><td>%s</td></tr>\n", row.Number,
			template.HTMLEscapeString(row.Name), template.HTMLEscapeString(row.Place), row.Date)
		if row.Number%flushEvery == 0 {
			keepWriting(w)
		}
		return err
	})
	fmt.Fprint(w, "</tbody></table>\n")
	if err != nil {
		fmt.Fprint(w, `<p class="problem">The list stopped early: reload the page to try again.</p>`)
	} else {
		fmt.Fprintf(w, "<p>End of the list: %d signatures.</p>\n", n)
	}
	fmt.Fprint(w, "</main></body></html>\n")
	s.auditExport(r, "export.signatures", "action", a.ID, n, err)
}

func (s *Server) signatureListCSV(w http.ResponseWriter, r *http.Request) {
	a, ok := fromPath(s, w, r, s.store.ActionByID)
	if !ok {
		return
	}
	d := s.startCSV(w, fmt.Sprintf("%s-signatures-%s.csv", a.Slug, s.now().UTC().Format("2006-01-02")),
		[]string{"number", "name", "place", "date"})
	n, err := s.signatures(r, a, func(row signatureRow) error {
		return d.write([]string{strconv.Itoa(row.Number), cell(row.Name), row.Place, row.Date})
	})
	d.end()
	s.auditExport(r, "export.signatures", "action", a.ID, n, err)
}
