package admin

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"vigil/internal/model"
	"vigil/internal/store"
)

func TestSupportersExportAndErase(t *testing.T) {
	h := newHarness(t)
	h.addUser("admin@example.org", model.RoleAdmin)
	b := h.browser()
	b.login("admin@example.org")
	a := &model.Action{Slug: "sign-now", Lang: "en", Kind: model.ActionPetition, Title: "Sign now", Published: h.clock,
		Consents: []model.ConsentRequest{{Key: "updates", Text: "Tell me what happens"}}}
	if err := h.db.SaveAction(ctx, a); err != nil {
		t.Fatal(err)
	}
	h.db.SetPublished(ctx, "action", a.ID, a.Version, h.clock)
	sign := func(email, name, comment string) store.Participated {
		res, err := h.db.Participate(ctx, store.Participate{ActionSlug: "sign-now", Now: h.clock,
			Supporter:     model.Supporter{Email: email, Name: name, Country: "VE", PostalCode: "1010", Lang: "es"},
			Participation: model.Participation{Comment: comment},
			Consents:      []model.Consent{{Key: "updates", Text: "Tell me what happens", Given: true, Source: "/actions/sign-now"}},
			Email:         store.ParticipationEmail{MessageID: "c-" + email + "@test", Lang: "es"},
		})
		if err != nil {
			t.Fatal(err)
		}
		h.db.ConfirmParticipation(ctx, res.ParticipationID, h.clock)
		return res
	}
	ana := sign("ana@example.org", "Ana María Pérez", "=HYPERLINK(\"http://evil\")")
	sign("ben@example.org", "Ben", "Free them")

	// Search by exact address, through the blind index.
	if r := b.post("/admin/supporters", "/admin/supporters", url.Values{"email": {"ANA@example.org"}}); r.status != http.StatusSeeOther || r.location != fmt.Sprintf("/admin/supporters/%d", ana.SupporterID) {
		t.Fatalf("search: %d %s", r.status, r.location)
	}
	if r := b.post("/admin/supporters", "/admin/supporters", url.Values{"email": {"nobody@example.org"}}); r.status != http.StatusNotFound || !strings.Contains(r.body, "Nobody with this address") || !strings.Contains(r.body, `value="nobody@example.org"`) {
		t.Errorf("unknown address: %d", r.status)
	}
	if r := b.post("/admin/supporters", "/admin/supporters", url.Values{"email": {"not an address"}}); r.status != http.StatusBadRequest {
		t.Errorf("not an address: %d", r.status)
	}
	page := b.get(fmt.Sprintf("/admin/supporters/%d", ana.SupporterID))
	for _, want := range []string{"Ana María Pérez", "Tell me what happens", "Sign now", "confirm"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("supporter page lacks %q", want)
		}
	}
	// Every search and every look at a supporter's page is in the audit
	// log, as exports are: who, whom, from where; never the address
	// searched.
	reads, _ := h.db.AuditLog(ctx, store.AuditFilter{Action: "supporter."})
	var got []string
	for _, e := range reads {
		if e.UserEmail != "admin@example.org" || e.IPHash == "" || e.ObjectType != "supporter" || strings.Contains(e.After, "@") {
			t.Errorf("audit entry: %+v", e)
		}
		got = append(got, fmt.Sprintf("%s %d %s", e.Action, e.ObjectID, e.After))
	}
	want := []string{
		fmt.Sprintf("supporter.read %d ", ana.SupporterID),
		`supporter.search 0 {"found":false}`,
		`supporter.search 0 {"found":false}`,
		fmt.Sprintf(`supporter.search %d {"found":true}`, ana.SupporterID),
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit log of supporter reads, newest first:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// The export: the columns other tools import, formulas defused.
	r := b.get(fmt.Sprintf("/admin/actions/%d/export.csv", a.ID))
	rows, err := csv.NewReader(strings.NewReader(r.body)).ReadAll()
	if err != nil || r.header.Get("Content-Disposition") == "" {
		t.Fatalf("export: %v\n%s", err, r.body)
	}
	if strings.Join(rows[0], ",") != "first_name,last_name,email,zip_code,country,language,created_date,comments,confirmed_by_email,consents" || len(rows) != 3 {
		t.Fatalf("export rows: %q", rows)
	}
	if got := strings.Join(rows[1], "|"); !strings.HasPrefix(got, "Ana|María Pérez|ana@example.org|1010|VE|es|") ||
		!strings.HasSuffix(got, "|'=HYPERLINK(\"http://evil\")|yes|updates=yes") {
		t.Errorf("export row: %s", got)
	}
	list := b.get(fmt.Sprintf("/admin/actions/%d/signatures", a.ID))
	if !strings.Contains(list.body, "<td>1</td><td>Ana María Pérez</td><td>Venezuela</td>") || strings.Contains(list.body, "@example.org") ||
		!strings.Contains(list.body, "<strong>2</strong> people signed") || !strings.Contains(list.body, "End of the list: 2 signatures.") {
		t.Errorf("signature list:\n%s", list.body)
	}

	// Erase: the person is gone, the count stays.
	eraseAt := fmt.Sprintf("/admin/supporters/%d", ana.SupporterID)
	if r := b.post(eraseAt, eraseAt+"/erase", url.Values{}); !strings.Contains(b.get(r.location).body, "Nothing was erased") {
		t.Errorf("erase without confirming: %s", r.location)
	}
	if r := b.post(eraseAt, eraseAt+"/erase", url.Values{"confirm": {"yes"}}); r.status != http.StatusSeeOther {
		t.Fatalf("erase: %d", r.status)
	}
	if page := b.get(eraseAt); strings.Contains(page.body, "Ana") || !strings.Contains(page.body, "Erased on") {
		t.Errorf("after erasure:\n%s", page.body)
	}
	r = b.get(fmt.Sprintf("/admin/actions/%d/export.csv", a.ID))
	if strings.Contains(r.body, "ana@example.org") || strings.Count(r.body, "\n") != 2 {
		t.Errorf("export after erasure:\n%s", r.body)
	}
	if got, _ := h.db.ActionByID(ctx, a.ID); got.Count != 2 {
		t.Errorf("count after erasure: %d", got.Count)
	}
	log, _ := h.db.AuditLog(ctx, store.AuditFilter{Action: "export."})
	if len(log) != 3 || log[0].After != `{"rows":1}` {
		t.Errorf("exports audited: %+v", log)
	}
}

// TestNewsletterExport downloads the newsletter's subscribers as staff who
// may export personal data do: only those who receive it, in the
// participant export's columns, formulas defused, the read audited.
func TestNewsletterExport(t *testing.T) {
	onBoth(t, func(t *testing.T, h *harness) {
		h.addUser("editor@example.org", model.RoleEditor)
		b := h.browser()
		b.login("editor@example.org")
		subscribe := func(email, name, source string) int64 {
			t.Helper()
			res, err := h.db.Subscribe(ctx, store.Subscribe{Supporter: model.Supporter{Email: email, Name: name, Lang: "es"},
				Consent: model.Consent{Key: model.ConsentNewsletter, Text: "Send me the newsletter", Given: true, Source: source},
				Now:     h.clock.Add(-48 * time.Hour)}, nil)
			if err != nil {
				t.Fatal(err)
			}
			return res.SupporterID
		}
		confirm := func(id int64) {
			t.Helper()
			if err := h.db.ConfirmSupporter(ctx, id, h.clock.Add(-24*time.Hour), model.Consent{}); err != nil {
				t.Fatal(err)
			}
		}
		confirm(subscribe("ana@example.org", "Ana María Pérez", "/es/subscribe"))
		confirm(subscribe("mallory@example.org", "=cmd|' /C calc'!A0", "@SUM(1+1)"))
		subscribe("ben@example.org", "Ben", "/subscribe") // never confirmed
		cleo := subscribe("cleo@example.org", "Cleo", "/subscribe")
		confirm(cleo)
		if err := h.db.Unsubscribe(ctx, cleo, h.clock); err != nil {
			t.Fatal(err)
		}

		page := b.get("/admin/supporters")
		if !strings.Contains(page.body, `href="/admin/supporters/newsletter.csv"`) {
			t.Errorf("the supporters page does not link to the newsletter export:\n%s", page.body)
		}
		r := b.get("/admin/supporters/newsletter.csv")
		if r.status != http.StatusOK || r.header.Get("Content-Type") != "text/csv; charset=utf-8" ||
			r.header.Get("Content-Disposition") != `attachment; filename="newsletter-subscribers-`+h.clock.UTC().Format("2006-01-02")+`.csv"` {
			t.Fatalf("download: %d %v", r.status, r.header)
		}
		rows, err := csv.NewReader(strings.NewReader(r.body)).ReadAll()
		if err != nil {
			t.Fatalf("not CSV: %v\n%s", err, r.body)
		}
		confirmed := h.clock.Add(-24 * time.Hour).UTC().Format(time.RFC3339)
		want := [][]string{
			{"first_name", "last_name", "email", "zip_code", "country", "language", "subscription_date", "source"},
			{"Ana", "María Pérez", "ana@example.org", "", "", "es", confirmed, "/es/subscribe"},
			{"'=cmd|'", "/C calc'!A0", "mallory@example.org", "", "", "es", confirmed, "'@SUM(1+1)"},
		}
		if fmt.Sprint(rows) != fmt.Sprint(want) {
			t.Errorf("export:\n%q\nwant\n%q", rows, want)
		}
		log, _ := h.db.AuditLog(ctx, store.AuditFilter{Action: "export.subscribers"})
		if len(log) != 1 || log[0].UserEmail != "editor@example.org" || log[0].IPHash == "" || log[0].ObjectType != "supporters" ||
			log[0].After != `{"rows":2}` {
			t.Errorf("export audited: %+v", log)
		}
	})
}

func TestImportReportsBadRows(t *testing.T) {
	h := newHarness(t)
	h.addUser("admin@example.org", model.RoleAdmin)
	b := h.browser()
	b.login("admin@example.org")
	file := "Email,First name,Last name,Postal code,Country,Language\n" +
		"lucia@example.org,Lucía,Rojas,1010,ve,es\n" +
		"not-an-address,Bad,Row,,VE,es\n" +
		"LUCIA@example.org,Again,Same,,VE,es\n" +
		"marco@example.org,Marco,,,Venezuela,en\n" +
		"nina@example.org,Nina,,,,de\n" +
		"omar@example.org,Omar,Haddad,,,\n"
	send := func(form url.Values, csvFile string) answer {
		form.Set("csrf", b.csrf("/admin/supporters/import"))
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		for k, vs := range form {
			for _, v := range vs {
				mw.WriteField(k, v)
			}
		}
		if csvFile != "" {
			fw, _ := mw.CreateFormFile("file", "people.csv")
			fw.Write([]byte(csvFile))
		}
		mw.Close()
		req, _ := http.NewRequest("POST", h.srv.URL+"/admin/supporters/import", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		res, err := b.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var buf bytes.Buffer
		buf.ReadFrom(res.Body)
		return answer{status: res.StatusCode, body: buf.String()}
	}
	form := url.Values{"consent_source": {"Paper petition, Caracas vigil"}, "consent_key": {"newsletter"},
		"consent_text": {"Send me news about this case"}, "confirmed": {"yes"}}
	if r := send(url.Values{"consent_key": {"newsletter"}}, ""); r.status != http.StatusBadRequest || !strings.Contains(r.body, "Choose a CSV file") {
		t.Errorf("no file: %d", r.status)
	}
	if r := send(form, "name,phone\nx,1\n"); r.status != http.StatusBadRequest || !strings.Contains(r.body, "one of them email") {
		t.Errorf("no email column: %d", r.status)
	}
	r := send(form, file)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("import: %d\n%s", r.status, r.body)
	}
	for _, want := range []string{"6 rows read", "<strong>2</strong> new supporters added", "<strong>4</strong> rejected",
		"<td>3</td><td>not-an-address</td><td>Not a valid email address.</td>",
		"<td>4</td><td>LUCIA@example.org</td><td>This address is on an earlier line of the file.</td>",
		"two-letter code", "must be one the site offers: en, ar, es, fr"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	lucia, err := h.db.SupporterByEmail(ctx, "lucia@example.org")
	if err != nil || lucia.Name != "Lucía Rojas" || lucia.Country != "VE" || lucia.PostalCode != "1010" || lucia.Confirmed.IsZero() {
		t.Errorf("imported: %+v, %v", lucia, err)
	}
	if cs, _ := h.db.Consents(ctx, lucia.ID); len(cs) != 1 || cs[0].Source != "import: Paper petition, Caracas vigil" {
		t.Errorf("consent: %+v", cs)
	}
	// Again: nobody is added twice.
	r = send(form, file)
	if !strings.Contains(r.body, "<strong>0</strong> new supporters added, <strong>2</strong> already known") {
		t.Errorf("second import:\n%s", r.body)
	}
}

// TestImportReadsActionNetworkColumns: a file exported from Action Network,
// or from Vigil itself, imports as it is: zip_code is the postal code, and
// columns Vigil does not keep are passed over.
func TestImportReadsActionNetworkColumns(t *testing.T) {
	file := "uuid,first_name,last_name,email,zip_code,can2_user_city,country,can2_subscription_status\n" +
		"action_network:1,Lucía,Rojas,lucia@example.org,1010,Caracas,VE,subscribed\n"
	report, rows, problem := readImport(strings.NewReader(file), []string{"en", "es"})
	if problem.Key != "" || len(report.Rejected) != 0 || len(rows) != 1 {
		t.Fatalf("import: %+v %+v %v", report, rows, problem)
	}
	if sup := rows[0].Supporter; sup.Email != "lucia@example.org" || sup.Name != "Lucía Rojas" || sup.PostalCode != "1010" ||
		sup.Country != "VE" || sup.Lang != "en" {
		t.Errorf("imported: %+v", sup)
	}
}
