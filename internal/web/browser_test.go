package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"vigil/internal/demo"
	"vigil/internal/testutil"
)

// TestBrowserWithoutJavaScript reads the site as a supporter with
// JavaScript off: from the home page to the case, its timeline and its
// closing text, checked by axe-core, with nothing fetched from elsewhere.
func TestBrowserWithoutJavaScript(t *testing.T) {
	srv := httptest.NewServer(newSite(t))
	defer srv.Close()
	ctx := testutil.Browser(t)
	requests := testutil.RecordRequests(ctx)
	if err := testutil.DisableJS(ctx); err != nil {
		t.Fatal(err)
	}

	checkAxe := func(page string) {
		t.Helper()
		vs, err := testutil.Axe(ctx)
		if err != nil {
			t.Fatalf("%s: axe: %v", page, err)
		}
		for _, v := range testutil.SeriousAxe(vs) {
			t.Errorf("%s: axe: %s", page, v)
		}
	}

	// Home: a phone-sized screen.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 740), chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatal(err)
	}
	h1, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
	if err != nil || h1 != "Act for people at risk" {
		t.Fatalf("home h1 %q, %v", h1, err)
	}
	scrollWidth, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if err != nil || scrollWidth > 360 {
		t.Errorf("home page is %d px wide on a 360 px screen (%v)", scrollWidth, err)
	}
	checkAxe("home")
	testutil.Screenshot(t, ctx, "home-360")

	// Follow the link to the case, as a person would.
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Click(chromedp.CSS(`a[href="/cases/`+demo.CaseSlug+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("ol.timeline")),
	); err != nil {
		t.Fatal(err)
	}
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	if !strings.HasSuffix(loc, "/cases/"+demo.CaseSlug) {
		t.Fatalf("after the click the browser is at %s", loc)
	}
	timeline, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("ol.timeline")))
	if err != nil {
		t.Fatal(err)
	}
	i1, i2, i3 := strings.Index(timeline, "16 March 2025"), strings.Index(timeline, "30 March 2025"), strings.Index(timeline, "18 July 2025")
	if i1 < 0 || !(i1 < i2 && i2 < i3) {
		t.Errorf("timeline as shown: %q", timeline)
	}
	closing, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".panel.closed .closing")))
	if err != nil || !strings.Contains(closing, "No further action is requested") {
		t.Errorf("closing text %q, %v", closing, err)
	}
	forms, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll("form"), chromedp.AtLeast(0)))
	if err != nil || len(forms) != 0 {
		t.Errorf("the closed case shows %d forms (%v)", len(forms), err)
	}
	// share.js did not run: no copy button was added.
	buttons, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll(".copy-link button"), chromedp.AtLeast(0)))
	if err != nil || len(buttons) != 0 {
		t.Errorf("page scripts ran with JavaScript off: %d buttons (%v)", len(buttons), err)
	}
	checkAxe("case")
	testutil.Screenshot(t, ctx, "case")

	for _, path := range []string{"/actions/" + demo.CanadaSlug, "/news", "/es/news/" + demo.NewsReturnSlug, "/no-such-page"} {
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+path)); err != nil {
			t.Fatal(err)
		}
		checkAxe(path)
	}

	for _, u := range requests() {
		if !strings.HasPrefix(u, srv.URL+"/") && !strings.HasPrefix(u, "data:") {
			t.Errorf("request to another origin: %s", u)
		}
	}
}

// TestBrowserWithJavaScript checks the one script the site has: it only
// adds a copy button, in the page's language.
func TestBrowserWithJavaScript(t *testing.T) {
	srv := httptest.NewServer(newSite(t))
	defer srv.Close()
	ctx := testutil.Browser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/es/cases/"+demo.CaseSlug),
		chromedp.WaitVisible(chromedp.CSS(".copy-link button"))); err != nil {
		t.Fatal(err)
	}
	label, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".copy-link button")))
	if err != nil || label == "" || label == "Copy link" {
		t.Errorf("copy button %q in the Spanish page (%v)", label, err)
	}
}

// TestBrowserTakingAction: with JavaScript off, a supporter signs the
// petition, confirms from the email, sees the count go up by one, then
// sends an appeal that reaches the officials' mailbox.
func TestBrowserTakingAction(t *testing.T) {
	h := newActHarness(t, true)
	// Office hours in Toronto, where the Canada appeal's targets are.
	h.now = time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	srv := httptest.NewServer(h.site)
	defer srv.Close()
	ctx := testutil.Browser(t)
	if err := testutil.DisableJS(ctx); err != nil {
		t.Fatal(err)
	}
	local := func(link string) string { return srv.URL + strings.TrimPrefix(link, "https://act.example.org") }
	countOnPage := func() int {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".progress .count strong")))
		if err != nil {
			t.Fatal(err)
		}
		n, err := strconv.Atoi(strings.ReplaceAll(s, ",", ""))
		if err != nil {
			t.Fatalf("count %q: %v", s, err)
		}
		return n
	}
	fill := func(slug, name, email, country string) []chromedp.Action[chromedp.Void] {
		id := "#" + slug + "-"
		return []chromedp.Action[chromedp.Void]{
			chromedp.SendKeys(chromedp.CSS(id+"name"), name),
			chromedp.SendKeys(chromedp.CSS(id+"email"), email),
			chromedp.SendKeys(chromedp.CSS(id+"country"), country),
			chromedp.Click(chromedp.CSS(id + "consent_updates")),
		}
	}

	// Sign the petition.
	petition := srv.URL + "/actions/" + demo.DeportationsSlug
	if err := chromedp.Do(ctx, chromedp.Navigate(petition)); err != nil {
		t.Fatal(err)
	}
	before := countOnPage()
	steps := append(fill(demo.DeportationsSlug, "Ana Pérez", "ana@example.org", "Venezuela"),
		chromedp.Click(chromedp.CSS(`#form-`+demo.DeportationsSlug+` button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".notice")))
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
	notice, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".notice")))
	if !strings.Contains(notice, "Check your email") {
		t.Errorf("thank-you page: %q", notice)
	}
	// Nothing counts before the mailbox confirms: the count tells no
	// stranger whether the address had signed.
	if got := countOnPage(); got != before {
		t.Errorf("thank-you page count %d, want %d", got, before)
	}
	testutil.Screenshot(t, ctx, "thanks")

	// Read the confirmation, open its link, press Confirm.
	h.deliver()
	mail := h.mp.Message(t, h.mp.WaitForMessages(t, 1, 10*time.Second)[0].ID)
	if err := chromedp.Do(ctx, chromedp.Navigate(local("https://act.example.org"+linkIn(t, mail.Text, "/confirm/"))),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitNotPresent(chromedp.CSS("main form"))); err != nil {
		t.Fatal(err)
	}
	if h1, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main h1"))); h1 != "Thank you: confirmed" {
		t.Errorf("after Confirm: %q", h1)
	}
	// A page showing a count is rendered afresh at most once a second.
	h.now = h.now.Add(2 * time.Second)
	if err := chromedp.Do(ctx, chromedp.Navigate(petition)); err != nil {
		t.Fatal(err)
	}
	if got := countOnPage(); got != before+1 {
		t.Errorf("petition count %d after confirming, want %d", got, before+1)
	}
	vs, err := testutil.Axe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range testutil.SeriousAxe(vs) {
		t.Errorf("petition page: axe: %s", v)
	}

	// Send an appeal with a line of one's own.
	h.mp.DeleteAll(t)
	appealURL := srv.URL + "/actions/" + demo.CanadaSlug
	steps = append([]chromedp.Action[chromedp.Void]{chromedp.Navigate(appealURL)},
		fill(demo.CanadaSlug, "Ana Pérez", "ana@example.org", "Canada")...)
	steps = append(steps,
		chromedp.SendKeys(chromedp.CSS("#"+demo.CanadaSlug+"-letter"), "\nI write from Montréal, where my family found safety."),
		chromedp.Click(chromedp.CSS(`#form-`+demo.CanadaSlug+` button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#share-url-thanks")))
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
	testutil.Screenshot(t, ctx, "appeal-sent")
	// Even a confirmed supporter confirms each appeal: nobody may write to
	// officials in their name.
	h.deliver()
	confirmAppeal := linkIn(t, h.mp.Message(t, h.mp.WaitForMessages(t, 1, 10*time.Second)[0].ID).Text, "/confirm/")
	if err := chromedp.Do(ctx, chromedp.Navigate(local("https://act.example.org"+confirmAppeal)),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitNotPresent(chromedp.CSS("main form"))); err != nil {
		t.Fatal(err)
	}
	h.runner.Once(context.Background())
	h.deliver()
	a, _ := h.db.ActionBySlug(context.Background(), demo.CanadaSlug)
	msgs := h.mp.WaitForMessages(t, 1+len(a.Targets), 10*time.Second)
	found := 0
	for _, s := range msgs {
		m := h.mp.Message(t, s.ID)
		if m.To[0].Address == a.Targets[0].Email || (len(a.Targets) > 1 && m.To[0].Address == a.Targets[1].Email) {
			if !strings.Contains(m.Text, "where my family found safety") {
				t.Errorf("the appeal to %s lacks the supporter's own words:\n%s", m.To[0].Address, m.Text)
			}
			found++
		}
	}
	if found != len(a.Targets) {
		t.Errorf("the appeal reached %d of %d targets", found, len(a.Targets))
	}
}

// TestBrowserEveryPageInEveryLanguage opens every public page in English,
// Spanish, French and Arabic with JavaScript off: axe-core finds nothing,
// the Arabic ones run right to left with the timeline's line on the
// right, no page is wider than a phone, and nothing comes from another
// origin.
func TestBrowserEveryPageInEveryLanguage(t *testing.T) {
	srv := httptest.NewServer(newSite(t))
	defer srv.Close()
	ctx := testutil.Browser(t)
	requests := testutil.RecordRequests(ctx)
	if err := testutil.DisableJS(ctx); err != nil {
		t.Fatal(err)
	}
	// Every public page in every language; the Canada action and most
	// news have no French or Arabic translation, so their pages show the
	// original under a note.
	pages := []struct{ name, path string }{
		{"home", "/"}, {"case", "/cases/" + demo.CaseSlug}, {"action", "/actions/" + demo.CanadaSlug},
		{"appeal", "/actions/" + demo.CaseAppealSlug}, {"thanks", "/actions/" + demo.DeportationsSlug + "/thanks"},
		{"news", "/news"}, {"article", "/news/" + demo.NewsReturnSlug}, {"subscribe", "/subscribe"},
		{"link", "/confirm/not-a-token"}, {"missing", "/no-such-page"},
		{"privacy", "/privacy"}, {"privacy-link", "/privacy/send/not-a-token"}, {"preferences", "/preferences/not-a-token"},
		{"embed", "/embed/actions/" + demo.CanadaSlug}, {"embed-thanks", "/embed/actions/" + demo.DeportationsSlug + "/thanks"},
	}
	for _, lang := range []string{"fr", "ar", "es", "en"} {
		wantDir := map[string]string{"ar": "rtl"}[lang]
		if wantDir == "" {
			wantDir = "ltr"
		}
		for _, p := range pages {
			page := "/" + lang + p.path
			for _, width := range []int{360, 1280} {
				if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), 900), chromedp.Navigate(srv.URL+page)); err != nil {
					t.Fatal(err)
				}
				scrollWidth, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
				if err != nil || scrollWidth > width {
					t.Errorf("%s is %d px wide on a %d px screen (%v)", page, scrollWidth, width, err)
				}
			}
			attrs, err := chromedp.Run(ctx, chromedp.Evaluate[string](
				`document.documentElement.lang + " " + document.documentElement.dir + " " + getComputedStyle(document.body).direction`))
			if want := lang + " " + wantDir + " " + wantDir; err != nil || attrs != want {
				t.Errorf("%s: lang, dir and direction %q, want %q (%v)", page, attrs, want, err)
			}
			vs, err := testutil.Axe(ctx)
			if err != nil {
				t.Fatalf("%s: axe: %v", page, err)
			}
			for _, v := range vs {
				t.Errorf("%s: axe: %s", page, v)
			}
			if lang == "fr" || lang == "ar" {
				testutil.Screenshot(t, ctx, lang+"-"+p.name)
			}
		}
		// The timeline is drawn on the side the text starts from.
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"+lang+"/cases/"+demo.CaseSlug)); err != nil {
			t.Fatal(err)
		}
		side, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
			const s = getComputedStyle(document.querySelector("ol.timeline"));
			const line = parseFloat(s.borderRightWidth) > 0 ? "right" : parseFloat(s.borderLeftWidth) > 0 ? "left" : "none";
			const dot = getComputedStyle(document.querySelector("ol.timeline li"), "::before");
			return line + " " + (parseFloat(dot.right) < parseFloat(dot.left) ? "right" : "left");
		})()`))
		want := map[string]string{"ltr": "left left", "rtl": "right right"}[wantDir]
		if err != nil || side != want {
			t.Errorf("%s timeline: line and dots on the %q, want %q (%v)", lang, side, want, err)
		}
	}
	for _, u := range requests() {
		if !strings.HasPrefix(u, srv.URL+"/") && !strings.HasPrefix(u, "data:") {
			t.Errorf("request to another origin: %s", u)
		}
	}
}

// TestBrowserEmbedInPartnerFrame: a partner's page on another origin (the
// same loopback address, another port) frames the embed page. With
// JavaScript off, a supporter signs in the frame and reads the thank-you
// page there, the partner's page staying around it; once the email is
// confirmed the count in the frame has moved by one, and the partner's
// origin is the signature's source. axe-core finds nothing on the embed
// page or its thank-you page.
func TestBrowserEmbedInPartnerFrame(t *testing.T) {
	h := newActHarness(t, true)
	var vigilURL string
	partner := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		// The partner's page sends no referrer; the frame, as the
		// admin's snippet says, sends the partner's origin.
		fmt.Fprintf(w, `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">
<title>A partner's campaign</title></head>
<body><main><h1 id="partner">Stand with the men returned to Venezuela</h1>
<iframe src="%s/embed/actions/%s" title="Sign the petition" width="100%%" height="900" referrerpolicy="strict-origin"></iframe></main></body></html>`,
			vigilURL, demo.DeportationsSlug)
	}))
	defer partner.Close()
	h.withEmbedOrigins(partner.URL)
	srv := httptest.NewServer(h.site)
	defer srv.Close()
	vigilURL = srv.URL
	if !strings.HasPrefix(partner.URL, "http://127.0.0.1:") || partner.URL == srv.URL {
		t.Fatalf("partner at %s, Vigil at %s: want two origins on one loopback address", partner.URL, srv.URL)
	}

	ctx := testutil.Browser(t)
	requests := testutil.RecordRequests(ctx)
	if err := testutil.DisableJS(ctx); err != nil {
		t.Fatal(err)
	}
	// frameLoaded receives when a frame (not the tab) has loaded a page.
	frameLoaded := make(chan struct{}, 8)
	var frames sync.Map // ids of the frames in the tab
	if err := chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *page.EventFrameNavigated:
			if e.Frame.ParentID != "" {
				frames.Store(e.Frame.ID, true)
			}
		case *page.EventFrameStoppedLoading:
			if _, ok := frames.Load(e.FrameID); ok {
				select {
				case frameLoaded <- struct{}{}:
				default:
				}
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	// inFrame runs a query inside the partner page's frame as it is now.
	inFrame := func() chromedp.QueryOption {
		t.Helper()
		frames, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS("iframe")))
		if err != nil || len(frames) != 1 {
			t.Fatalf("frames %v, %v", frames, err)
		}
		return chromedp.FromNode(frames[0])
	}
	countInFrame := func() int {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".progress .count strong"), inFrame()))
		if err != nil {
			t.Fatal(err)
		}
		n, err := strconv.Atoi(strings.ReplaceAll(s, ",", ""))
		if err != nil {
			t.Fatalf("count %q: %v", s, err)
		}
		return n
	}

	if err := chromedp.Do(ctx, chromedp.EmulateViewport(400, 1000), chromedp.Navigate(partner.URL+"/campaign")); err != nil {
		t.Fatal(err)
	}
	before := countInFrame()
	id := "#" + demo.DeportationsSlug + "-"
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(id+"name"), "Ana Pérez", inFrame()),
		chromedp.SendKeys(chromedp.CSS(id+"email"), "ana@example.org", inFrame()),
		chromedp.SendKeys(chromedp.CSS(id+"country"), "Venezuela", inFrame()),
		chromedp.Click(chromedp.CSS(id+"consent_updates"), inFrame()),
	); err != nil {
		t.Fatal(err)
	}
	testutil.Screenshot(t, ctx, "embed-filled")
	for len(frameLoaded) > 0 {
		<-frameLoaded // the frame's first page
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#form-`+demo.DeportationsSlug+` button[type="submit"]`), inFrame())); err != nil {
		t.Fatal(err)
	}
	select {
	case <-frameLoaded:
	case <-time.After(20 * time.Second):
		t.Fatal("the frame loaded no page after the form was sent")
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(wctx, chromedp.WaitVisible(chromedp.CSS(".notice"), inFrame())); err != nil {
		t.Fatal(err)
	}
	notice, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".notice"), inFrame()))
	if !strings.Contains(notice, "Check your email") {
		t.Errorf("thank-you page in the frame: %q", notice)
	}
	// The partner's page is still there around it.
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	if partnerH1, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#partner"))); err != nil || loc != partner.URL+"/campaign" || partnerH1 == "" {
		t.Errorf("after sending, the tab is at %s (%q, %v)", loc, partnerH1, err)
	}
	testutil.Screenshot(t, ctx, "embed-thanks")
	if got := countInFrame(); got != before {
		t.Errorf("count in the frame %d before confirming, want %d", got, before)
	}
	h.confirmByEmail(1)
	// A page showing a count is rendered afresh at most once a second.
	h.now = h.now.Add(2 * time.Second)
	if err := chromedp.Do(ctx, chromedp.Navigate(partner.URL+"/campaign")); err != nil {
		t.Fatal(err)
	}
	if got := countInFrame(); got != before+1 {
		t.Errorf("count in the frame %d after confirming, want %d", got, before+1)
	}
	sup, err := h.db.SupporterByEmail(context.Background(), "ana@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if parts, err := h.db.ParticipationsOf(context.Background(), sup.ID); err != nil || len(parts) != 1 || parts[0].Referrer != partner.URL {
		t.Errorf("participations %+v (%v), want one from %s", parts, err, partner.URL)
	}
	for _, u := range requests() {
		if !strings.HasPrefix(u, srv.URL+"/") && !strings.HasPrefix(u, partner.URL+"/") {
			t.Errorf("request to a third origin: %s", u)
		}
	}

	// The embed page and its thank-you page, read by axe-core on their own.
	for _, path := range []string{"/embed/actions/" + demo.DeportationsSlug, "/embed/actions/" + demo.DeportationsSlug + "/thanks"} {
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+path)); err != nil {
			t.Fatal(err)
		}
		vs, err := testutil.Axe(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vs {
			t.Errorf("%s: axe: %s", path, v)
		}
	}
}
