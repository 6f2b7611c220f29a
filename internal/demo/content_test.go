package demo

import (
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"vigil/internal/model"
)

// fixedNow is a moment after the reference case closed.
var fixedNow = time.Date(2026, time.May, 4, 15, 30, 0, 0, time.UTC)

func findCase(t *testing.T, c Content, slug string) model.Case {
	t.Helper()
	for _, k := range c.Cases {
		if k.Slug == slug {
			return k
		}
	}
	t.Fatalf("case %q not found", slug)
	return model.Case{}
}

func findAction(t *testing.T, c Content, slug string) model.Action {
	t.Helper()
	for _, a := range c.Actions {
		if a.Slug == slug {
			return a
		}
	}
	t.Fatalf("action %q not found", slug)
	return model.Action{}
}

func TestReferenceCase(t *testing.T) {
	c := Load(fixedNow)
	k := findCase(t, c, CaseSlug)

	if k.Lang != "en" || k.Reference != "UA 28/25" || k.PeopleCount != 252 || k.Status != model.CaseActive {
		t.Errorf("case header: lang %q ref %q people %d status %q", k.Lang, k.Reference, k.PeopleCount, k.Status)
	}
	if !slices.Equal(k.Countries, []string{"US", "SV", "VE"}) {
		t.Errorf("countries = %v", k.Countries)
	}
	if k.Title == "" || k.Summary == "" || k.Body == "" {
		t.Error("case title, summary and body must be set")
	}
	if k.Image != nil || len(k.Actions) != 0 {
		t.Error("case image must be nil and actions empty")
	}

	want := []struct {
		date   time.Time
		people int
	}{
		{time.Date(2025, time.March, 16, 0, 0, 0, 0, time.UTC), 238},
		{time.Date(2025, time.March, 30, 0, 0, 0, 0, time.UTC), 17},
		{time.Date(2025, time.July, 18, 0, 0, 0, 0, time.UTC), 252},
	}
	if len(k.Timeline) != len(want) {
		t.Fatalf("timeline has %d events, want %d", len(k.Timeline), len(want))
	}
	for i, w := range want {
		e := k.Timeline[i]
		if !e.Date.Equal(w.date) || e.Date.Location() != time.UTC {
			t.Errorf("event %d date = %v, want %v", i, e.Date, w.date)
		}
		if e.PeopleCount != w.people {
			t.Errorf("event %d people = %d, want %d", i, e.PeopleCount, w.people)
		}
		if e.Place == "" || e.Title == "" || e.Body == "" {
			t.Errorf("event %d lacks place, title or body", i)
		}
	}

	if len(k.Demands) != 3 {
		t.Fatalf("case has %d demands, want 3", len(k.Demands))
	}
	for i, d := range k.Demands {
		if d.Position != i+1 || d.Text == "" {
			t.Errorf("demand %d: position %d text %q", i, d.Position, d.Text)
		}
	}

	finals := 0
	for i, u := range k.Updates {
		if u.Final {
			finals++
		}
		if i > 0 && !k.Updates[i-1].Published.After(u.Published) {
			t.Errorf("updates are not newest first at %d", i)
		}
		if u.Title == "" || u.Body == "" {
			t.Errorf("update %d lacks title or body", u.Number)
		}
	}
	if finals != 1 {
		t.Fatalf("case has %d final updates, want exactly 1", finals)
	}
	last := k.Updates[0]
	if !last.Final || !strings.Contains(last.Body, "No further action is requested") {
		t.Errorf("newest update must be the final one and say no further action is requested")
	}
	if !k.Published.Before(k.Updated) || !k.Updated.Equal(last.Published) {
		t.Errorf("case published %v / updated %v inconsistent with final update %v", k.Published, k.Updated, last.Published)
	}
	if first := k.Updates[len(k.Updates)-1]; first.Number != 0 || first.Final {
		t.Errorf("oldest update should be number 0 and not final")
	}
	if last.Published.Before(k.Timeline[len(k.Timeline)-1].Date) {
		t.Error("final update predates the last timeline event")
	}
}

func TestCaseAppealClosed(t *testing.T) {
	c := Load(fixedNow)
	a := findAction(t, c, CaseAppealSlug)
	if a.CaseSlug != CaseSlug || a.Kind != model.ActionAppeal {
		t.Errorf("case appeal: case %q kind %q", a.CaseSlug, a.Kind)
	}
	// The final update closes it and moves the case to monitoring.
	k := c.Cases[0]
	if final := k.Updates[0]; !final.Final || !final.CloseActions || final.Status != model.CaseMonitoring {
		t.Errorf("the final update does not close the appeal: %+v", final)
	}
	if k.Status != model.CaseActive {
		t.Errorf("the case starts %q; its final update moves it to monitoring", k.Status)
	}
	if !strings.Contains(a.ClosingText, "No further action is requested") {
		t.Errorf("closing text = %q", a.ClosingText)
	}
	if a.Goal != 20000 || a.Count <= 0 || a.Count >= a.Goal || a.Deadline.Year() != 2025 {
		t.Errorf("goal %d count %d deadline %v", a.Goal, a.Count, a.Deadline)
	}
	if a.Delivery != model.DeliverEach || len(a.Targets) < 2 {
		t.Errorf("delivery %q, %d targets", a.Delivery, len(a.Targets))
	}
	// No action of a case being monitored is open.
	for _, x := range c.Actions {
		if x.CaseSlug == CaseSlug && x.IsOpen(fixedNow) {
			t.Errorf("action %q of a monitored case is open", x.Slug)
		}
	}
}

func TestOpenActions(t *testing.T) {
	for _, now := range []time.Time{fixedNow, time.Date(2031, time.December, 31, 23, 59, 59, 0, time.UTC)} {
		c := Load(now)
		var open []string
		days := map[int]bool{}
		for _, a := range c.Actions {
			if !a.IsOpen(now) {
				continue
			}
			open = append(open, a.Slug)
			if !a.Deadline.After(now) {
				t.Errorf("%s: deadline %v not after now %v", a.Slug, a.Deadline, now)
			}
			if a.CaseSlug != "" {
				t.Errorf("%s: open action should stand alone", a.Slug)
			}
			if a.Summary == "" || a.Body == "" || len(a.Tags) == 0 {
				t.Errorf("%s: summary, body and tags must be set", a.Slug)
			}
			if a.Goal <= 0 || a.Count <= 0 || a.Count >= a.Goal {
				t.Errorf("%s: count %d, goal %d", a.Slug, a.Count, a.Goal)
			}
			if a.Published.After(now) {
				t.Errorf("%s: published in the future", a.Slug)
			}
			days[int(a.Deadline.Sub(now).Hours()/24)] = true
		}
		slices.Sort(open)
		want := []string{CanadaSlug, DeportationsSlug, UgandaSlug}
		if !slices.Equal(open, want) {
			t.Errorf("open actions at %v = %v, want %v", now, open, want)
		}
		if len(days) != 3 {
			t.Errorf("open actions should have different deadlines, got %v", days)
		}
	}
	c := Load(fixedNow)
	if k := findAction(t, c, DeportationsSlug).Kind; k != model.ActionPetition {
		t.Errorf("%s kind = %q", DeportationsSlug, k)
	}
	if k := findAction(t, c, UgandaSlug).Kind; k != model.ActionPetition {
		t.Errorf("%s kind = %q", UgandaSlug, k)
	}
	if k := findAction(t, c, CanadaSlug).Kind; k != model.ActionAppeal {
		t.Errorf("%s kind = %q", CanadaSlug, k)
	}
}

func TestSlugsUnique(t *testing.T) {
	c := Load(fixedNow)
	seen := map[string]string{}
	add := func(kind, slug string) {
		if slug == "" {
			t.Errorf("%s with empty slug", kind)
			return
		}
		if prev, ok := seen[slug]; ok {
			t.Errorf("slug %q used by %s and %s", slug, prev, kind)
		}
		seen[slug] = kind
	}
	for _, k := range c.Cases {
		add("case", k.Slug)
	}
	for _, a := range c.Actions {
		add("action", a.Slug)
	}
	for _, n := range c.News {
		add("news", n.Article.Slug)
	}
	for slug := range c.Scenes {
		if _, ok := seen[slug]; !ok {
			t.Errorf("scene for unknown slug %q", slug)
		}
	}
}

func TestAppeals(t *testing.T) {
	c := Load(fixedNow)
	appeals := 0
	for _, a := range c.Actions {
		if a.Kind != model.ActionAppeal {
			if len(a.Targets) != 0 || a.Letter != "" {
				t.Errorf("%s: petition with targets or letter", a.Slug)
			}
			continue
		}
		appeals++
		if a.Subject == "" {
			t.Errorf("%s: no subject", a.Slug)
		}
		if first, _, _ := strings.Cut(a.Letter, "\n"); !strings.Contains(first, "{{salutation}}") {
			t.Errorf("%s: first line of the letter is %q, want {{salutation}}", a.Slug, first)
		}
		if n := len(strings.Fields(a.Letter)); n < 120 || n > 200 {
			t.Errorf("%s: letter has %d words, want 120-200", a.Slug, n)
		}
		if len(a.Targets) < 2 {
			t.Errorf("%s: %d targets", a.Slug, len(a.Targets))
		}
		for _, tg := range a.Targets {
			if !strings.HasSuffix(tg.Email, "@example.org") {
				t.Errorf("%s: target email %q is not on example.org", a.Slug, tg.Email)
			}
			if tg.Name == "" || tg.Title == "" || tg.Organisation == "" || tg.Address == "" || tg.Salutation == "" || tg.Lang != "en" {
				t.Errorf("%s: incomplete target %+v", a.Slug, tg)
			}
		}
	}
	if appeals != 2 {
		t.Errorf("%d appeals, want 2", appeals)
	}
}

func TestRelations(t *testing.T) {
	c := Load(fixedNow)
	cases := map[string]bool{}
	for _, k := range c.Cases {
		cases[k.Slug] = true
	}
	for _, a := range c.Actions {
		if a.CaseSlug != "" && !cases[a.CaseSlug] {
			t.Errorf("action %s names unknown case %q", a.Slug, a.CaseSlug)
		}
		if a.Image != nil {
			t.Errorf("action %s has an image", a.Slug)
		}
	}
	if len(c.News) < 5 {
		t.Errorf("%d news articles, want at least 5", len(c.News))
	}
	// Tags of cases and actions, for "Related news".
	tags := map[string]bool{}
	for _, k := range c.Cases {
		for _, tag := range k.Tags {
			tags[tag] = true
		}
	}
	for _, a := range c.Actions {
		for _, tag := range a.Tags {
			tags[tag] = true
		}
	}
	years := map[int]bool{}
	related := 0
	for _, n := range c.News {
		a := n.Article
		years[a.Published.Year()] = true
		if a.Title == "" || a.Summary == "" || a.Body == "" || a.Lang != "en" || a.Image != nil {
			t.Errorf("news %s incomplete or with an image", a.Slug)
		}
		if a.Published.After(fixedNow) {
			t.Errorf("news %s published after %v", a.Slug, fixedNow)
		}
		shared := false
		for _, tag := range a.Tags {
			shared = shared || tags[tag]
		}
		if !shared {
			t.Errorf("news %s shares no tag with any case or action", a.Slug)
		}
		for _, s := range n.CaseSlugs {
			if !cases[s] {
				t.Errorf("news %s names unknown case %q", a.Slug, s)
			}
			related++
		}
	}
	if !years[2025] || !years[2026] {
		t.Errorf("news should span 2025 and 2026, got %v", years)
	}
	if related == 0 {
		t.Error("no news article is related to a case")
	}
}

func TestScenes(t *testing.T) {
	c := Load(fixedNow)
	for slug, scene := range c.Scenes {
		if !slices.Contains(SceneNames, scene) {
			t.Errorf("%s: unknown scene %q", slug, scene)
		}
	}
	want := map[string]string{
		CaseSlug:         "cecot",
		CaseAppealSlug:   "cecot",
		DeportationsSlug: "deportations",
		CanadaSlug:       "canada",
		UgandaSlug:       "uganda",
		NewsReturnSlug:   "news-return",
		NewsVigilSlug:    "news-vigil",
	}
	for slug, scene := range want {
		if c.Scenes[slug] != scene {
			t.Errorf("scene of %s = %q, want %q", slug, c.Scenes[slug], scene)
		}
	}
}

// walkStrings calls f with every string reachable from v, with a path.
func walkStrings(path string, v reflect.Value, f func(path, s string)) {
	switch v.Kind() {
	case reflect.String:
		f(path, v.String())
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkStrings(path, v.Elem(), f)
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				walkStrings(path+"."+v.Type().Field(i).Name, v.Field(i), f)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			walkStrings(path+"["+strconv.Itoa(i)+"]", v.Index(i), f)
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			walkStrings(path+"{key}", iter.Key(), f)
			walkStrings(path+"{"+iter.Key().String()+"}", iter.Value(), f)
		}
	}
}

func TestText(t *testing.T) {
	c := Load(fixedNow)
	n := 0
	walkStrings("Content", reflect.ValueOf(c), func(path, s string) {
		n++
		if strings.Contains(strings.ToLower(s), "amnesty") {
			t.Errorf("%s names another organisation: %q", path, s)
		}
		if strings.Contains(s, "<") {
			t.Errorf("%s contains raw HTML or '<': %q", path, s)
		}
		if s != strings.TrimLeft(s, " \t\n") {
			t.Errorf("%s starts with white space", path)
		}
	})
	if n < 100 {
		t.Fatalf("walked only %d strings; the walker is broken", n)
	}
}
