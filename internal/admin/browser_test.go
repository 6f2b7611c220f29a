package admin

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"vigil/internal/model"
	"vigil/internal/testutil"
)

// TestBrowserCampaign runs a campaign through a real browser with
// JavaScript off: an editor signs in, writes a case with a timeline,
// publishes it with a petition, sees it on the public site; a supporter
// signs and confirms; the editor publishes a closing update and emails
// everyone who acted; the email is in mailpit.
func TestBrowserCampaign(t *testing.T) {
	h := newHarnessWith(t, true)
	h.addUser("editor@example.org", model.RoleEditor)
	ctx := testutil.Browser(t)
	if err := testutil.DisableJS(ctx); err != nil {
		t.Fatal(err)
	}
	url := func(path string) string { return h.srv.URL + path }
	run := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		stepCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(stepCtx, actions...); err != nil {
			shotCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			body, _ := chromedp.Run(shotCtx, chromedp.Text(chromedp.CSS("body")))
			t.Fatalf("%s: %v\npage:\n%s", what, err, body)
		}
	}
	text := func(sel string) string {
		t.Helper()
		stepCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		s, err := chromedp.Run(stepCtx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	location := func() string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	axe := func(page string) {
		t.Helper()
		vs, err := testutil.Axe(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range testutil.SeriousAxe(vs) {
			t.Errorf("%s: axe: %s", page, v)
		}
		if err := testutil.DisableJS(ctx); err != nil {
			t.Fatal(err)
		}
	}

	// Sign in.
	run("sign in", chromedp.Navigate(url("/admin/")),
		chromedp.SendKeys(chromedp.CSS("#email"), "editor@example.org"),
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("nav[aria-label=Admin]")))
	if h1 := text("main h1"); h1 != "Dashboard" {
		t.Fatalf("after sign-in: %q", h1)
	}

	// Write the case with its timeline.
	run("write a case", chromedp.Navigate(url("/admin/cases/new")),
		chromedp.SendKeys(chromedp.CSS("#title"), "Nine students held in Managua"),
		chromedp.SendKeys(chromedp.CSS("#slug"), "students-held-in-managua"),
		chromedp.SendKeys(chromedp.CSS("#summary"), "Nine students were detained after a peaceful protest."),
		chromedp.SendKeys(chromedp.CSS("#body"), "They were taken from the campus on **3 April**."),
		chromedp.SendKeys(chromedp.CSS("#countries"), "NI"),
		chromedp.SendKeys(chromedp.CSS("#people_count"), "9"),
		chromedp.SendKeys(chromedp.CSS("#demands"), "Release the nine students\nLet their families visit them"),
		chromedp.SendKeys(chromedp.CSS("#event_date_0"), "2026-04-03"),
		chromedp.SendKeys(chromedp.CSS("#event_place_0"), "Managua"),
		chromedp.SendKeys(chromedp.CSS("#event_title_0"), "Nine students detained after a protest"),
		chromedp.SendKeys(chromedp.CSS("#event_people_0"), "9"),
		chromedp.SendKeys(chromedp.CSS("#event_date_1"), "2026-04-20"),
		chromedp.SendKeys(chromedp.CSS("#event_place_1"), "La Modelo prison"),
		chromedp.SendKeys(chromedp.CSS("#event_title_1"), "Moved to a maximum-security prison"),
		chromedp.Click(chromedp.CSS(`button[name="do"][value="save"]`)),
		chromedp.WaitVisible(chromedp.CSS(".flash")))
	caseURL := regexp.MustCompile(`/admin/cases/\d+`).FindString(location())
	if caseURL == "" {
		t.Fatalf("after saving: %s", location())
	}
	axe("case form")
	testutil.Screenshot(t, ctx, "case-saved")
	run("publish the case", chromedp.Click(chromedp.CSS(`button[value="publish"]`)),
		chromedp.WaitVisible(chromedp.CSS(`button[value="unpublish"]`)))

	// A petition on it, with a consent to updates.
	run("add a petition", chromedp.Navigate(url("/admin/actions/new?case="+strings.TrimPrefix(caseURL, "/admin/cases/"))),
		chromedp.SendKeys(chromedp.CSS("#title"), "Free the nine students"),
		chromedp.SendKeys(chromedp.CSS("#slug"), "free-the-nine"),
		chromedp.SendKeys(chromedp.CSS("#goal"), "1000"),
		chromedp.SendKeys(chromedp.CSS("#consent_key_0"), "updates"),
		chromedp.SendKeys(chromedp.CSS("#consent_text_0"), "Email me about this case"),
		chromedp.Click(chromedp.CSS(`button[name="do"][value="save"]`)),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
		chromedp.Click(chromedp.CSS(`button[value="publish"]`)), chromedp.WaitVisible(chromedp.CSS(`button[value="unpublish"]`)))
	axe("action with its embed code")

	// The public site shows it.
	run("public case page", chromedp.Navigate(url("/cases/students-held-in-managua")))
	page := text("main")
	for _, want := range []string{"Nine students held in Managua", "Moved to a maximum-security prison", "Release the nine students"} {
		if !strings.Contains(page, want) {
			t.Errorf("public case page lacks %q", want)
		}
	}
	testutil.Screenshot(t, ctx, "public-case")

	// A supporter signs and confirms from the email.
	run("sign", chromedp.Navigate(url("/actions/free-the-nine")),
		chromedp.SendKeys(chromedp.CSS("#free-the-nine-name"), "Rosa Gómez"),
		chromedp.SendKeys(chromedp.CSS("#free-the-nine-email"), "rosa@example.org"),
		chromedp.SendKeys(chromedp.CSS("#free-the-nine-country"), "Nicaragua"),
		chromedp.Click(chromedp.CSS("#free-the-nine-consent_updates")),
		chromedp.Click(chromedp.CSS(`#form-free-the-nine button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".notice")))
	h.deliver()
	confirm := h.mp.Message(t, h.mp.WaitForMessages(t, 1, 10*time.Second)[0].ID)
	link := regexp.MustCompile(`http://\S+/confirm/\S+`).FindString(confirm.Text)
	run("confirm", chromedp.Navigate(link), chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitNotPresent(chromedp.CSS("main form")))
	h.mp.DeleteAll(t)

	// The closing update, then the email to everyone who acted.
	run("write the update", chromedp.Navigate(url(caseURL+"/updates/new")),
		chromedp.SendKeys(chromedp.CSS("#title"), "The nine students are free"),
		chromedp.SendKeys(chromedp.CSS("#body"), "All nine were released on 30 April and are home with their families."),
		chromedp.Click(chromedp.CSS("#final")), chromedp.Click(chromedp.CSS("#close_actions")),
		chromedp.SetValue(chromedp.CSS("#status"), "monitoring"),
		chromedp.Click(chromedp.CSS(`button[value="preview"]`)),
		chromedp.WaitVisible(chromedp.CSS(".preview")))
	if p := text(".preview"); !strings.Contains(p, "released on 30 April") {
		t.Errorf("update preview: %q", p)
	}
	run("publish the update", chromedp.Click(chromedp.CSS(`button[value="publish"]`)),
		chromedp.WaitVisible(chromedp.CSS(`label[for="confirm"]`)))
	if who := text("#who-title + p"); !strings.Contains(who, "1 person who acted") {
		t.Errorf("tell page: %q", who)
	}
	axe("tell page")
	run("email everyone", chromedp.Click(chromedp.CSS("#confirm")),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#progress")))
	testutil.Screenshot(t, ctx, "telling")
	updateID := mustID(t, regexp.MustCompile(`/admin/cases/\d+/updates/\d+/tell`).FindString(location()))
	waitFor(t, func() bool { return !h.admin.telling.running(updateID) })
	h.deliver()
	msgs := h.mp.WaitForMessages(t, 1, 10*time.Second)
	m := h.mp.Message(t, msgs[0].ID)
	if m.To[0].Address != "rosa@example.org" || m.Subject != "What happened next: Nine students held in Managua" ||
		!strings.Contains(m.Text, "released on 30 April") || !strings.Contains(m.Text, "/unsubscribe/") ||
		m.Header("List-Unsubscribe-Post") == "" {
		t.Errorf("the update email: to %v, %q\n%s", m.To, m.Subject, m.Text)
	}
	run("progress", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#progress")))
	if p := text("#progress-title + p, #progress-title ~ p"); !strings.Contains(p, "1 of 1") {
		t.Errorf("progress after sending: %q", p)
	}

	// The public page shows the closing update and no more form.
	run("public page after", chromedp.Navigate(url("/cases/students-held-in-managua")))
	page = text("main")
	if !strings.Contains(page, "The nine students are free") {
		t.Errorf("the closing update is not on the case page")
	}
	html, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("main")))
	if err != nil || strings.Contains(html, `id="form-free-the-nine"`) {
		t.Errorf("the petition form is still there after the closing update (%v)", err)
	}
	testutil.Screenshot(t, ctx, "public-case-closed")

	// The other staff screens an editor uses pass axe too.
	_, opening, vigil := demoRecords(t, h)
	for _, path := range []string{"/admin/", "/admin/actions/new", "/admin/news/new", "/admin/targets", "/admin/supporters",
		"/admin/account", caseURL + "/updates/new", "/admin/translations", "/admin/translations?lang=fr&state=all",
		fmt.Sprintf("/admin/translations/update/%d/fr", opening.ID), fmt.Sprintf("/admin/translations/news/%d/ar", vigil.ID)} {
		run("open "+path, chromedp.Navigate(url(path)), chromedp.WaitVisible(chromedp.CSS("main h1")))
		axe(path)
	}

	// A translator works side by side, without JavaScript: the article in
	// Arabic, then the public Arabic page shows it.
	run("translate into Arabic", chromedp.Navigate(url(fmt.Sprintf("/admin/translations/news/%d/ar", vigil.ID))),
		chromedp.SendKeys(chromedp.CSS(`[name="tr.title"]`), "بعد شهر: وقفة من أجل الرجال في سجن سيكوت"),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".flash")))
	testutil.Screenshot(t, ctx, "translation-saved")
	run("public Arabic page", chromedp.Navigate(url("/ar/news/"+vigil.Slug)))
	if h1 := text("main h1"); h1 != "بعد شهر: وقفة من أجل الرجال في سجن سيكوت" {
		t.Errorf("the Arabic page's title: %q", h1)
	}
}
