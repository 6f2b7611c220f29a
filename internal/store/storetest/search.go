package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"vigil/internal/model"
	"vigil/internal/store"
)

// RunSearch runs the conformance tests of how readers find content: search
// and the list of cases.
func RunSearch(t *testing.T, open func(t *testing.T) Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s Store)
	}{
		{"RanksTitleFirst", testSearchRanking},
		{"IgnoresDiacritics", testSearchDiacritics},
		{"FindsTranslations", testSearchTranslations},
		{"NeverFindsDrafts", testSearchDrafts},
		{"UnpublishRemoves", testSearchUnpublish},
		{"SnippetsArePlainText", testSearchSnippets},
		{"OddQueries", testSearchOddQueries},
		{"CaseListFilters", testCaseListFilters},
		{"CaseListPaging", testCaseListPaging},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

// searchFor returns "kind:slug" of each hit, in order.
func searchFor(t *testing.T, s Store, lang, q string) []string {
	t.Helper()
	hits, err := s.Search(ctx, store.SearchQuery{Text: q, Lang: lang, Limit: 20})
	if err != nil {
		t.Fatalf("search %q in %s: %v", q, lang, err)
	}
	var out []string
	for _, h := range hits {
		out = append(out, h.Kind+":"+h.Slug)
	}
	return out
}

func mustCase(t *testing.T, s Store, c *model.Case) *model.Case {
	t.Helper()
	if c.Lang == "" {
		c.Lang = "en"
	}
	if c.Status == "" {
		c.Status = model.CaseActive
	}
	if c.Updated.IsZero() {
		c.Updated = day(2025, 3, 1)
	}
	if err := s.CreateCase(ctx, c); err != nil {
		t.Fatal(err)
	}
	return c
}

func testSearchRanking(t *testing.T, s Store) {
	// The word in the body only, published first; then in the title.
	mustCase(t, s, &model.Case{Slug: "body-only", Title: "Men expelled", Summary: "Flown out at night",
		Body: "They were sent to a prison abroad.", Published: day(2025, 3, 20)})
	mustCase(t, s, &model.Case{Slug: "in-title", Title: "Prison conditions", Summary: "What families say",
		Body: "Letters from inside.", Published: day(2025, 3, 10)})
	mustCase(t, s, &model.Case{Slug: "elsewhere", Title: "Journalists", Summary: "Threatened", Body: "Nothing else.",
		Published: day(2025, 3, 5)})
	if got, want := searchFor(t, s, "en", "prison"), []string{"case:in-title", "case:body-only"}; !slices.Equal(got, want) {
		t.Errorf("prison: %v, want %v (title first, the unrelated case absent)", got, want)
	}
	// Every word must be there, each as a prefix.
	if got, want := searchFor(t, s, "en", "prison lett"), []string{"case:in-title"}; !slices.Equal(got, want) {
		t.Errorf("prison lett: %v, want %v", got, want)
	}
	if got := searchFor(t, s, "en", "prison journalists"); len(got) != 0 {
		t.Errorf("words in different cases matched one: %v", got)
	}
}

func testSearchDiacritics(t *testing.T, s Store) {
	mustCase(t, s, &model.Case{Slug: "carcel", Lang: "es", Title: "Prisión sin juicio", Summary: "Detención arbitraria",
		Body: "Hombres en la cárcel de máxima seguridad.", Published: day(2025, 3, 20)})
	mustCase(t, s, &model.Case{Slug: "arabic", Lang: "ar", Title: "سُجِنَ الصحفيون", Summary: "معتقلون", Body: "نص",
		Published: day(2025, 3, 21)})
	for _, q := range []string{"prision", "PRISIÓN", "Prision", "carcel", "máxima detencion"} {
		if got := searchFor(t, s, "es", q); !slices.Equal(got, []string{"case:carcel"}) {
			t.Errorf("%q in es: %v, want the case", q, got)
		}
	}
	// A Spanish original is found by readers of other languages too.
	if got := searchFor(t, s, "fr", "prision"); !slices.Equal(got, []string{"case:carcel"}) {
		t.Errorf("prision in fr: %v, want the original", got)
	}
	// Arabic without its short vowels finds the word written with them.
	if got := searchFor(t, s, "ar", "سجن"); !slices.Equal(got, []string{"case:arabic"}) {
		t.Errorf("Arabic without vowels: %v", got)
	}
}

func testSearchTranslations(t *testing.T, s Store) {
	c := mustCase(t, s, &model.Case{Slug: "expelled", Title: "Men expelled", Summary: "Flown out",
		Body: "Sent abroad.", Published: day(2025, 3, 20)})
	a := &model.Action{Slug: "sign", CaseID: c.ID, Lang: "en", Kind: model.ActionPetition, Title: "Sign the petition",
		Summary: "Ask for due process", ClosingText: "Closed", Published: day(2025, 3, 20), Delivery: model.DeliverEach}
	if err := s.CreateAction(ctx, a); err != nil {
		t.Fatal(err)
	}
	n := &model.NewsArticle{Slug: "home", Lang: "en", Title: "All returned home", Summary: "Families", Body: "Flights landed.",
		Published: day(2025, 7, 19)}
	if err := s.CreateNews(ctx, n); err != nil {
		t.Fatal(err)
	}
	fr := func(kind string, id int64, texts, source map[string]string) {
		t.Helper()
		tr := &model.Translation{Lang: "fr", Texts: texts, Source: model.Fingerprint(source), Saved: day(2025, 4, 1)}
		if err := s.SaveTranslation(ctx, kind, id, tr, 0); err != nil {
			t.Fatal(err)
		}
	}
	fr(model.KindCase, c.ID, map[string]string{"title": "Hommes expulsés", "summary": "Envoyés de nuit"}, c.Texts())
	fr(model.KindAction, a.ID, map[string]string{"title": "Signez la pétition"}, a.Texts())
	fr(model.KindNews, n.ID, map[string]string{"title": "Tous rentrés"}, n.Texts())

	if got := searchFor(t, s, "fr", "expulses"); !slices.Equal(got, []string{"case:expelled"}) {
		t.Errorf("a French reader by the French title: %v", got)
	}
	hits, _ := s.Search(ctx, store.SearchQuery{Text: "expulses", Lang: "fr", Limit: 5})
	if len(hits) == 1 && (hits[0].Lang != "fr" || text(hits[0].Title) != "Hommes expulsés") {
		t.Errorf("hit in %s titled %q, want the French title", hits[0].Lang, text(hits[0].Title))
	}
	// Originals too, one hit per record however many languages match.
	if got := searchFor(t, s, "fr", "expelled"); !slices.Equal(got, []string{"case:expelled"}) {
		t.Errorf("a French reader by the English original: %v", got)
	}
	if got := searchFor(t, s, "fr", "petition"); !slices.Equal(got, []string{"action:sign"}) {
		t.Errorf("pétition in fr: %v, want the action once", got)
	}
	if got := searchFor(t, s, "fr", "rentres"); !slices.Equal(got, []string{"news:home"}) {
		t.Errorf("news in French: %v", got)
	}
	// A translation is not another reader's: the Spanish reader reads
	// the original and the Spanish translations only.
	if got := searchFor(t, s, "es", "expulses"); len(got) != 0 {
		t.Errorf("a Spanish reader found the French translation: %v", got)
	}
	// A translation saved again replaces its words.
	tr := &model.Translation{Lang: "fr", Texts: map[string]string{"title": "Hommes renvoyés"}, Source: model.Fingerprint(c.Texts()),
		Saved: day(2025, 4, 2)}
	if err := s.SaveTranslation(ctx, model.KindCase, c.ID, tr, 1); err != nil {
		t.Fatal(err)
	}
	if got := searchFor(t, s, "fr", "expulses"); len(got) != 0 {
		t.Errorf("the old French title is still found: %v", got)
	}
	if got := searchFor(t, s, "fr", "renvoyes"); !slices.Equal(got, []string{"case:expelled"}) {
		t.Errorf("the new French title: %v", got)
	}
}

func text(parts []model.TextPart) string {
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(p.Text)
	}
	return b.String()
}

func testSearchDrafts(t *testing.T, s Store) {
	c := store.WithActor(ctx, editor)
	draft := &model.Case{Slug: "secret", Lang: "en", Title: "Zanzibar draft", Summary: "zanzibar", Status: model.CaseActive,
		Updated: day(2026, 2, 1)}
	if err := s.SaveCase(c, draft); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateAction(ctx, &model.Action{Slug: "draft-action", Lang: "en", Kind: model.ActionPetition,
		Title: "Zanzibar action", Delivery: model.DeliverEach}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateNews(ctx, &model.NewsArticle{Slug: "draft-news", Lang: "en", Title: "Zanzibar news"}); err != nil {
		t.Fatal(err)
	}
	tr := &model.Translation{Lang: "fr", Texts: map[string]string{"title": "Zanzibar brouillon"},
		Source: model.Fingerprint(draft.Texts()), Saved: day(2026, 2, 1)}
	if err := s.SaveTranslation(ctx, model.KindCase, draft.ID, tr, 0); err != nil {
		t.Fatal(err)
	}
	draft.Body = "Still zanzibar"
	if err := s.SaveCase(c, draft); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "fr"} {
		if got := searchFor(t, s, lang, "zanzibar"); len(got) != 0 {
			t.Errorf("drafts found in %s: %v", lang, got)
		}
	}
	if err := s.SetPublished(c, "case", draft.ID, draft.Version, day(2026, 2, 2)); err != nil {
		t.Fatal(err)
	}
	if got := searchFor(t, s, "fr", "zanzibar"); !slices.Equal(got, []string{"case:secret"}) {
		t.Errorf("published case: %v", got)
	}
}

func testSearchUnpublish(t *testing.T, s Store) {
	c := store.WithActor(ctx, editor)
	cs := mustCase(t, s, &model.Case{Slug: "gone", Title: "Quetzal case", Summary: "quetzal", Published: day(2025, 3, 20)})
	tr := &model.Translation{Lang: "es", Texts: map[string]string{"title": "Caso quetzal"}, Source: model.Fingerprint(cs.Texts()),
		Saved: day(2025, 4, 1)}
	if err := s.SaveTranslation(ctx, model.KindCase, cs.ID, tr, 0); err != nil {
		t.Fatal(err)
	}
	n := &model.NewsArticle{Slug: "quetzal-news", Lang: "en", Title: "Quetzal news", Published: day(2025, 3, 21)}
	if err := s.CreateNews(ctx, n); err != nil {
		t.Fatal(err)
	}
	if got := searchFor(t, s, "es", "quetzal"); len(got) != 2 {
		t.Fatalf("before: %v", got)
	}
	if err := s.SetPublished(c, "case", cs.ID, cs.Version, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPublished(c, "news", n.ID, n.Version, time.Time{}); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "es"} {
		if got := searchFor(t, s, lang, "quetzal"); len(got) != 0 {
			t.Errorf("unpublished still found in %s: %v", lang, got)
		}
	}
	// A published record edited: its old words go.
	pub := mustCase(t, s, &model.Case{Slug: "edited", Title: "Okapi", Published: day(2025, 3, 20)})
	pub.Title = "Pangolin"
	pub.Updated = day(2025, 3, 22)
	if err := s.SaveCase(c, pub); err != nil {
		t.Fatal(err)
	}
	if got := searchFor(t, s, "en", "okapi"); len(got) != 0 {
		t.Errorf("old title found: %v", got)
	}
	if got := searchFor(t, s, "en", "pangolin"); !slices.Equal(got, []string{"case:edited"}) {
		t.Errorf("new title: %v", got)
	}
}

func testSearchSnippets(t *testing.T, s Store) {
	long := strings.Repeat("Filler words go here. ", 20) + "The **tribunal** ruled <b>today</b>. " + strings.Repeat("More words. ", 20)
	mustCase(t, s, &model.Case{Slug: "script", Title: `<script>alert("x")</script> Tribunal watch`, Summary: "A summary",
		Body: long, Published: day(2025, 3, 20)})
	hits, err := s.Search(ctx, store.SearchQuery{Text: "tribunal", Lang: "en", Limit: 5})
	if err != nil || len(hits) != 1 {
		t.Fatalf("hits %v, %v", hits, err)
	}
	h := hits[0]
	if got := text(h.Title); got != `<script>alert("x")</script> Tribunal watch` {
		t.Errorf("title %q: the store returns the text as written; the page escapes it", got)
	}
	var found []string
	for _, p := range h.Title {
		if p.Found {
			found = append(found, p.Text)
		}
	}
	if !slices.Equal(found, []string{"Tribunal"}) {
		t.Errorf("found in title: %q", found)
	}
	snippet := text(h.Snippet)
	if !strings.Contains(snippet, "tribunal ruled today") || strings.Contains(snippet, "**") || strings.Contains(snippet, "<b>") {
		t.Errorf("snippet %q: want the words around the match, as plain text", snippet)
	}
	if !strings.HasPrefix(snippet, "… ") || !strings.HasSuffix(snippet, " …") {
		t.Errorf("snippet %q: want … where the text goes on", snippet)
	}
	if words := len(strings.Fields(strings.Trim(snippet, "… "))); words > 40 {
		t.Errorf("snippet of %d words", words)
	}
}

func testSearchOddQueries(t *testing.T, s Store) {
	mustCase(t, s, &model.Case{Slug: "quoted", Title: `Said "no" (twice)`, Summary: "AND OR NOT NEAR", Published: day(2025, 3, 20)})
	for _, q := range []string{"", "   ", `"`, `*`, `no" OR "x`, `(`, `NEAR(no)`, `no:*`, `& | !`, "a'b", strings.Repeat("no ", 500)} {
		if _, err := s.Search(ctx, store.SearchQuery{Text: q, Lang: "en", Limit: 5}); err != nil {
			t.Errorf("query %q: %v", q, err)
		}
	}
	if got := searchFor(t, s, "en", `"said" OR (twice*`); !slices.Equal(got, []string{"case:quoted"}) {
		t.Errorf("query syntax is read as words: %v", got)
	}
	if got := searchFor(t, s, "en", "  "); len(got) != 0 {
		t.Errorf("empty query found %v", got)
	}
}

func testCaseListFilters(t *testing.T, s Store) {
	mk := func(slug string, status model.CaseStatus, countries, tags []string, published time.Time) {
		mustCase(t, s, &model.Case{Slug: slug, Title: slug, Status: status, Countries: countries, Tags: tags,
			Published: published, Updated: day(2025, 1, 1)})
	}
	mk("ve-active", model.CaseActive, []string{"US", "VE"}, []string{"detention"}, day(2025, 3, 1))
	mk("sv-monitoring", model.CaseMonitoring, []string{"SV"}, []string{"detention", "deportation"}, day(2025, 3, 2))
	mk("ve-closed", model.CaseClosed, []string{"VE"}, []string{"press"}, day(2025, 3, 3))
	mk("draft-ve", model.CaseActive, []string{"VE", "CU"}, []string{"secret-theme"}, time.Time{})
	slugs := func(f model.CaseFilter) []string {
		t.Helper()
		cases, err := s.CaseList(ctx, f, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range cases {
			out = append(out, c.Slug)
		}
		return out
	}
	for _, tc := range []struct {
		f    model.CaseFilter
		want []string
	}{
		{model.CaseFilter{}, []string{"ve-closed", "sv-monitoring", "ve-active"}},
		{model.CaseFilter{Country: "VE"}, []string{"ve-closed", "ve-active"}},
		{model.CaseFilter{Theme: "detention"}, []string{"sv-monitoring", "ve-active"}},
		{model.CaseFilter{Status: model.CaseMonitoring}, []string{"sv-monitoring"}},
		{model.CaseFilter{Country: "VE", Status: model.CaseActive}, []string{"ve-active"}},
		{model.CaseFilter{Country: "VE", Theme: "press"}, []string{"ve-closed"}},
		{model.CaseFilter{Country: "CU"}, nil},
		{model.CaseFilter{Theme: "secret-theme"}, nil},
		{model.CaseFilter{Country: "ZZ"}, nil},
	} {
		if got := slugs(tc.f); !slices.Equal(got, tc.want) {
			t.Errorf("%+v: %v, want %v", tc.f, got, tc.want)
		}
	}
	countries, themes, err := s.CaseFilterValues(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(countries, []string{"SV", "US", "VE"}) || !slices.Equal(themes, []string{"deportation", "detention", "press"}) {
		t.Errorf("filter values %v %v: want those of published cases only", countries, themes)
	}
}

func testCaseListPaging(t *testing.T, s Store) {
	c := store.WithActor(ctx, editor)
	// Activity: the later of publication and last change.
	var cases []*model.Case
	for i := range 5 {
		cases = append(cases, mustCase(t, s, &model.Case{Slug: "case-" + string(rune('a'+i)), Title: "Case",
			Published: day(2025, 3, 1+i), Updated: day(2025, 1, 1)}))
	}
	// The oldest publication, changed last: first.
	cases[0].Updated = day(2025, 6, 1)
	if err := s.SaveCase(c, cases[0]); err != nil {
		t.Fatal(err)
	}
	// A published update moves its case too.
	if err := s.PublishUpdate(ctx, "case-b", &model.Update{Title: "News", Body: "b", Published: day(2025, 5, 1)}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for offset := 0; offset < 6; offset += 2 {
		page, err := s.CaseList(ctx, model.CaseFilter{}, offset, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) > 2 {
			t.Fatalf("page of %d", len(page))
		}
		for _, p := range page {
			got = append(got, p.Slug)
		}
	}
	want := []string{"case-a", "case-b", "case-e", "case-d", "case-c"}
	if !slices.Equal(got, want) {
		t.Errorf("pages: %v, want %v", got, want)
	}
}
