package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"vigil/internal/api"
	"vigil/internal/demo"
	"vigil/internal/model"
	"vigil/internal/notify"
	"vigil/internal/store"
	"vigil/internal/testutil"
)

var ctx = context.Background()

// apiStore is what the tests set up and look at besides the API's reads.
type apiStore interface {
	store.Store
}

// fixture is the demo content with three supporters who acted and one
// erased, and one key per combination of scopes the tests use.
type fixture struct {
	st    apiStore
	srv   *httptest.Server
	keys  map[string]string // by scopes, "read,people"
	now   time.Time
	signs map[string]store.Participated
}

func newFixture(t *testing.T, st apiStore, opts ...func(*api.Options)) *fixture {
	t.Helper()
	now := testutil.Now
	if _, err := demo.Install(ctx, st, now.Add(-48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	f := &fixture{st: st, keys: map[string]string{}, now: now, signs: map[string]store.Participated{}}
	sign := func(slug, email, name string, at time.Time, confirm bool, part model.Participation, consents ...model.Consent) {
		res, err := st.Participate(ctx, store.Participate{ActionSlug: slug, Now: at, Participation: part, Consents: consents,
			Supporter: model.Supporter{Email: email, Name: name, Country: "VE", PostalCode: "1010", Lang: "es"}})
		if err != nil {
			t.Fatal(err)
		}
		if confirm {
			if _, _, err := st.ConfirmParticipation(ctx, res.ParticipationID, at.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		f.signs[email+" "+slug] = res
	}
	day := now.Add(-24 * time.Hour)
	// Ana asks for the newsletter; Carla confirms without.
	sign(demo.DeportationsSlug, "ana@example.org", "Ana María Pérez", day, true, model.Participation{Comment: "Libérenlos", ShareCode: "wa1"},
		model.Consent{Key: model.ConsentNewsletter, Text: "Send me the newsletter", Given: true, Source: "/actions/x", At: day})
	sign(demo.CanadaSlug, "ana@example.org", "Ana María Pérez", day.Add(time.Minute), true,
		model.Participation{Subject: "Free them", Letter: "Dear President, free them."})
	sign(demo.DeportationsSlug, "bruno@example.org", "Bruno", day.Add(2*time.Minute), false, model.Participation{Referrer: "https://partner.example"})
	sign(demo.UgandaSlug, "carla@example.org", "Carla Ruiz", day.Add(3*time.Minute), true, model.Participation{})
	sign(demo.UgandaSlug, "erased@example.org", "Gone Person", day.Add(4*time.Minute), true, model.Participation{})
	if err := st.EraseSupporter(ctx, f.signs["erased@example.org "+demo.UgandaSlug].SupporterID, day.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	for _, scopes := range []string{"read", "people", "write", "read,people", "read,people,write", "revoked"} {
		key, hash := api.NewKey()
		list := scopes
		if scopes == "revoked" {
			list = "read,people,write"
		}
		parsed, err := model.ParseScopes(list)
		if err != nil {
			t.Fatal(err)
		}
		k := &model.APIKey{Name: "key " + scopes, Hash: hash, Scopes: parsed, Created: day}
		if err := st.CreateAPIKey(ctx, k); err != nil {
			t.Fatal(err)
		}
		if scopes == "revoked" {
			if err := st.RevokeAPIKey(ctx, k.ID, day); err != nil {
				t.Fatal(err)
			}
		}
		f.keys[scopes] = key
	}
	var handler http.Handler
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(f.srv.Close)
	composer, err := notify.New(testutil.Keys(t), f.srv.URL, "Vigil <noreply@vigil.test>", st)
	if err != nil {
		t.Fatal(err)
	}
	o := api.Options{Store: st, Keys: testutil.Keys(t), BaseURL: f.srv.URL, Now: func() time.Time { return now }, Emails: composer}
	for _, fn := range opts {
		fn(&o)
	}
	a, err := api.New(o)
	if err != nil {
		t.Fatal(err)
	}
	handler = a
	return f
}

// post sends a JSON body to a path under the API with a key.
func (f *fixture) post(t *testing.T, key, path, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("OSDI-API-Token", key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("POST %s: %d, not JSON: %s", path, resp.StatusCode, raw)
	}
	checkAnswer(t, http.MethodPost, path, resp.StatusCode, raw)
	return resp.StatusCode, doc
}

// get fetches a URL (or a path under the API) with a key, decoding the
// JSON answer.
func (f *fixture) get(t *testing.T, key, url string) (int, map[string]any) {
	t.Helper()
	if strings.HasPrefix(url, "/") {
		url = f.srv.URL + url
	}
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("OSDI-API-Token", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/hal+json") {
		t.Errorf("GET %s: Content-Type %q", url, ct)
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("GET %s: %d, not JSON: %s", url, resp.StatusCode, body)
	}
	checkAnswer(t, http.MethodGet, resp.Request.URL.RequestURI(), resp.StatusCode, body)
	return resp.StatusCode, doc
}

// hrefs returns the links of a document under rel: one or a list.
func hrefs(doc map[string]any, rel string) []string {
	l, _ := doc["_links"].(map[string]any)
	switch v := l[rel].(type) {
	case map[string]any:
		return []string{v["href"].(string)}
	case []any:
		var out []string
		for _, x := range v {
			out = append(out, x.(map[string]any)["href"].(string))
		}
		return out
	}
	return nil
}

func sqliteStore(t *testing.T) apiStore { return testutil.SQLite(t) }

func forEachStore(t *testing.T, fn func(t *testing.T, st apiStore)) {
	t.Run("SQLite", func(t *testing.T) { fn(t, testutil.SQLite(t)) })
	t.Run("Postgres", func(t *testing.T) { fn(t, testutil.PostgresStore(t)) })
}

// TestWalkFromTheEntryPoint follows links as a HAL client does: from the
// entry point to every collection, every page of it, every item, and the
// items each item links to. Each is answered, and reads back the same
// whether embedded or fetched alone.
func TestWalkFromTheEntryPoint(t *testing.T) {
	forEachStore(t, func(t *testing.T, st apiStore) {
		f := newFixture(t, st)
		key := f.keys["read,people"]
		status, entry := f.get(t, key, "/api/v1/")
		if status != http.StatusOK {
			t.Fatalf("entry point: %d %v", status, entry)
		}
		for _, field := range []string{"motd", "vendor_name", "product_name", "osdi_version", "max_pagesize"} {
			if entry[field] == nil {
				t.Errorf("entry point without %s", field)
			}
		}
		if c := hrefs(entry, "curies"); len(c) != 1 || !strings.Contains(c[0], "{rel}") {
			t.Errorf("curies %v", c)
		}
		fetched := map[string]map[string]any{}
		var fetch func(url string, depth int)
		fetch = func(url string, depth int) {
			if _, ok := fetched[url]; ok || depth > 3 {
				return
			}
			status, doc := f.get(t, key, url)
			if status != http.StatusOK {
				t.Errorf("GET %s: %d %v", url, status, doc)
				return
			}
			fetched[url] = doc
			l, _ := doc["_links"].(map[string]any)
			for rel := range l {
				if rel == "self" || rel == "curies" || rel == "docs" || strings.HasPrefix(rel, "osdi:record_") {
					continue
				}
				for _, h := range hrefs(doc, rel) {
					fetch(h, depth+1)
				}
			}
			emb, _ := doc["_embedded"].(map[string]any)
			for _, items := range emb {
				for _, it := range items.([]any) {
					item := it.(map[string]any)
					self := hrefs(item, "self")[0]
					fetch(self, depth+1)
					if alone := fetched[self]; alone != nil && fmt.Sprint(alone) != fmt.Sprint(item) {
						t.Errorf("%s embedded and alone differ:\n%v\n%v", self, item, alone)
					}
				}
			}
		}
		fetch(f.srv.URL+"/api/v1/", 0)
		t.Logf("walked %d documents", len(fetched))

		count := func(prefix string) (n int) {
			for url := range fetched {
				rest, ok := strings.CutPrefix(url, f.srv.URL+prefix)
				if ok && rest != "" && !strings.ContainsAny(rest, "/?") {
					n++
				}
			}
			return n
		}
		// Ana, Bruno and Carla; not the erased supporter.
		if n := count("/api/v1/people/"); n != 3 {
			t.Errorf("walked to %d people, want 3", n)
		}
		published, err := st.PublishedActions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[model.ActionKind]int{}
		for _, a := range published {
			kinds[a.Kind]++
		}
		if n := count("/api/v1/petitions/"); n != kinds[model.ActionPetition] || n == 0 {
			t.Errorf("walked to %d petitions, want %d", n, kinds[model.ActionPetition])
		}
		if n := count("/api/v1/advocacy_campaigns/"); n != kinds[model.ActionAppeal] || n == 0 {
			t.Errorf("walked to %d advocacy campaigns, want %d", n, kinds[model.ActionAppeal])
		}
		for url, doc := range fetched {
			if strings.Contains(url, "gone") || strings.Contains(fmt.Sprint(doc), "erased@example.org") {
				t.Errorf("%s shows the erased supporter: %v", url, doc)
			}
		}

		// Ana as a CRM sees her.
		ana := f.signs["ana@example.org "+demo.DeportationsSlug]
		_, person := f.get(t, key, fmt.Sprintf("/api/v1/people/%d", ana.SupporterID))
		email := person["email_addresses"].([]any)[0].(map[string]any)
		postal := person["postal_addresses"].([]any)[0].(map[string]any)
		if person["given_name"] != "Ana" || person["family_name"] != "María Pérez" || email["address"] != "ana@example.org" ||
			email["status"] != "subscribed" || postal["postal_code"] != "1010" || postal["country"] != "VE" ||
			person["preferred_language"] != "es" {
			t.Errorf("Ana: %v", person)
		}
		// Carla confirmed, but asked for no newsletter; Bruno never
		// confirmed: a CRM must write to neither.
		_, carla := f.get(t, key, fmt.Sprintf("/api/v1/people/%d", f.signs["carla@example.org "+demo.UgandaSlug].SupporterID))
		if s := carla["email_addresses"].([]any)[0].(map[string]any)["status"]; s != "unsubscribed" {
			t.Errorf("Carla's address: %v", s)
		}
		_, people := f.get(t, key, "/api/v1/people?filter="+queryEscape("email_address eq 'BRUNO@example.org'"))
		list := people["_embedded"].(map[string]any)["osdi:people"].([]any)
		if len(list) != 1 || list[0].(map[string]any)["email_addresses"].([]any)[0].(map[string]any)["status"] != "unsubscribed" {
			t.Errorf("Bruno by email: %v", people)
		}
		// Ana's signature, with its petition and its source.
		_, sigs := f.get(t, key, fmt.Sprintf("/api/v1/people/%d/signatures", ana.SupporterID))
		items := sigs["_embedded"].(map[string]any)["osdi:signatures"].([]any)
		if len(items) != 1 {
			t.Fatalf("Ana's signatures: %v", sigs)
		}
		sig := items[0].(map[string]any)
		if sig["comments"] != "Libérenlos" || sig["referrer_data"].(map[string]any)["source"] != "wa1" ||
			hrefs(sig, "osdi:petition")[0] != fmt.Sprintf("%s/api/v1/petitions/%d", f.srv.URL, ana.Action.ID) ||
			hrefs(sig, "osdi:person")[0] != fmt.Sprintf("%s/api/v1/people/%d", f.srv.URL, ana.SupporterID) {
			t.Errorf("Ana's signature: %v", sig)
		}
		// Her letter, with its targets.
		_, outs := f.get(t, key, fmt.Sprintf("/api/v1/people/%d/outreaches", ana.SupporterID))
		out := outs["_embedded"].(map[string]any)["osdi:outreaches"].([]any)[0].(map[string]any)
		if out["subject"] != "Free them" || out["message"] != "Dear President, free them." || len(out["targets"].([]any)) == 0 {
			t.Errorf("Ana's outreach: %v", out)
		}
		// A petition counts its confirmed signatures.
		_, pet := f.get(t, key, fmt.Sprintf("/api/v1/petitions/%d", ana.Action.ID))
		a, err := st.ActionBySlug(ctx, demo.DeportationsSlug)
		if err != nil {
			t.Fatal(err)
		}
		if pet["total_signatures"] != float64(a.Count) || pet["title"] != a.Title ||
			pet["browser_url"] != f.srv.URL+"/actions/"+demo.DeportationsSlug {
			t.Errorf("petition: %v (count %d)", pet, a.Count)
		}
	})
}

func queryEscape(s string) string {
	r := strings.NewReplacer(" ", "%20", "'", "%27", "@", "%40")
	return r.Replace(s)
}

// TestPagesCoverEveryRecordOnce pages through people one at a time by
// the next links: every person once, and the totals agree.
func TestPagesCoverEveryRecordOnce(t *testing.T) {
	forEachStore(t, func(t *testing.T, st apiStore) {
		f := newFixture(t, st)
		key := f.keys["people"]
		seen := map[string]bool{}
		url, pages := "/api/v1/people?per_page=1", 0
		for url != "" {
			status, doc := f.get(t, key, url)
			if status != http.StatusOK {
				t.Fatalf("%s: %d %v", url, status, doc)
			}
			pages++
			if doc["total_records"] != float64(3) || doc["total_pages"] != float64(3) || doc["per_page"] != float64(1) ||
				doc["page"] != float64(pages) {
				t.Errorf("page %d: %v", pages, doc)
			}
			for _, h := range hrefs(doc, "osdi:people") {
				if seen[h] {
					t.Errorf("%s on two pages", h)
				}
				seen[h] = true
			}
			url = ""
			if next := hrefs(doc, "next"); len(next) == 1 {
				url = next[0]
			}
			if pages > 5 {
				t.Fatal("next links do not end")
			}
		}
		if len(seen) != 3 {
			t.Errorf("paged through %d people, want 3", len(seen))
		}
		// What changed since yesterday's sync: Carla only (confirmed
		// last); then nothing.
		carla := f.signs["carla@example.org "+demo.UgandaSlug]
		// Ana confirmed at 13:00 and 13:01, Carla at 13:03.
		since := f.now.Add(-24 * time.Hour).Add(time.Hour + 2*time.Minute).Format(time.RFC3339)
		_, doc := f.get(t, key, "/api/v1/people?filter="+queryEscape("modified_date gt '"+since+"'"))
		if h := hrefs(doc, "osdi:people"); len(h) != 1 || !strings.HasSuffix(h[0], fmt.Sprintf("/people/%d", carla.SupporterID)) {
			t.Errorf("changed since %s: %v", since, h)
		}
		_, doc = f.get(t, key, "/api/v1/people?filter="+queryEscape("modified_date gt '"+f.now.Format("2006-01-02")+"'"))
		if doc["total_records"] != float64(0) {
			t.Errorf("changed since today: %v", doc)
		}
	})
}

// TestKeysAndScopes: each endpoint answers a key with its scope, 403 to
// a key without, 401 without a valid key; nothing else leaks.
func TestKeysAndScopes(t *testing.T) {
	f := newFixture(t, sqliteStore(t))
	ana := f.signs["ana@example.org "+demo.DeportationsSlug]
	pet := fmt.Sprintf("/api/v1/petitions/%d", ana.Action.ID)
	appeal := f.signs["ana@example.org "+demo.CanadaSlug]
	tags, err := f.st.Tags(ctx)
	if err != nil || len(tags) == 0 {
		t.Fatalf("tags %v, %v", tags, err)
	}
	tagged := fmt.Sprintf("/api/v1/tags/%d", tags[0].ID)
	endpoints := []struct {
		path  string
		scope string
	}{
		{"/api/v1/", "read"},
		{fmt.Sprintf("/api/v1/advocacy_campaigns/%d", appeal.Action.ID), "read"},
		{tagged, "read"},
		{tagged + "/taggings", "read"},
		{fmt.Sprintf("/api/v1/advocacy_campaigns/%d/outreaches", appeal.Action.ID), "people"},
		{fmt.Sprintf("/api/v1/advocacy_campaigns/%d/outreaches/%d", appeal.Action.ID, appeal.ParticipationID), "people"},
		{fmt.Sprintf("/api/v1/people/%d/signatures", ana.SupporterID), "people"},
		{fmt.Sprintf("/api/v1/people/%d/outreaches", ana.SupporterID), "people"},
		{"POST " + pet + "/signatures", "write"},
		{fmt.Sprintf("POST /api/v1/advocacy_campaigns/%d/outreaches", appeal.Action.ID), "write"},
		{"/api/v1/petitions", "read"},
		{pet, "read"},
		{"/api/v1/advocacy_campaigns", "read"},
		{"/api/v1/tags", "read"},
		{"/api/v1/people", "people"},
		{fmt.Sprintf("/api/v1/people/%d", ana.SupporterID), "people"},
		{pet + "/signatures", "people"},
		{fmt.Sprintf("%s/signatures/%d", pet, ana.ParticipationID), "people"},
		{"/api/v1/signatures", "people"},
		{"/api/v1/outreaches", "people"},
	}
	for _, e := range endpoints {
		for key, scopes := range map[string]string{
			"":                    "",
			"vgl_wrong":           "",
			f.keys["revoked"]:     "",
			f.keys["read"]:        "read",
			f.keys["people"]:      "people",
			f.keys["write"]:       "write",
			f.keys["read,people"]: "read,people",
		} {
			want := http.StatusOK
			switch {
			case scopes == "":
				want = http.StatusUnauthorized
			case !strings.Contains(scopes, e.scope):
				want = http.StatusForbidden
			}
			var status int
			var doc map[string]any
			if path, ok := strings.CutPrefix(e.path, "POST "); ok {
				status, doc = f.post(t, key, path, `{"person": {"email_addresses": [{"address": "matrix@example.org"}]}}`)
			} else {
				status, doc = f.get(t, key, e.path)
			}
			if status != want {
				t.Errorf("GET %s with scopes %q: %d, want %d (%v)", e.path, scopes, status, want, doc)
			}
			if status != http.StatusOK && (doc["error"] == nil || doc["_embedded"] != nil) {
				t.Errorf("GET %s with scopes %q: refusal without an error, or with data: %v", e.path, scopes, doc)
			}
		}
	}
}

// TestBadRequests: what an integrator gets wrong is answered 400 or 404
// with a message saying what.
func TestBadRequests(t *testing.T) {
	f := newFixture(t, sqliteStore(t))
	key := f.keys["read,people"]
	for path, want := range map[string]int{
		"/api/v1/people?per_page=1000":                                          400,
		"/api/v1/people?page=0":                                                 400,
		"/api/v1/people?page=x":                                                 400,
		"/api/v1/people?filter=" + queryEscape("name eq 'Ana'"):                 400,
		"/api/v1/people?filter=" + queryEscape("modified_date gt 2026"):         400,
		"/api/v1/people?filter=" + queryEscape("modified_date gt 'soon'"):       400,
		"/api/v1/people?filter=" + queryEscape("email_address eq 'nobody'"):     400,
		"/api/v1/petitions?filter=" + queryEscape("email_address eq 'a@b.org'"): 400,
		"/api/v1/petitions/999999":                                              404,
		"/api/v1/petitions/abc":                                                 404,
		"/api/v1/people/999999":                                                 404,
		"/api/v1/nothing":                                                       404,
		fmt.Sprintf("/api/v1/people/%d", f.signs["erased@example.org "+demo.UgandaSlug].SupporterID): 404,
	} {
		status, doc := f.get(t, key, path)
		msg, _ := doc["error"].(string)
		if status != want || msg == "" {
			t.Errorf("GET %s: %d %v, want %d with an error", path, status, doc, want)
		}
	}
	// A page past the end is empty, not an error.
	status, doc := f.get(t, key, "/api/v1/people?page=9")
	if status != http.StatusOK || doc["total_records"] != float64(3) || len(hrefs(doc, "osdi:people")) != 0 {
		t.Errorf("a page past the end: %d %v", status, doc)
	}
}

// TestReadsOfPeopleAreAudited: each read of personal data names the key
// in the audit log; reading petitions adds nothing.
func TestReadsOfPeopleAreAudited(t *testing.T) {
	f := newFixture(t, sqliteStore(t))
	key := f.keys["read,people"]
	before, err := f.st.AuditLog(ctx, store.AuditFilter{Action: "api."})
	if err != nil || len(before) != 0 {
		t.Fatalf("audit before: %v, %v", before, err)
	}
	f.get(t, key, "/api/v1/petitions")
	f.get(t, key, "/api/v1/people?per_page=2")
	ana := f.signs["ana@example.org "+demo.DeportationsSlug]
	f.get(t, key, fmt.Sprintf("/api/v1/people/%d", ana.SupporterID))
	f.get(t, key, "/api/v1/signatures")
	log, err := f.st.AuditLog(ctx, store.AuditFilter{Action: "api."})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range log {
		got = append(got, fmt.Sprintf("%s %s %d %s", e.Action, e.ObjectType, e.ObjectID, e.After))
		if !strings.Contains(e.UserEmail, "key read,people") || e.IPHash == "" || !e.At.Equal(f.now) {
			t.Errorf("entry %+v does not name the key, the client or the time", e)
		}
	}
	want := []string{
		`api.signatures.read participation 0 {"path":"/api/v1/signatures","records":3}`,
		fmt.Sprintf(`api.people.read supporter %d {"path":"/api/v1/people/%d","records":1}`, ana.SupporterID, ana.SupporterID),
		`api.people.read supporter 0 {"path":"/api/v1/people?per_page=2","records":2}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audited:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestRateLimitPerKey: past its allowance a key is answered 429 with
// Retry-After; another key is not held back.
func TestRateLimitPerKey(t *testing.T) {
	f := newFixture(t, sqliteStore(t), func(o *api.Options) { o.Rate = 12 }) // a burst of 2
	for i, want := range []int{200, 200, 429} {
		if status, doc := f.get(t, f.keys["read"], "/api/v1/petitions"); status != want {
			t.Errorf("request %d: %d, want %d (%v)", i+1, status, want, doc)
		}
	}
	if status, _ := f.get(t, f.keys["read,people"], "/api/v1/petitions"); status != 200 {
		t.Errorf("another key: %d", status)
	}
}

// TestKeyUseRecorded: a key's last use shows in the store, written once
// a minute at most.
func TestKeyUseRecorded(t *testing.T) {
	f := newFixture(t, sqliteStore(t))
	f.get(t, f.keys["read"], "/api/v1/")
	keys, err := f.st.APIKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		used := !k.LastUsed.IsZero()
		if used != (k.Name == "key read") || used && !k.LastUsed.Equal(f.now) {
			t.Errorf("key %q last used %v", k.Name, k.LastUsed)
		}
	}
}
