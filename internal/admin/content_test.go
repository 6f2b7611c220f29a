package admin

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"vigil/internal/model"
	"vigil/internal/store"
)

// multipartPost sends a form with an optional file, as a browser does.
func (b *browser) multipart(from, path string, form url.Values, file []byte) answer {
	b.h.t.Helper()
	if from != "" {
		form.Set("csrf", b.csrf(from))
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range form {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	if file != nil {
		fw, _ := mw.CreateFormFile("image", "photo.jpg")
		fw.Write(file)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", b.h.srv.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := b.client.Do(req)
	if err != nil {
		b.h.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return answer{status: res.StatusCode, location: res.Header.Get("Location"), body: string(data), header: res.Header}
}

// gpsPhoto is a JPEG carrying an EXIF segment with a location in it, as a
// phone writes.
func gpsPhoto(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 640, 400))
	for y := range 400 {
		for x := range 640 {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 90, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	payload := append([]byte("Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\x00\x00"), []byte("SECRETGPS 10.4806N 66.9036W")...)
	seg := append([]byte{0xFF, 0xE1, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}, payload...)
	data := buf.Bytes()
	return append(append(append([]byte{}, data[:2]...), seg...), data[2:]...)
}

func caseValues() url.Values {
	return url.Values{
		"do": {"save"}, "version": {"0"}, "title": {"Detained at the border"}, "slug": {"detained-at-the-border"},
		"lang": {"en"}, "status": {"active"}, "summary": {"Twelve people held without charge."},
		"body": {"They were **detained** on 2 May.\n\n<script>alert(1)</script>"}, "countries": {"sv, VE"},
		"tags": {"detention, asylum"}, "people_count": {"12"}, "reference": {"UA 1/26"},
		"demands":      {"Release them now\nLet their lawyers see them"},
		"event_date":   {"2026-05-02", "2026-05-20", ""},
		"event_place":  {"San Salvador", "Caracas", ""},
		"event_title":  {"Twelve people detained", "Two released", ""},
		"event_people": {"12", "2", ""},
		"event_body":   {"", "", ""},
		"image_alt":    {""},
	}
}

func TestWritingACase(t *testing.T) {
	h := newHarness(t)
	h.addUser("editor@example.org", model.RoleEditor)
	b := h.browser()
	b.login("editor@example.org")

	// A picture without a description is refused; everything typed stays.
	photo := gpsPhoto(t)
	a := b.multipart("/admin/cases/new", "/admin/cases/new", caseValues(), photo)
	if a.status != http.StatusBadRequest || !strings.Contains(a.body, "Describe the picture") ||
		!strings.Contains(a.body, `value="Detained at the border"`) || !strings.Contains(a.body, `value="Two released"`) ||
		!strings.Contains(a.body, "Let their lawyers see them") {
		t.Fatalf("picture without alt text: %d\n%s", a.status, a.body)
	}
	keptPicture := regexpFind(t, a.body, `name="image_id" value="(\d+)"`)
	if all, _ := h.db.AllCases(ctx); hasCase(all, "detained-at-the-border") {
		t.Fatal("a refused form stored a case")
	}

	// Bad fields: a message beside each, nothing stored.
	bad := caseValues()
	bad.Set("slug", "Not A Slug")
	bad["event_date"] = []string{"", "2026-05-20", ""}
	bad.Set("countries", "Salvador")
	a = b.multipart("/admin/cases/new", "/admin/cases/new", bad, nil)
	for _, want := range []string{"Lower-case letters", "Each event needs a date", "Two-letter country codes", `value="Not A Slug"`} {
		if !strings.Contains(a.body, want) {
			t.Errorf("bad form lacks %q (%d)", want, a.status)
		}
	}
	if all, _ := h.db.AllCases(ctx); hasCase(all, "detained-at-the-border") {
		t.Fatal("a form with errors stored a case")
	}

	// Preview: rendered, sanitised, not saved.
	prev := caseValues()
	prev.Set("do", "preview")
	a = b.multipart("/admin/cases/new", "/admin/cases/new", prev, nil)
	if a.status != http.StatusOK || !strings.Contains(a.body, "<strong>detained</strong>") || strings.Contains(a.body, "<script>alert") {
		t.Errorf("preview: %d\n%s", a.status, a.body)
	}

	// The picture sent with the refused form was kept: no need to choose it again.
	good := caseValues()
	good.Set("image_alt", "A street in San Salvador")
	good.Set("image_id", keptPicture)
	a = b.multipart("/admin/cases/new", "/admin/cases/new", good, nil)
	if a.status != http.StatusSeeOther || !strings.HasPrefix(a.location, "/admin/cases/") {
		t.Fatalf("save: %d %s\n%s", a.status, a.location, a.body)
	}
	all, _ := h.db.AllCases(ctx)
	var stored model.Case
	for _, c := range all {
		if c.Slug == "detained-at-the-border" {
			stored, _ = h.db.CaseByID(ctx, c.ID)
		}
	}
	if len(stored.Timeline) != 2 || len(stored.Demands) != 2 || fmt.Sprint(stored.Countries) != "[SV VE]" ||
		stored.PeopleCount != 12 || stored.Image == nil || stored.Image.Alt != "A street in San Salvador" || !stored.Published.IsZero() {
		t.Fatalf("stored: %+v", stored)
	}
	// The picture lost its location: no variant holds the EXIF segment.
	for _, w := range stored.Image.Widths {
		v, err := h.db.ImageVariant(ctx, stored.Image.PublicID, w)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(v.Data, []byte("SECRETGPS")) || bytes.Contains(v.Data, []byte("Exif")) {
			t.Errorf("the %d px picture keeps the location", w)
		}
	}
	if a := b.get("/cases/detained-at-the-border"); a.status != http.StatusNotFound {
		t.Errorf("a draft is public: %d", a.status)
	}
	if a := b.get(fmt.Sprintf("/admin/cases/%d/preview", stored.ID)); a.status != http.StatusOK || !strings.Contains(a.body, "Two released") {
		t.Errorf("preview of the draft as the site shows it: %d", a.status)
	}
	edit := fmt.Sprintf("/admin/cases/%d", stored.ID)
	a = b.post(edit, edit+"/publish", url.Values{"do": {"publish"}, "version": {fmt.Sprint(stored.Version)}})
	if a.status != http.StatusSeeOther {
		t.Fatalf("publish: %d", a.status)
	}
	page := b.get("/cases/detained-at-the-border")
	if page.status != http.StatusOK || !strings.Contains(page.body, "Twelve people detained") || strings.Contains(page.body, "<script>alert") {
		t.Errorf("public page: %d", page.status)
	}

	// Two editors open the same version; the second save meets the first.
	h.addUser("second@example.org", model.RoleEditor)
	b2 := h.browser()
	b2.login("second@example.org")
	current, _ := h.db.CaseByID(ctx, stored.ID)
	mine := caseForm(current).values
	mine.Set("do", "save")
	mine.Set("title", "Twelve detained at the border")
	if a := b.multipart(edit, edit, mine, nil); a.status != http.StatusSeeOther {
		t.Fatalf("first save: %d\n%s", a.status, a.body)
	}
	theirs := caseForm(current).values
	theirs.Set("do", "save")
	theirs.Set("body", "A new paragraph written by the second editor.")
	a = b2.multipart(edit, edit, theirs, nil)
	if a.status != http.StatusConflict || !strings.Contains(a.body, "Someone else saved") ||
		!strings.Contains(a.body, "Twelve detained at the border") || !strings.Contains(a.body, "A new paragraph written by the second editor.") {
		t.Fatalf("conflict: %d\n%s", a.status, a.body)
	}
	if got, _ := h.db.CaseByID(ctx, stored.ID); got.Title != "Twelve detained at the border" || strings.Contains(got.Body, "second editor") {
		t.Errorf("the conflicting save changed the case: %q", got.Title)
	}
	// Saving again from the conflict page (it carries the newer version) applies it.
	again := url.Values{}
	for k, vs := range theirs {
		again[k] = vs
	}
	again.Set("version", regexpFind(t, a.body, `name="version" value="(\d+)"`))
	if a := b2.multipart(edit, edit, again, nil); a.status != http.StatusSeeOther {
		t.Fatalf("save after the conflict: %d\n%s", a.status, a.body)
	}
	log, _ := h.db.AuditLog(ctx, store.AuditFilter{ObjectType: "case", ObjectID: stored.ID})
	if len(log) < 4 || log[0].Action != "case.save" || log[0].UserEmail != "second@example.org" {
		t.Errorf("audit of the case: %+v", log)
	}
}

func hasCase(cases []model.Case, slug string) bool {
	for _, c := range cases {
		if c.Slug == slug {
			return true
		}
	}
	return false
}

// TestTellEveryoneWhoActed publishes a closing update and queues it to the
// people who acted: confirmed, not unsubscribed, not having declined.
func TestTellEveryoneWhoActed(t *testing.T) {
	h := newHarness(t)
	h.addUser("editor@example.org", model.RoleEditor)
	b := h.browser()
	b.login("editor@example.org")
	c := &model.Case{Slug: "held", Lang: "en", Title: "Held without charge", Status: model.CaseActive, Published: h.clock, Updated: h.clock}
	if err := h.db.SaveCase(ctx, c); err != nil {
		t.Fatal(err)
	}
	a := &model.Action{Slug: "free-them", CaseID: c.ID, Lang: "en", Kind: model.ActionPetition, Title: "Free them",
		Published: h.clock, Consents: []model.ConsentRequest{{Key: "updates", Text: "Tell me what happens"}}}
	if err := h.db.SaveAction(ctx, a); err != nil {
		t.Fatal(err)
	}
	h.db.SetPublished(ctx, "action", a.ID, a.Version, h.clock)
	h.db.SetPublished(ctx, "case", c.ID, c.Version, h.clock)
	act := func(email, lang string, updates, confirm bool) int64 {
		res, err := h.db.Participate(ctx, store.Participate{ActionSlug: "free-them", Now: h.clock,
			Supporter: model.Supporter{Email: email, Name: strings.Split(email, "@")[0], Lang: lang},
			Consents:  []model.Consent{{Key: "updates", Text: "Tell me what happens", Given: updates, Source: "/actions/free-them"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if confirm {
			if _, _, err := h.db.ConfirmParticipation(ctx, res.ParticipationID, h.clock); err != nil {
				t.Fatal(err)
			}
		}
		return res.SupporterID
	}
	act("ana@example.org", "es", true, true)
	act("ben@example.org", "en", true, true)
	act("cleo@example.org", "en", false, true) // declined updates
	act("dan@example.org", "en", true, false)  // never confirmed
	gone := act("eve@example.org", "en", true, true)
	h.db.Unsubscribe(ctx, gone, h.clock)

	edit := fmt.Sprintf("/admin/cases/%d", c.ID)
	form := url.Values{"title": {"All released"}, "body": {"They are **home**."}, "final": {"yes"},
		"close_actions": {"yes"}, "status": {"monitoring"}, "do": {"publish"}, "last_number": {"-1"}}
	r := b.post(edit+"/updates/new", edit+"/updates/new", form)
	if r.status != http.StatusSeeOther || !strings.Contains(r.location, "/tell") {
		t.Fatalf("publish update: %d %s\n%s", r.status, r.location, r.body)
	}
	tellPath := strings.SplitN(r.location, "?", 2)[0]
	page := b.get(tellPath)
	for _, want := range []string{"<strong>2 people</strong>", "In Spanish: 1 person", "In English: 1 person", "Qué pasó después: Held without charge",
		"What happened next: Held without charge", "They are **home**.", "/unsubscribe/"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("tell page lacks %q", want)
		}
	}
	if closed, _ := h.db.ActionByID(ctx, a.ID); !closed.Closed {
		t.Error("the update did not close the action")
	}
	// Without ticking the box, nothing is queued. Sending, once started,
	// is marked running before the answer; wait for any such run to end
	// before looking.
	u, _ := h.db.UpdateByID(ctx, mustID(t, tellPath))
	if r := b.post(tellPath, tellPath, url.Values{}); r.status != http.StatusSeeOther || !strings.Contains(b.get(r.location).body, "Tick the box") {
		t.Errorf("tell without the box: %d %s, want to be asked to tick it", r.status, r.location)
	}
	waitFor(t, func() bool { return !h.admin.telling.running(u.ID) })
	if p, _ := h.db.UpdateProgress(ctx, u.ID); len(p) != 0 {
		t.Fatalf("queued without confirming: %v", p)
	}
	for range 2 { // twice: nobody gets it twice
		if r := b.post(tellPath, tellPath, url.Values{"confirm": {"yes"}}); r.status != http.StatusSeeOther {
			t.Fatalf("tell: %d", r.status)
		}
		waitFor(t, func() bool { return !h.admin.telling.running(u.ID) })
	}
	progress, _ := h.db.UpdateProgress(ctx, u.ID)
	if progress[model.MessageQueued] != 2 || len(progress) != 1 {
		t.Errorf("messages of the update: %v, want 2 queued", progress)
	}
	page = b.get(tellPath)
	if !strings.Contains(page.body, `http-equiv="refresh"`) || !strings.Contains(page.body, "0 of 2") {
		t.Errorf("progress page:\n%s", page.body)
	}
	log, _ := h.db.AuditLog(ctx, store.AuditFilter{Action: "update.tell"})
	if len(log) != 2 || log[1].After != `{"queued":2}` || log[0].After != `{"queued":0}` {
		t.Errorf("tell audit: %+v", log)
	}
}

func mustID(t *testing.T, path string) int64 {
	var caseID, updateID int64
	if _, err := fmt.Sscanf(path, "/admin/cases/%d/updates/%d/tell", &caseID, &updateID); err != nil {
		t.Fatal(err)
	}
	return updateID
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for !ok() {
		select {
		case <-ctx.Done():
			t.Fatal("timed out waiting")
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// TestLetterPerLanguage: an appeal's model letter in Spanish is what a
// supporter reading the site in Spanish edits.
func TestLetterPerLanguage(t *testing.T) {
	h := newHarness(t)
	h.addUser("editor@example.org", model.RoleEditor)
	b := h.browser()
	b.login("editor@example.org")
	targets, _ := h.db.Targets(ctx)
	form := url.Values{"do": {"save"}, "version": {"0"}, "title": {"Write to the ambassador"}, "slug": {"write-to-the-ambassador"},
		"lang": {"en"}, "kind": {"appeal"}, "delivery": {"each"}, "target": {fmt.Sprint(targets[0].ID)},
		"subject": {"Release them"}, "letter": {"{{salutation}}\n\nPlease release them."},
		"subject_es": {"Libérenlos"}, "letter_es": {""}}
	r := b.multipart("/admin/actions/new", "/admin/actions/new", form, nil)
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "Give both the subject and the letter in this language") ||
		!strings.Contains(r.body, `value="Libérenlos"`) {
		t.Fatalf("half a translation: %d", r.status)
	}
	form.Set("letter_es", "{{salutation}}\n\nLe pido que los libere.")
	if r := b.multipart("/admin/actions/new", "/admin/actions/new", form, nil); r.status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", r.status, r.body)
	}
	all, _ := h.db.AllActions(ctx)
	a := all[0]
	if a.Letters["es"].Subject != "Libérenlos" {
		t.Fatalf("stored letters: %+v", a.Letters)
	}
	if err := h.db.SetPublished(ctx, "action", a.ID, a.Version, h.clock); err != nil {
		t.Fatal(err)
	}
	h.site.ContentChanged()
	es := b.get("/es/actions/write-to-the-ambassador")
	en := b.get("/en/actions/write-to-the-ambassador")
	if !strings.Contains(es.body, "Le pido que los libere.") || !strings.Contains(es.body, `value="Libérenlos"`) {
		t.Errorf("the Spanish page does not offer the Spanish letter")
	}
	if !strings.Contains(en.body, "Please release them.") || strings.Contains(en.body, "Libérenlos") {
		t.Errorf("the English page does not offer the English letter")
	}
}

// TestUpdateDraftAndUnpublish: an update saved as a draft waits off the
// site and comes back in the form; a published one can be taken down.
func TestUpdateDraftAndUnpublish(t *testing.T) {
	h := newHarness(t)
	h.addUser("editor@example.org", model.RoleEditor)
	b := h.browser()
	b.login("editor@example.org")
	c := &model.Case{Slug: "held", Lang: "en", Title: "Held", Status: model.CaseActive, Published: h.clock, Updated: h.clock}
	if err := h.db.SaveCase(ctx, c); err != nil {
		t.Fatal(err)
	}
	page := fmt.Sprintf("/admin/cases/%d/updates/new", c.ID)
	r := b.post(page, page, url.Values{"title": {"Moved to another prison"}, "body": {"On 3 May they were moved."}, "do": {"draft"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("save draft: %d\n%s", r.status, r.body)
	}
	if pub := b.get("/cases/held"); strings.Contains(pub.body, "Moved to another prison") {
		t.Error("a draft update is on the case page")
	}
	form := b.get(page)
	if !strings.Contains(form.body, `value="Moved to another prison"`) || !strings.Contains(form.body, "On 3 May they were moved.") ||
		!strings.Contains(form.body, "This is the draft saved on") {
		t.Fatalf("the draft does not come back:\n%s", form.body)
	}
	read := regexpFind(t, form.body, `name="draft_read" value="([^"]+)"`)
	publish := url.Values{"title": {"Moved to another prison"}, "body": {"On 3 May they were moved."}, "do": {"publish"},
		"draft_read": {read}, "last_number": {regexpFind(t, form.body, `name="last_number" value="(-?\d+)"`)}}
	r = b.post(page, page, publish)
	if r.status != http.StatusSeeOther {
		t.Fatalf("publish: %d", r.status)
	}
	h.advance(2 * time.Second)
	if pub := b.get("/cases/held"); !strings.Contains(pub.body, "Moved to another prison") {
		t.Fatal("the published update is not on the case page")
	}
	if form := b.get(page); strings.Contains(form.body, "Moved to another prison") {
		t.Error("the draft outlived its publication")
	}
	// The same form sent again (a double click, a second tab) publishes nothing more.
	if again := b.post(page, page, publish); again.status != http.StatusConflict || !strings.Contains(again.body, "published or replaced") {
		t.Errorf("publishing twice: %d", again.status)
	}
	if got, _ := h.db.CaseByID(ctx, c.ID); len(got.Updates) != 1 || got.Updates[0].Number != 1 {
		t.Errorf("updates after a double publish: %+v", got.Updates)
	}
	u := mustID(t, regexp.MustCompile(`/admin/cases/\d+/updates/\d+/tell`).FindString(r.location))
	hide := fmt.Sprintf("/admin/cases/%d/updates/%d/hide", c.ID, u)
	if r := b.post(fmt.Sprintf("/admin/cases/%d", c.ID), hide, url.Values{"do": {"hide"}}); r.status != http.StatusSeeOther {
		t.Fatalf("unpublish: %d", r.status)
	}
	h.advance(2 * time.Second)
	if pub := b.get("/cases/held"); strings.Contains(pub.body, "Moved to another prison") {
		t.Error("an unpublished update is still on the case page")
	}
	if feed := b.get("/cases/held/updates.atom"); strings.Contains(feed.body, "Moved to another prison") {
		t.Error("an unpublished update is still in the feed")
	}
	tell := fmt.Sprintf("/admin/cases/%d/updates/%d/tell", c.ID, u)
	if r := b.post(tell, tell, url.Values{"confirm": {"yes"}}); r.status != http.StatusConflict {
		t.Errorf("emailing an unpublished update: %d", r.status)
	}
	if adm := b.get(fmt.Sprintf("/admin/cases/%d", c.ID)); !strings.Contains(adm.body, "<strong>unpublished</strong>") {
		t.Error("the admin does not mark the update unpublished")
	}
}

// TestTwoEditorsOneDraft: a draft update saved by one editor is not
// overwritten, nor published away, by another who read an older one.
func TestTwoEditorsOneDraft(t *testing.T) {
	h := newHarness(t)
	h.addUser("a@example.org", model.RoleEditor)
	h.addUser("b@example.org", model.RoleEditor)
	ea, eb := h.browser(), h.browser()
	ea.login("a@example.org")
	eb.login("b@example.org")
	c := &model.Case{Slug: "held", Lang: "en", Title: "Held", Status: model.CaseActive, Published: h.clock, Updated: h.clock}
	h.db.SaveCase(ctx, c)
	page := fmt.Sprintf("/admin/cases/%d/updates/new", c.ID)
	formOf := func(b *browser) url.Values {
		body := b.get(page).body
		return url.Values{"draft_read": {regexpFind(t, body, `name="draft_read" value="([^"]*)"`)}}
	}
	fa, fb := formOf(ea), formOf(eb) // both start with no draft
	fa.Set("title", "A's draft")
	fa.Set("body", "Written by A.")
	fa.Set("do", "draft")
	if r := ea.post(page, page, fa); r.status != http.StatusSeeOther {
		t.Fatalf("A saves: %d", r.status)
	}
	h.advance(time.Minute)
	fb.Set("title", "B's draft")
	fb.Set("body", "Written by B.")
	fb.Set("do", "draft")
	r := eb.post(page, page, fb)
	if r.status != http.StatusConflict || !strings.Contains(r.body, "Written by A.") || !strings.Contains(r.body, "Written by B.") {
		t.Fatalf("B over A: %d\n%s", r.status, r.body)
	}
	fb.Set("do", "publish")
	if r := eb.post(page, page, fb); r.status != http.StatusConflict {
		t.Errorf("B publishes over A's newer draft: %d", r.status)
	}
	if d, _ := h.db.UpdateDraft(ctx, c.ID); d.Title != "A's draft" {
		t.Errorf("the draft is now %q", d.Title)
	}
	// From the conflict page (based on A's draft), B's save goes through.
	fb.Set("draft_read", regexpFind(t, r.body, `name="draft_read" value="([^"]*)"`))
	fb.Set("do", "draft")
	if r := eb.post(page, page, fb); r.status != http.StatusSeeOther {
		t.Errorf("B saves knowingly: %d", r.status)
	}
	if d, _ := h.db.UpdateDraft(ctx, c.ID); d.Title != "B's draft" {
		t.Errorf("the draft is now %q", d.Title)
	}
}

// TestTwoEditorsPublish: two editors publish an update on the same case
// from forms opened at the same time; the second is stopped.
func TestTwoEditorsPublish(t *testing.T) {
	h := newHarness(t)
	h.addUser("a@example.org", model.RoleEditor)
	h.addUser("b@example.org", model.RoleEditor)
	ea, eb := h.browser(), h.browser()
	ea.login("a@example.org")
	eb.login("b@example.org")
	c := &model.Case{Slug: "held", Lang: "en", Title: "Held", Status: model.CaseActive, Published: h.clock, Updated: h.clock}
	h.db.SaveCase(ctx, c)
	page := fmt.Sprintf("/admin/cases/%d/updates/new", c.ID)
	formOf := func(b *browser, title string) url.Values {
		body := b.get(page).body
		return url.Values{"title": {title}, "body": {"Text"}, "do": {"publish"},
			"last_number": {regexpFind(t, body, `name="last_number" value="(-?\d+)"`)}}
	}
	fa, fb := formOf(ea, "Released"), formOf(eb, "Moved")
	if r := ea.post(page, page, fa); r.status != http.StatusSeeOther {
		t.Fatalf("A publishes: %d", r.status)
	}
	r := eb.post(page, page, fb)
	if r.status != http.StatusConflict || !strings.Contains(r.body, "Another update was published") || !strings.Contains(r.body, `value="Moved"`) {
		t.Fatalf("B publishes too: %d\n%s", r.status, r.body)
	}
	// Sent again from that page (which now knows of A's), it goes through as update 2.
	fb.Set("last_number", regexpFind(t, r.body, `name="last_number" value="(-?\d+)"`))
	if r := eb.post(page, page, fb); r.status != http.StatusSeeOther {
		t.Fatalf("B publishes knowingly: %d", r.status)
	}
	got, _ := h.db.CaseByID(ctx, c.ID)
	if len(got.Updates) != 2 || got.Updates[0].Number != 2 || got.Updates[0].Title != "Moved" {
		t.Errorf("updates: %+v", got.Updates)
	}
}

// TestOfferedLanguagesForContent: content and officials may be in any
// language the site offers, and in no other.
func TestOfferedLanguagesForContent(t *testing.T) {
	h := newHarness(t)
	h.addUser("editor@example.org", model.RoleEditor)
	b := h.browser()
	b.login("editor@example.org")
	for lang, ok := range map[string]bool{"ar": true, "fr": true, "de": false} {
		r := b.post("/admin/targets", "/admin/targets", url.Values{"name": {"Official " + lang}, "lang": {lang}, "version": {"0"}})
		if saved := r.status == http.StatusSeeOther; saved != ok {
			t.Errorf("official in %s saved: %v (status %d), want %v", lang, saved, r.status, ok)
		}
	}
	if r := b.get("/admin/cases/new"); !strings.Contains(r.body, `<option value="ar"`) || !strings.Contains(r.body, `<option value="fr"`) {
		t.Error("the case form does not offer Arabic and French as the original's language")
	}
}
