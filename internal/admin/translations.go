package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"vigil/internal/model"
)

// A translator works on one record in one language at a time: the
// record's texts, each beside a field for its translation, saved with the
// version of the translation the translator started from (two translators
// never overwrite each other) and the fingerprint of the original they
// saw (a translation of an original that changed meanwhile is saved as
// outdated, honestly). The records' own pages show, per language, which
// translations are missing or outdated; the list screen shows them all.

// translatable is one record whose texts can be translated, as the
// translators' screens show it.
type translatable struct {
	Kind  string // model.KindCase, KindUpdate, KindAction, KindNews or KindImage
	ID    int64
	What  msg    // "Case", "Update 2", "Picture", …
	Title string // the original's title; a picture's description
	About string // for an update or a picture: the record it belongs to
	Lang  string // the language the original is written in
	// Texts are the record's texts by field name (the record's Texts),
	// whose fingerprint a translation is made from; Fields show them in
	// reading order.
	Texts        map[string]string
	Fields       []textField
	Translations model.Translations
	Admin        string // the record's admin page
	Public       string // its public path, without a language; "" for a draft
	Preview      string // the admin's preview of the page it shows on
}

// textField is one translatable text of a record.
type textField struct {
	Name     string // the field's name in Texts: "title", "timeline.0.place", …
	Label    any    // a msg; for a field the model gained, its name
	Original string
	Long     bool // several lines: a textarea
	Markdown bool
	Max      int // characters
}

// Input is the name of the field's form input.
func (f textField) Input() string { return "tr." + f.Name }

// ID is the id of the field's form input.
func (f textField) ID() string { return "tr-" + strings.ReplaceAll(f.Name, ".", "-") }

// state is how the record stands in lang.
func (t translatable) state(lang string) model.TranslationState {
	return t.Translations.StateIn(t.Lang, t.Texts, lang)
}

// path is the translation page of the record in lang.
func (t translatable) path(lang string) string {
	return fmt.Sprintf("/admin/translations/%s/%d/%s", t.Kind, t.ID, lang)
}

// withFields sets Texts and lists them as Fields in the order given,
// then any text the order does not name (a field the model gained), so
// that every text the fingerprint covers can be translated.
func (t translatable) withFields(texts map[string]string, fields ...textField) translatable {
	t.Texts = texts
	named := map[string]bool{}
	for _, f := range fields {
		f.Original = texts[f.Name]
		named[f.Name] = true
		t.Fields = append(t.Fields, f)
	}
	var rest []string
	for name := range texts {
		if !named[name] {
			rest = append(rest, name)
		}
	}
	slices.Sort(rest)
	for _, name := range rest {
		t.Fields = append(t.Fields, textField{Name: name, Label: name, Original: texts[name], Long: true, Max: 5000})
	}
	return t
}

// Fields of each kind of record, with the limits their own forms set.
var (
	titleField   = textField{Name: "title", Label: say("label.field.title"), Max: 200}
	summaryField = textField{Name: "summary", Label: say("label.field.summary"), Long: true, Max: 600}
	bodyField    = textField{Name: "body", Label: say("label.field.text"), Long: true, Markdown: true, Max: 50_000}
	altField     = textField{Name: "alt", Label: say("picture.alt"), Max: 300}
)

func caseTranslatable(c model.Case) translatable {
	fields := []textField{titleField, summaryField, bodyField}
	for i, e := range c.Timeline {
		when := e.Date.UTC().Format("2006-01-02")
		fields = append(fields,
			textField{Name: fmt.Sprintf("timeline.%d.title", i), Label: say("label.tr.timeline.title", "Date", when), Max: 300},
			textField{Name: fmt.Sprintf("timeline.%d.place", i), Label: say("label.tr.timeline.place", "Date", when), Max: 200},
			textField{Name: fmt.Sprintf("timeline.%d.body", i), Label: say("label.tr.timeline.body", "Date", when), Long: true, Max: 5000})
	}
	for i := range c.Demands {
		fields = append(fields, textField{Name: fmt.Sprintf("demand.%d", i), Label: say("label.tr.demand", "Number", i+1), Max: 1000})
	}
	if c.FiguresIntro != "" {
		fields = append(fields, textField{Name: "figures_intro", Label: say("label.field.figures-intro"), Max: 300})
	}
	t := translatable{Kind: model.KindCase, ID: c.ID, What: say("label.what.case"), Title: c.Title, Lang: c.Lang,
		Translations: c.Translations, Admin: fmt.Sprintf("/admin/cases/%d", c.ID), Preview: fmt.Sprintf("/admin/cases/%d/preview", c.ID)}
	if !c.Published.IsZero() {
		t.Public = "/cases/" + c.Slug
	}
	return t.withFields(c.Texts(), fields...)
}

func updateTranslatable(c model.Case, u model.Update) translatable {
	what := say("label.what.opening")
	if u.Number > 0 {
		what = say("label.what.update", "Number", u.Number)
	}
	t := translatable{Kind: model.KindUpdate, ID: u.ID, What: what, Title: u.Title, About: c.Title, Lang: c.Lang,
		Translations: u.Translations, Admin: fmt.Sprintf("/admin/cases/%d", c.ID), Preview: fmt.Sprintf("/admin/cases/%d/preview", c.ID)}
	if !c.Published.IsZero() && u.Hidden.IsZero() {
		t.Public = "/cases/" + c.Slug
	}
	return t.withFields(u.Texts(), titleField, bodyField)
}

func actionTranslatable(a model.Action) translatable {
	fields := []textField{titleField, summaryField,
		{Name: "body", Label: say("action.body"), Long: true, Markdown: true, Max: 50_000},
		{Name: "closing", Label: say("action.closing-text"), Long: true, Markdown: true, Max: 2000}}
	for _, c := range a.Consents {
		fields = append(fields, textField{Name: "consent." + c.Key, Label: say("label.tr.consent", "Key", c.Key), Long: true, Max: 1000})
	}
	t := translatable{Kind: model.KindAction, ID: a.ID, What: say("label.what.action"), Title: a.Title, Lang: a.Lang,
		Translations: a.Translations, Admin: fmt.Sprintf("/admin/actions/%d", a.ID), Preview: fmt.Sprintf("/admin/actions/%d/preview", a.ID)}
	if !a.Published.IsZero() {
		t.Public = "/actions/" + a.Slug
	}
	return t.withFields(a.Texts(), fields...)
}

func newsTranslatable(n model.NewsArticle) translatable {
	t := translatable{Kind: model.KindNews, ID: n.ID, What: say("label.what.news"), Title: n.Title, Lang: n.Lang,
		Translations: n.Translations, Admin: fmt.Sprintf("/admin/news/%d", n.ID), Preview: fmt.Sprintf("/admin/news/%d/preview", n.ID)}
	if !n.Published.IsZero() {
		t.Public = "/news/" + n.Slug
	}
	return t.withFields(n.Texts(), titleField, summaryField, bodyField)
}

// imageTranslatable is a picture's description as the record it
// illustrates (owner) shows it: a picture has no language of its own, so
// its description is taken to be written in its record's.
func imageTranslatable(img *model.Image, owner translatable) translatable {
	t := translatable{Kind: model.KindImage, ID: img.ID, What: say("label.what.image"), Title: img.Alt, About: owner.Title,
		Lang: owner.Lang, Translations: img.Translations, Admin: owner.Admin, Public: owner.Public, Preview: owner.Preview}
	return t.withFields(img.Texts(), altField)
}

// allTranslatables are every record with texts to translate, drafts too:
// each case followed by its updates, then the actions, the news articles
// and the pictures they show (each picture once, as its first record).
func (s *Server) allTranslatables(ctx context.Context) ([]translatable, error) {
	cases, err := s.store.AllCases(ctx)
	if err != nil {
		return nil, err
	}
	var out, pictures []translatable
	seen := map[int64]bool{}
	picture := func(img *model.Image, owner translatable) {
		if img != nil && !seen[img.ID] {
			seen[img.ID] = true
			pictures = append(pictures, imageTranslatable(img, owner))
		}
	}
	for _, listed := range cases {
		// The list leaves out the timeline, demands and updates, whose
		// texts a translation covers too.
		c, err := s.store.CaseByID(ctx, listed.ID)
		if err != nil {
			return nil, err
		}
		ct := caseTranslatable(c)
		out = append(out, ct)
		for _, u := range slices.Backward(c.Updates) {
			out = append(out, updateTranslatable(c, u))
		}
		picture(c.Image, ct)
	}
	actions, err := s.store.AllActions(ctx)
	if err != nil {
		return nil, err
	}
	for _, a := range actions {
		at := actionTranslatable(a)
		out = append(out, at)
		picture(a.Image, at)
	}
	news, err := s.store.AllNews(ctx)
	if err != nil {
		return nil, err
	}
	for _, n := range news {
		nt := newsTranslatable(n)
		out = append(out, nt)
		picture(n.Image, nt)
	}
	return append(out, pictures...), nil
}

// translatableByID loads one record; an unknown kind or record is
// model.ErrNotFound.
func (s *Server) translatableByID(ctx context.Context, kind string, id int64) (translatable, error) {
	switch kind {
	case model.KindCase:
		c, err := s.store.CaseByID(ctx, id)
		return caseTranslatable(c), err
	case model.KindUpdate:
		u, err := s.store.UpdateByID(ctx, id)
		if err != nil {
			return translatable{}, err
		}
		// The case carries its updates with their translations.
		c, err := s.store.CaseByID(ctx, u.CaseID)
		if err != nil {
			return translatable{}, err
		}
		for _, u := range c.Updates {
			if u.ID == id {
				return updateTranslatable(c, u), nil
			}
		}
		return translatable{}, model.ErrNotFound
	case model.KindAction:
		a, err := s.store.ActionByID(ctx, id)
		return actionTranslatable(a), err
	case model.KindNews:
		n, err := s.store.NewsByID(ctx, id)
		return newsTranslatable(n), err
	case model.KindImage:
		// A picture is found through the record it illustrates.
		all, err := s.allTranslatables(ctx)
		if err != nil {
			return translatable{}, err
		}
		for _, t := range all {
			if t.Kind == model.KindImage && t.ID == id {
				return t, nil
			}
		}
	}
	return translatable{}, model.ErrNotFound
}

// langInfo is one language the site offers, as staff pages name it.
type langInfo struct {
	Code, Name, Dir string
}

func (s *Server) language(code string) langInfo {
	cat := s.composer.Cat
	return langInfo{Code: code, Name: cat.Name(code), Dir: cat.Dir(code)}
}

// offered reports whether the site offers lang.
func (s *Server) offered(lang string) bool { return s.composer.Cat.Has(lang) }

// languages are the languages the site offers (--languages), the first
// the default: those content, officials and supporters may be in.
func (s *Server) languages() []string { return s.composer.Cat.Languages() }

// offeredNames lists the languages the site offers, for messages.
func (s *Server) offeredNames() string {
	var names []string
	for _, l := range s.composer.Cat.Languages() {
		names = append(names, fmt.Sprintf("%s (%s)", s.composer.Cat.Name(l), l))
	}
	return strings.Join(names, ", ")
}

// translationGrid is the "Translations" section of a record's page: a
// row per text (the record, its updates, its picture), a column per
// language it can be translated into.
type translationGrid struct {
	Original langInfo
	Langs    []langInfo
	Rows     []gridRow
	Note     any // what is translated elsewhere: a msg
	CanWrite bool
}

type gridRow struct {
	Label msg // "This case", "Update 2: …", "Picture description"
	Cells []gridCell
}

type gridCell struct {
	Lang  langInfo
	State model.TranslationState
	Path  string
}

// grid builds the section for records written in the same langInfo
// (the first one's).
func (s *Server) grid(r *http.Request, records ...translatable) *translationGrid {
	if len(records) == 0 {
		return nil
	}
	g := &translationGrid{Original: s.language(records[0].Lang), CanWrite: allowed(sessionOf(r).User.Role, permContentWrite)}
	for _, l := range s.composer.Cat.Languages() {
		if l != records[0].Lang {
			g.Langs = append(g.Langs, s.language(l))
		}
	}
	for _, t := range records {
		row := gridRow{Label: say("label.tr.row." + t.Kind)}
		if t.Kind == model.KindUpdate {
			row.Label = say("label.tr.row.update", "What", t.What, "Title", t.Title)
		}
		for _, l := range g.Langs {
			row.Cells = append(row.Cells, gridCell{Lang: l, State: t.state(l.Code), Path: t.path(l.Code)})
		}
		g.Rows = append(g.Rows, row)
	}
	return g
}

// caseGrid is the section of a case's page: the case, its updates in
// the order they were published, its picture.
func (s *Server) caseGrid(r *http.Request, c model.Case) *translationGrid {
	if c.ID == 0 {
		return nil
	}
	ct := caseTranslatable(c)
	records := []translatable{ct}
	for _, u := range slices.Backward(c.Updates) {
		records = append(records, updateTranslatable(c, u))
	}
	if c.Image != nil {
		records = append(records, imageTranslatable(c.Image, ct))
	}
	return s.grid(r, records...)
}

func (s *Server) actionGrid(r *http.Request, a model.Action) *translationGrid {
	if a.ID == 0 {
		return nil
	}
	at := actionTranslatable(a)
	records := []translatable{at}
	if a.Image != nil {
		records = append(records, imageTranslatable(a.Image, at))
	}
	g := s.grid(r, records...)
	g.Note = say("label.tr.letter-note")
	return g
}

func (s *Server) newsGrid(r *http.Request, n model.NewsArticle) *translationGrid {
	if n.ID == 0 {
		return nil
	}
	nt := newsTranslatable(n)
	records := []translatable{nt}
	if n.Image != nil {
		records = append(records, imageTranslatable(n.Image, nt))
	}
	return s.grid(r, records...)
}

// translationStates are the list screen's filters: what needs a
// translator (missing or outdated), one state, or everything; Label is a
// key of the staff catalogues.
var translationStates = []struct{ Value, Label string }{
	{"todo", "label.tr.show.todo"},
	{string(model.TranslationMissing), "label.state.missing"},
	{string(model.TranslationOutdated), "label.state.outdated"},
	{string(model.TranslationCurrent), "label.state.current"},
	{"all", "label.tr.show.all"},
}

type translationList struct {
	F        *form
	Langs    []langInfo
	States   []struct{ Value, Label string }
	Lang     langInfo
	Items    []listedTranslation
	Counts   map[string]int
	Total    int // texts that can be translated into Lang
	Original int // records written in Lang
	CanWrite bool
}

type listedTranslation struct {
	translatable
	State model.TranslationState
	Path  string
	Saved time.Time // when the translation was saved; zero when there is none
}

// translationsPage lists every text with its state in one language,
// filtered: what is missing, outdated, or everything.
func (s *Server) translationsPage(w http.ResponseWriter, r *http.Request) {
	f := newForm(r.URL.Query())
	d := translationList{F: f, States: translationStates, Counts: map[string]int{},
		CanWrite: allowed(sessionOf(r).User.Role, permContentWrite)}
	for _, l := range s.composer.Cat.Languages() {
		d.Langs = append(d.Langs, s.language(l))
	}
	lang := f.Value("lang")
	if lang == "" {
		// The first language other than the one content is usually
		// written in.
		for _, l := range d.Langs {
			if l.Code != "en" {
				lang = l.Code
				break
			}
		}
		if lang == "" {
			s.render(w, r, http.StatusOK, "translations", "title.translations", d) // one language: nothing to translate
			return
		}
		f.values.Set("lang", lang)
	}
	if !s.offered(lang) {
		f.fail("lang", "form.tr.not-offered", "Lang", lang, "Offered", s.offeredNames())
		s.render(w, r, http.StatusBadRequest, "translations", "title.translations", d)
		return
	}
	state := f.Value("state")
	if state == "" {
		state = "todo"
		f.values.Set("state", state)
	}
	if !slices.ContainsFunc(translationStates, func(st struct{ Value, Label string }) bool { return st.Value == state }) {
		f.fail("state", "form.tr.state")
		s.render(w, r, http.StatusBadRequest, "translations", "title.translations", d)
		return
	}
	d.Lang = s.language(lang)
	all, err := s.allTranslatables(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	for _, t := range all {
		st := t.state(lang)
		if st == model.TranslationOriginal {
			d.Original++
			continue
		}
		d.Total++
		d.Counts[string(st)]++
		keep := state == "all" || string(st) == state ||
			state == "todo" && (st == model.TranslationMissing || st == model.TranslationOutdated)
		if !keep {
			continue
		}
		item := listedTranslation{translatable: t, State: st, Path: t.path(lang)}
		if tr, ok := t.Translations[lang]; ok {
			item.Saved = tr.Saved
		}
		d.Items = append(d.Items, item)
	}
	s.render(w, r, http.StatusOK, "translations", "title.translations", d)
}

// translationEdit is the side-by-side page of one record in one language.
type translationEdit struct {
	Item     translatable
	Original langInfo
	Lang     langInfo
	State    model.TranslationState
	Current  *model.Translation // the stored translation; nil when there is none
	F        *form
	Conflict []difference
	CanWrite bool
	Public   string // the public page in Lang; "" for a draft
	Preview  string // the admin's preview in Lang
}

// translationTarget loads the record and language the path names,
// answering itself (and returning false) when either is refused: an
// unknown kind or record (404), a language the site does not offer, or
// the original's own language (which is edited on the record's page).
func (s *Server) translationTarget(w http.ResponseWriter, r *http.Request) (translatable, string, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.notFound(w, r)
		return translatable{}, "", false
	}
	t, err := s.translatableByID(r.Context(), r.PathValue("kind"), id)
	if err != nil {
		s.fail(w, r, err)
		return t, "", false
	}
	lang := r.PathValue("lang")
	refused := http.StatusNotFound
	if r.Method == http.MethodPost {
		refused = http.StatusBadRequest
	}
	switch {
	case !s.offered(lang):
		s.errorPage(w, r, refused, say("error.tr.not-offered", "Lang", lang, "Offered", s.offeredNames()))
		return t, lang, false
	case lang == t.Lang:
		s.errorPage(w, r, refused, say("error.tr.original."+t.Kind, "Language", s.composer.Cat.Name(lang), "Lang", lang))
		return t, lang, false
	}
	return t, lang, true
}

// translationForm fills the form from the stored translation, with the
// fingerprint of the original as it is now.
func translationForm(t translatable, lang string) *form {
	v := url.Values{}
	tr := t.Translations[lang]
	v.Set("version", strconv.Itoa(tr.Version))
	v.Set("source", model.Fingerprint(t.Texts))
	for _, f := range t.Fields {
		v.Set(f.Input(), tr.Texts[f.Name])
	}
	return newForm(v)
}

func (s *Server) translationPage(w http.ResponseWriter, r *http.Request) {
	t, lang, ok := s.translationTarget(w, r)
	if !ok {
		return
	}
	s.renderTranslation(w, r, http.StatusOK, t, lang, translationForm(t, lang), nil)
}

func (s *Server) renderTranslation(w http.ResponseWriter, r *http.Request, status int, t translatable, lang string, f *form, conflict []difference) {
	d := translationEdit{Item: t, Original: s.language(t.Lang), Lang: s.language(lang), State: t.state(lang), F: f,
		Conflict: conflict, CanWrite: allowed(sessionOf(r).User.Role, permContentWrite)}
	if tr, ok := t.Translations[lang]; ok {
		d.Current = &tr
	}
	if t.Public != "" {
		d.Public = "/" + lang + t.Public
	}
	d.Preview = t.Preview + "?lang=" + lang
	s.render(w, r, status, "translation", say("title.translate", "Title", t.Title), d)
}

// fingerprintPattern is what model.Fingerprint writes.
var fingerprintPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// saveTranslation saves a translation from the side-by-side form, if
// nobody saved one in that language since the form was filled.
func (s *Server) saveTranslation(w http.ResponseWriter, r *http.Request) {
	t, lang, ok := s.translationTarget(w, r)
	if !ok {
		return
	}
	f := newForm(r.PostForm)
	seen := f.number("version", 0, 1<<30)
	source := f.Value("source")
	if !fingerprintPattern.MatchString(source) || f.Error("version") != "" {
		f.fail("texts", "form.tr.incomplete")
	}
	tr := model.Translation{Lang: lang, Texts: map[string]string{}, Source: source, Saved: s.now()}
	for _, field := range t.Fields {
		if field.Original == "" {
			continue // nothing to translate
		}
		var v string
		if field.Long {
			v = f.text(field.Input(), field.Max, false)
		} else {
			v = f.line(field.Input(), field.Max, false)
		}
		if v != "" {
			tr.Texts[field.Name] = v
		}
	}
	if f.OK() && len(tr.Texts) == 0 {
		f.fail("texts", "form.tr.empty", "Lang", lang)
	}
	if !f.OK() {
		s.renderTranslation(w, r, http.StatusBadRequest, t, lang, f, nil)
		return
	}
	err := s.store.SaveTranslation(r.Context(), t.Kind, t.ID, &tr, seen)
	switch {
	case errors.Is(err, model.ErrStale):
		s.translationConflict(w, r, t.Kind, t.ID, lang, tr, f)
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	s.site.ContentChanged()
	note := say("flash.tr.saved", "Lang", lang)
	if source != model.Fingerprint(t.Texts) {
		note = say("flash.tr.saved-outdated", "Lang", lang)
	}
	s.redirectDone(w, r, t.path(lang), note)
}

// translationConflict shows what another translator saved beside what
// this one sent, which stays in the form, now based on theirs: saving
// again replaces theirs knowingly.
func (s *Server) translationConflict(w http.ResponseWriter, r *http.Request, kind string, id int64, lang string, yours model.Translation, f *form) {
	t, err := s.translatableByID(r.Context(), kind, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	theirs := t.Translations[lang]
	f.values.Set("version", strconv.Itoa(theirs.Version))
	var pairs []difference
	for _, field := range t.Fields {
		pairs = append(pairs, difference{field.Label, theirs.Texts[field.Name], yours.Texts[field.Name]})
	}
	s.renderTranslation(w, r, http.StatusConflict, t, lang, f, differences("label.tr.saved-again", pairs...))
}

// caseOnlyIn is a case as readers of lang will see it, with no other
// translation left for the site to choose from: the staff's preview of a
// language shows that language, whatever their browser asks for.
func caseOnlyIn(c model.Case, lang string) model.Case {
	c = c.In(lang) // copies the updates and actions it translates
	c.Translations = nil
	for i := range c.Updates {
		c.Updates[i].Translations = nil
	}
	for i := range c.Actions {
		c.Actions[i] = actionOnlyIn(c.Actions[i], lang)
	}
	c.Image = imageOnlyIn(c.Image, lang)
	return c
}

func actionOnlyIn(a model.Action, lang string) model.Action {
	a = a.In(lang)
	a.Translations = nil
	a.Image = imageOnlyIn(a.Image, lang)
	return a
}

func newsOnlyIn(n model.NewsArticle, lang string) model.NewsArticle {
	n = n.In(lang)
	n.Translations = nil
	n.Image = imageOnlyIn(n.Image, lang)
	return n
}

func imageOnlyIn(img *model.Image, lang string) *model.Image {
	if img == nil {
		return nil
	}
	out := *img.In(lang)
	out.Translations = nil
	return &out
}
