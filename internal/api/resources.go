package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"vigil/internal/markdown"
	"vigil/internal/model"
	"vigil/internal/store"
)

func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/{$}", s.authorised(model.ScopeRead, s.entry))
	mux.HandleFunc("GET /api/v1/openapi.json", s.openAPI)
	mux.HandleFunc("GET /api/v1", s.authorised(model.ScopeRead, s.entry))

	for _, kind := range []model.ActionKind{model.ActionPetition, model.ActionAppeal} {
		c := collections[kind]
		mux.HandleFunc("GET /api/v1/"+c.path, s.authorised(model.ScopeRead, s.actions(kind)))
		mux.HandleFunc("GET /api/v1/"+c.path+"/{id}", s.authorised(model.ScopeRead, s.action(kind)))
		mux.HandleFunc("GET /api/v1/"+c.path+"/{id}/"+c.items, s.authorised(model.ScopePeople, s.participationsOfAction(kind)))
		mux.HandleFunc("GET /api/v1/"+c.path+"/{id}/"+c.items+"/{pid}", s.authorised(model.ScopePeople, s.participation(kind)))
		mux.HandleFunc("POST /api/v1/"+c.path+"/{id}/"+c.items, s.authorised(model.ScopeWrite, s.record(kind)))
		mux.HandleFunc("GET /api/v1/"+c.items, s.authorised(model.ScopePeople, s.participations(kind)))
		mux.HandleFunc("GET /api/v1/people/{id}/"+c.items, s.authorised(model.ScopePeople, s.participationsOfPerson(kind)))
	}
	mux.HandleFunc("GET /api/v1/people", s.authorised(model.ScopePeople, s.people))
	mux.HandleFunc("GET /api/v1/people/{id}", s.authorised(model.ScopePeople, s.person))
	mux.HandleFunc("GET /api/v1/tags", s.authorised(model.ScopeRead, s.tags))
	mux.HandleFunc("GET /api/v1/tags/{id}", s.authorised(model.ScopeRead, s.tag))
	mux.HandleFunc("GET /api/v1/tags/{id}/taggings", s.authorised(model.ScopeRead, s.taggings))
	mux.HandleFunc("GET /api/v1/tags/{id}/taggings/{aid}", s.authorised(model.ScopeRead, s.tagging))
	mux.HandleFunc("/api/v1/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, http.StatusNotFound, "no such resource: start at "+s.base+"/")
	})
	return mux
}

// collection names the OSDI resources an action kind maps to.
type collection struct {
	path, rel       string // petitions, osdi:petition
	items, itemRel  string // signatures, osdi:signature
	helper          string // osdi:record_signature_helper
	total           string // total_signatures
	itemCollection  string // osdi:signatures
	actionColection string // osdi:petitions
}

var collections = map[model.ActionKind]collection{
	model.ActionPetition: {path: "petitions", rel: "osdi:petition", items: "signatures", itemRel: "osdi:signature",
		helper: "osdi:record_signature_helper", total: "total_signatures", itemCollection: "osdi:signatures",
		actionColection: "osdi:petitions"},
	model.ActionAppeal: {path: "advocacy_campaigns", rel: "osdi:advocacy_campaign", items: "outreaches", itemRel: "osdi:outreach",
		helper: "osdi:record_outreach_helper", total: "total_outreaches", itemCollection: "osdi:outreaches",
		actionColection: "osdi:advocacy_campaigns"},
}

// link is a HAL link.
type link struct {
	Href      string `json:"href"`
	Title     string `json:"title,omitempty"`
	Templated bool   `json:"templated,omitempty"`
}

type links map[string]any

// curie is the curies entry as HAL writes it: a name beside the link.
type curie struct {
	Name      string `json:"name"`
	Href      string `json:"href"`
	Templated bool   `json:"templated"`
}

// curies names the osdi: prefix of every link relation: OSDI's
// documentation of each.
var curies = []curie{{Name: "osdi", Href: "https://opensupporter.github.io/osdi-docs/{rel}", Templated: true}}

func (s *Server) href(format string, args ...any) link {
	return link{Href: s.base + fmt.Sprintf(format, args...)}
}

// entry is the API entry point: what the server is and where each
// collection lives.
func (s *Server) entry(w http.ResponseWriter, r *http.Request, _ caller) {
	l := links{
		"self":                    s.href("/"),
		"curies":                  curies,
		"osdi:petitions":          s.href("/petitions"),
		"osdi:advocacy_campaigns": s.href("/advocacy_campaigns"),
		"osdi:people":             s.href("/people"),
		"osdi:signatures":         s.href("/signatures"),
		"osdi:outreaches":         s.href("/outreaches"),
		"osdi:tags":               s.href("/tags"),
		"docs":                    link{Href: s.base + "/openapi.json", Title: "OpenAPI 3.1 description"},
	}
	s.writeJSON(w, http.StatusOK, map[string]any{
		"motd":         "Vigil's OSDI API. Send your key in the OSDI-API-Token header.",
		"vendor_name":  "Vigil",
		"product_name": "Vigil",
		"osdi_version": "1.1.1",
		"max_pagesize": MaxPageSize,
		"namespace":    "vigil",
		"_links":       l,
	})
}

// ---- paging and filters

// page is what a collection request asks for.
type page struct {
	number, size int
	filter       filter
}

// filter is an OData filter as OSDI uses it: clauses joined by "and".
type filter struct {
	modifiedAfter, modifiedBefore time.Time
	email                         string
}

// readPage reads page, per_page and filter; an error is the 400's text.
func readPage(r *http.Request, allowEmail bool) (page, error) {
	q := r.URL.Query()
	p := page{number: 1, size: 25}
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return p, fmt.Errorf("page %q: want a whole number from 1", v)
		}
		p.number = n
	}
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxPageSize {
			return p, fmt.Errorf("per_page %q: want a whole number from 1 to %d", v, MaxPageSize)
		}
		p.size = n
	}
	if p.number > 1_000_000_000/p.size {
		return p, fmt.Errorf("page %d: past any collection's end", p.number)
	}
	if v := q.Get("filter"); v != "" {
		f, err := parseFilter(v, allowEmail)
		if err != nil {
			return p, err
		}
		p.filter = f
	}
	return p, nil
}

// parseFilter reads "modified_date gt '2026-01-01'", "email_address eq
// 'x@example.org'", or such clauses joined by " and ".
func parseFilter(v string, allowEmail bool) (filter, error) {
	var f filter
	for clause := range strings.SplitSeq(v, " and ") {
		field, rest, ok1 := strings.Cut(strings.TrimSpace(clause), " ")
		op, value, ok2 := strings.Cut(strings.TrimSpace(rest), " ")
		value = strings.TrimSpace(value)
		if !ok1 || !ok2 || len(value) < 2 || value[0] != '\'' || value[len(value)-1] != '\'' {
			return f, fmt.Errorf("filter %q: want field, operator and a quoted value, e.g. modified_date gt '2026-01-01'", clause)
		}
		value = value[1 : len(value)-1]
		switch {
		case field == "modified_date" && (op == "gt" || op == "lt"):
			t, err := parseDate(value)
			if err != nil {
				return f, err
			}
			if op == "gt" {
				f.modifiedAfter = t
			} else {
				f.modifiedBefore = t
			}
		case field == "email_address" && op == "eq" && allowEmail:
			email := strings.ToLower(strings.TrimSpace(value))
			if !strings.Contains(email, "@") {
				return f, fmt.Errorf("filter: %q is not an email address", value)
			}
			f.email = email
		default:
			known := "modified_date gt|lt"
			if allowEmail {
				known += ", email_address eq"
			}
			return f, fmt.Errorf("filter %q: this collection filters on %s", clause, known)
		}
	}
	return f, nil
}

// parseDate reads a date or an instant as OSDI writes them.
func parseDate(v string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("date %q: want 2026-01-31 or 2026-01-31T12:00:00Z", v)
}

// collectionBody is one page of a collection.
func (s *Server) collectionBody(r *http.Request, p page, total int, rel string, items []any) map[string]any {
	pages := (total + p.size - 1) / p.size
	l := links{"self": link{Href: s.pageURL(r, p.number)}, "curies": curies}
	if p.number < pages {
		l["next"] = link{Href: s.pageURL(r, p.number+1)}
	}
	if p.number > 1 {
		l["previous"] = link{Href: s.pageURL(r, min(p.number-1, max(pages, 1)))}
	}
	each := []link{}
	for _, it := range items {
		each = append(each, it.(map[string]any)["_links"].(links)["self"].(link))
	}
	l[rel] = each
	if items == nil {
		items = []any{}
	}
	return map[string]any{
		"total_pages":   pages,
		"per_page":      p.size,
		"page":          p.number,
		"total_records": total,
		"_links":        l,
		"_embedded":     map[string]any{rel: items},
	}
}

// pageURL is this request's URL at another page.
func (s *Server) pageURL(r *http.Request, n int) string {
	q := r.URL.Query()
	q.Set("page", strconv.Itoa(n))
	return s.site + r.URL.Path + "?" + q.Encode()
}

// pathID reads a numeric id from the path.
func pathID(r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	return id, err == nil && id > 0
}

func osdiTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}

func identifiers(id int64) []string { return []string{"vigil:" + strconv.FormatInt(id, 10)} }

// ---- petitions and advocacy campaigns

// publishedFor is how long the API answers from the published actions
// it read last: reading them all (with targets, tags, pictures and
// translations) at each request cost most of a recorded signature's CPU
// (BENCHMARKS.md). A count or a close shows a second late at most; the
// store itself refuses a participation in a closed action.
const publishedFor = time.Second

// published returns the published actions, read again when older than
// publishedFor.
func (s *Server) published(ctx context.Context) ([]model.Action, error) {
	s.actionsMu.Lock()
	defer s.actionsMu.Unlock()
	if s.actionsRead.IsZero() || time.Since(s.actionsRead) >= publishedFor {
		all, err := s.store.PublishedActions(ctx)
		if err != nil {
			return nil, err
		}
		s.publishedActions, s.actionsRead = all, time.Now()
	}
	return s.publishedActions, nil
}

func (s *Server) actionsOf(r *http.Request, kind model.ActionKind) ([]model.Action, error) {
	all, err := s.published(r.Context())
	if err != nil {
		return nil, err
	}
	var out []model.Action
	for _, a := range all {
		if a.Kind == kind {
			out = append(out, a)
		}
	}
	// Oldest change first, as every collection: an action changes when
	// it is published.
	slices.SortStableFunc(out, func(a, b model.Action) int {
		if c := a.Published.Compare(b.Published); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	return out, nil
}

func (s *Server) actions(kind model.ActionKind) func(http.ResponseWriter, *http.Request, caller) {
	return func(w http.ResponseWriter, r *http.Request, _ caller) {
		p, err := readPage(r, false)
		if err != nil {
			s.fail(w, http.StatusBadRequest, err.Error())
			return
		}
		all, err := s.actionsOf(r, kind)
		if err != nil {
			s.internal(w, err)
			return
		}
		var matching []model.Action
		for _, a := range all {
			if (p.filter.modifiedAfter.IsZero() || a.Published.After(p.filter.modifiedAfter)) &&
				(p.filter.modifiedBefore.IsZero() || a.Published.Before(p.filter.modifiedBefore)) {
				matching = append(matching, a)
			}
		}
		var items []any
		for i := (p.number - 1) * p.size; i < len(matching) && i < p.number*p.size; i++ {
			items = append(items, s.actionBody(matching[i]))
		}
		s.writeJSON(w, http.StatusOK, s.collectionBody(r, p, len(matching), collections[kind].actionColection, items))
	}
}

func (s *Server) action(kind model.ActionKind) func(http.ResponseWriter, *http.Request, caller) {
	return func(w http.ResponseWriter, r *http.Request, _ caller) {
		a, ok := s.findAction(w, r, kind)
		if ok {
			s.writeJSON(w, http.StatusOK, s.actionBody(a))
		}
	}
}

// findAction reads the action of the path, answering 404 when there is
// no such published action of that kind.
func (s *Server) findAction(w http.ResponseWriter, r *http.Request, kind model.ActionKind) (model.Action, bool) {
	id, ok := pathID(r, "id")
	if ok {
		all, err := s.actionsOf(r, kind)
		if err != nil {
			s.internal(w, err)
			return model.Action{}, false
		}
		for _, a := range all {
			if a.ID == id {
				return a, true
			}
		}
	}
	s.fail(w, http.StatusNotFound, fmt.Sprintf("no %s %q", strings.TrimPrefix(collections[kind].rel, "osdi:"), r.PathValue("id")))
	return model.Action{}, false
}

func (s *Server) actionBody(a model.Action) map[string]any {
	c := collections[a.Kind]
	self := fmt.Sprintf("/%s/%d", c.path, a.ID)
	body := map[string]any{
		"identifiers":   identifiers(a.ID),
		"origin_system": "Vigil",
		"created_date":  osdiTime(a.Published),
		"modified_date": osdiTime(a.Published),
		"title":         a.Title,
		"summary":       a.Summary,
		"description":   string(markdown.HTML(a.Body)),
		"browser_url":   s.site + "/actions/" + url.PathEscape(a.Slug),
		"language":      a.Lang,
		c.total:         a.Count,
		"status":        actionStatus(a, s.now()),
		"end_date":      osdiTime(a.Deadline),
		"_links": links{
			"self":           s.href("%s", self),
			c.itemCollection: s.href("%s/%s", self, c.items),
			c.helper:         s.href("%s/%s", self, c.items),
		},
	}
	if a.Kind == model.ActionAppeal {
		body["type"] = "email"
		body["targets"] = targetsBody(a.Targets)
	}
	if a.CaseSlug != "" {
		body["vigil:case_url"] = s.site + "/cases/" + url.PathEscape(a.CaseSlug)
	}
	return body
}

// targetsBody lists an appeal's targets as OSDI does: the officials
// written to, never their addresses.
func targetsBody(targets []model.Target) []map[string]any {
	out := []map[string]any{}
	for _, t := range targets {
		given, family := SplitName(t.Name)
		out = append(out, map[string]any{"title": t.Title, "organization": t.Organisation, "given_name": given,
			"family_name": family})
	}
	return out
}

// actionStatus is open, or closed once it takes no more participations.
func actionStatus(a model.Action, now time.Time) string {
	if a.IsOpen(now) {
		return "open"
	}
	return "closed"
}

// ---- people

func (s *Server) people(w http.ResponseWriter, r *http.Request, c caller) {
	p, err := readPage(r, true)
	if err != nil {
		s.fail(w, http.StatusBadRequest, err.Error())
		return
	}
	people, total, err := s.store.People(r.Context(), store.PeopleFilter{Email: p.filter.email,
		ModifiedAfter: p.filter.modifiedAfter, ModifiedBefore: p.filter.modifiedBefore,
		Offset: (p.number - 1) * p.size, Limit: p.size})
	if err != nil {
		s.internal(w, err)
		return
	}
	if err := s.audit(r, c, "api.people.read", "supporter", 0, len(people)); err != nil {
		s.internal(w, err)
		return
	}
	var items []any
	for _, sup := range people {
		body, err := s.personBody(r.Context(), s.store, sup)
		if err != nil {
			s.internal(w, err)
			return
		}
		items = append(items, body)
	}
	s.writeJSON(w, http.StatusOK, s.collectionBody(r, p, total, "osdi:people", items))
}

func (s *Server) person(w http.ResponseWriter, r *http.Request, c caller) {
	sup, ok := s.findPerson(w, r)
	if !ok {
		return
	}
	if err := s.audit(r, c, "api.people.read", "supporter", sup.ID, 1); err != nil {
		s.internal(w, err)
		return
	}
	body, err := s.personBody(r.Context(), s.store, sup)
	if err != nil {
		s.internal(w, err)
		return
	}
	s.writeJSON(w, http.StatusOK, body)
}

// findPerson reads the supporter of the path, answering 404 for one
// unknown or erased.
func (s *Server) findPerson(w http.ResponseWriter, r *http.Request) (model.Supporter, bool) {
	if id, ok := pathID(r, "id"); ok {
		people, _, err := s.store.People(r.Context(), store.PeopleFilter{ID: id, Limit: 1})
		if err != nil {
			s.internal(w, err)
			return model.Supporter{}, false
		}
		if len(people) == 1 {
			return people[0], true
		}
	}
	s.fail(w, http.StatusNotFound, fmt.Sprintf("no person %q", r.PathValue("id")))
	return model.Supporter{}, false
}

// SplitName splits a full name at its first space into given and family
// names, as the tools that want them apart expect.
func SplitName(name string) (given, family string) {
	given, family, _ = strings.Cut(strings.TrimSpace(name), " ")
	return given, strings.TrimSpace(family)
}

// EmailStatus is a supporter's address as OSDI reports it: subscribed
// when they receive the newsletter (model.NewsletterYes: confirmed from
// their mailbox, not unsubscribed, and their latest answer a yes), so
// that a tool syncing its list never adds someone who did not ask.
func EmailStatus(sup model.Supporter, answers []model.Consent) string {
	if _, yes := model.NewsletterYes(sup, answers); yes {
		return "subscribed"
	}
	return "unsubscribed"
}

// consentReader reads a supporter's answers (store.Participations).
type consentReader interface {
	Consents(ctx context.Context, supporterID int64) ([]model.Consent, error)
}

func (s *Server) personBody(ctx context.Context, st consentReader, sup model.Supporter) (map[string]any, error) {
	answers, err := st.Consents(ctx, sup.ID)
	if err != nil {
		return nil, err
	}
	given, family := SplitName(sup.Name)
	self := fmt.Sprintf("/people/%d", sup.ID)
	postal := map[string]any{"primary": true, "country": sup.Country}
	if sup.PostalCode != "" {
		postal["postal_code"] = sup.PostalCode
	}
	return map[string]any{
		"identifiers":        identifiers(sup.ID),
		"origin_system":      "Vigil",
		"created_date":       osdiTime(sup.Created),
		"modified_date":      osdiTime(sup.Updated),
		"given_name":         given,
		"family_name":        family,
		"preferred_language": sup.Lang,
		"languages_spoken":   []string{sup.Lang},
		"email_addresses":    []map[string]any{{"primary": true, "address": sup.Email, "status": EmailStatus(sup, answers)}},
		"postal_addresses":   []map[string]any{postal},
		"_links": links{
			"self":            s.href("%s", self),
			"osdi:signatures": s.href("%s/signatures", self),
			"osdi:outreaches": s.href("%s/outreaches", self),
		},
	}, nil
}

// ---- signatures and outreaches

func (s *Server) participations(kind model.ActionKind) func(http.ResponseWriter, *http.Request, caller) {
	return func(w http.ResponseWriter, r *http.Request, c caller) {
		s.listParticipations(w, r, c, store.ParticipationFilter{Kind: kind})
	}
}

func (s *Server) participationsOfAction(kind model.ActionKind) func(http.ResponseWriter, *http.Request, caller) {
	return func(w http.ResponseWriter, r *http.Request, c caller) {
		if a, ok := s.findAction(w, r, kind); ok {
			s.listParticipations(w, r, c, store.ParticipationFilter{Kind: kind, ActionID: a.ID})
		}
	}
}

func (s *Server) participationsOfPerson(kind model.ActionKind) func(http.ResponseWriter, *http.Request, caller) {
	return func(w http.ResponseWriter, r *http.Request, c caller) {
		if sup, ok := s.findPerson(w, r); ok {
			s.listParticipations(w, r, c, store.ParticipationFilter{Kind: kind, SupporterID: sup.ID})
		}
	}
}

func (s *Server) listParticipations(w http.ResponseWriter, r *http.Request, c caller, f store.ParticipationFilter) {
	p, err := readPage(r, false)
	if err != nil {
		s.fail(w, http.StatusBadRequest, err.Error())
		return
	}
	f.ModifiedAfter, f.ModifiedBefore = p.filter.modifiedAfter, p.filter.modifiedBefore
	f.Offset, f.Limit = (p.number-1)*p.size, p.size
	list, total, err := s.store.ParticipationsPage(r.Context(), f)
	if err != nil {
		s.internal(w, err)
		return
	}
	col := collections[f.Kind]
	if err := s.audit(r, c, "api."+col.items+".read", "participation", 0, len(list)); err != nil {
		s.internal(w, err)
		return
	}
	targets, err := s.targetsOf(r, f.Kind)
	if err != nil {
		s.internal(w, err)
		return
	}
	var items []any
	for _, part := range list {
		items = append(items, s.participationBody(f.Kind, part, targets[part.ActionID]))
	}
	s.writeJSON(w, http.StatusOK, s.collectionBody(r, p, total, col.itemCollection, items))
}

// targetsOf maps each appeal to its targets (none for petitions).
func (s *Server) targetsOf(r *http.Request, kind model.ActionKind) (map[int64][]model.Target, error) {
	out := map[int64][]model.Target{}
	if kind != model.ActionAppeal {
		return out, nil
	}
	all, err := s.actionsOf(r, kind)
	if err != nil {
		return nil, err
	}
	for _, a := range all {
		out[a.ID] = a.Targets
	}
	return out, nil
}

func (s *Server) participation(kind model.ActionKind) func(http.ResponseWriter, *http.Request, caller) {
	return func(w http.ResponseWriter, r *http.Request, c caller) {
		a, ok := s.findAction(w, r, kind)
		if !ok {
			return
		}
		col := collections[kind]
		id, ok := pathID(r, "pid")
		var list []model.Participation
		if ok {
			var err error
			if list, _, err = s.store.ParticipationsPage(r.Context(), store.ParticipationFilter{ID: id, ActionID: a.ID, Limit: 1}); err != nil {
				s.internal(w, err)
				return
			}
		}
		if len(list) != 1 {
			s.fail(w, http.StatusNotFound, fmt.Sprintf("no %s %q", strings.TrimPrefix(col.itemRel, "osdi:"), r.PathValue("pid")))
			return
		}
		if err := s.audit(r, c, "api."+col.items+".read", "participation", id, 1); err != nil {
			s.internal(w, err)
			return
		}
		s.writeJSON(w, http.StatusOK, s.participationBody(kind, list[0], a.Targets))
	}
}

func (s *Server) participationBody(kind model.ActionKind, p model.Participation, targets []model.Target) map[string]any {
	col := collections[kind]
	action := fmt.Sprintf("/%s/%d", col.path, p.ActionID)
	modified := p.Confirmed
	if modified.IsZero() {
		modified = p.Created
	}
	body := map[string]any{
		"identifiers":     identifiers(p.ID),
		"origin_system":   "Vigil",
		"created_date":    osdiTime(p.Created),
		"modified_date":   osdiTime(modified),
		"vigil:confirmed": !p.Confirmed.IsZero(),
		"referrer_data":   referrerData(p),
		"_links": links{
			"self":        s.href("%s/%s/%d", action, col.items, p.ID),
			col.rel:       s.href("%s", action),
			"osdi:person": s.href("/people/%d", p.SupporterID),
		},
	}
	if kind == model.ActionAppeal {
		body["type"] = "email"
		body["subject"] = p.Subject
		body["message"] = p.Letter
		body["targets"] = targetsBody(targets)
	}
	if p.Comment != "" {
		body["comments"] = p.Comment
	}
	return body
}

// referrerData says where a participation came from, as Action Network
// reports it: the share code as source, the page or embedding site.
func referrerData(p model.Participation) map[string]any {
	out := map[string]any{}
	if p.ShareCode != "" {
		out["source"] = p.ShareCode
	}
	if strings.HasPrefix(p.Referrer, "https://") || strings.HasPrefix(p.Referrer, "http://") {
		out["website"] = p.Referrer
	} else if p.Referrer != "" {
		out["referrer"] = p.Referrer
	}
	return out
}

// ---- tags and taggings

func (s *Server) tags(w http.ResponseWriter, r *http.Request, _ caller) {
	p, err := readPage(r, false)
	if err != nil {
		s.fail(w, http.StatusBadRequest, err.Error())
		return
	}
	if !p.filter.modifiedAfter.IsZero() || !p.filter.modifiedBefore.IsZero() {
		s.fail(w, http.StatusBadRequest, "tags do not filter by modified_date")
		return
	}
	tags, err := s.store.Tags(r.Context())
	if err != nil {
		s.internal(w, err)
		return
	}
	var items []any
	for i := (p.number - 1) * p.size; i < len(tags) && i < p.number*p.size; i++ {
		items = append(items, s.tagBody(tags[i]))
	}
	s.writeJSON(w, http.StatusOK, s.collectionBody(r, p, len(tags), "osdi:tags", items))
}

func (s *Server) findTag(w http.ResponseWriter, r *http.Request) (model.Tag, bool) {
	if id, ok := pathID(r, "id"); ok {
		tags, err := s.store.Tags(r.Context())
		if err != nil {
			s.internal(w, err)
			return model.Tag{}, false
		}
		for _, t := range tags {
			if t.ID == id {
				return t, true
			}
		}
	}
	s.fail(w, http.StatusNotFound, fmt.Sprintf("no tag %q", r.PathValue("id")))
	return model.Tag{}, false
}

func (s *Server) tag(w http.ResponseWriter, r *http.Request, _ caller) {
	if t, ok := s.findTag(w, r); ok {
		s.writeJSON(w, http.StatusOK, s.tagBody(t))
	}
}

func (s *Server) tagBody(t model.Tag) map[string]any {
	return map[string]any{
		"identifiers":   identifiers(t.ID),
		"origin_system": "Vigil",
		"name":          t.Name,
		"_links": links{
			"self":          s.href("/tags/%d", t.ID),
			"osdi:taggings": s.href("/tags/%d/taggings", t.ID),
		},
	}
}

// taggings lists the petitions and advocacy campaigns carrying a tag.
func (s *Server) taggings(w http.ResponseWriter, r *http.Request, _ caller) {
	t, ok := s.findTag(w, r)
	if !ok {
		return
	}
	p, err := readPage(r, false)
	if err != nil {
		s.fail(w, http.StatusBadRequest, err.Error())
		return
	}
	all, err := s.published(r.Context())
	if err != nil {
		s.internal(w, err)
		return
	}
	var tagged []model.Action
	for _, a := range all {
		if slices.Contains(a.Tags, t.Name) {
			tagged = append(tagged, a)
		}
	}
	slices.SortFunc(tagged, func(a, b model.Action) int { return int(a.ID - b.ID) })
	var items []any
	for i := (p.number - 1) * p.size; i < len(tagged) && i < p.number*p.size; i++ {
		items = append(items, s.taggingBody(t, tagged[i]))
	}
	s.writeJSON(w, http.StatusOK, s.collectionBody(r, p, len(tagged), "osdi:taggings", items))
}

// tagging answers one tagging: the tag on one action.
func (s *Server) tagging(w http.ResponseWriter, r *http.Request, _ caller) {
	t, ok := s.findTag(w, r)
	if !ok {
		return
	}
	if id, ok := pathID(r, "aid"); ok {
		all, err := s.published(r.Context())
		if err != nil {
			s.internal(w, err)
			return
		}
		for _, a := range all {
			if a.ID == id && slices.Contains(a.Tags, t.Name) {
				s.writeJSON(w, http.StatusOK, s.taggingBody(t, a))
				return
			}
		}
	}
	s.fail(w, http.StatusNotFound, fmt.Sprintf("no tagging %q of tag %d", r.PathValue("aid"), t.ID))
}

func (s *Server) taggingBody(t model.Tag, a model.Action) map[string]any {
	col := collections[a.Kind]
	return map[string]any{
		"identifiers": []string{fmt.Sprintf("vigil:%d-%d", t.ID, a.ID)},
		"item_type":   col.rel,
		"_links": links{
			"self":     s.href("/tags/%d/taggings/%d", t.ID, a.ID),
			"osdi:tag": s.href("/tags/%d", t.ID),
			col.rel:    s.href("/%s/%d", col.path, a.ID),
		},
	}
}
