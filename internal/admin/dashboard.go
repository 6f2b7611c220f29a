package admin

import (
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"vigil/internal/i18n"
	"vigil/internal/model"
	"vigil/internal/store"
)

// chartDays is how far back the participation charts go.
const chartDays = 30

type dashboardData struct {
	// Drafts are follow-up actions drafted by verified urgent events,
	// waiting for an editor.
	Drafts     []model.Action
	Actions    []actionSummary
	Outbox     map[string]int
	Latest     []store.RecentParticipation
	ShowPeople bool

	// Why queued mail waits (an SMTP server refusing, misconfigured):
	// shown so that staff see it, not only the logs.
	DeliveryError store.DeliveryError
}

type actionSummary struct {
	Action model.Action
	Chart  template.HTML
	Today  int
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	now := s.now()
	l := s.localizer(r)
	actions, err := s.store.OpenActions(ctx, now, 0)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := dashboardData{ShowPeople: allowed(sessionOf(r).User.Role, permPeopleSeen)}
	to := now.UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)
	from := to.AddDate(0, 0, -chartDays)
	for _, a := range actions {
		days, err := s.store.ParticipationsPerDay(ctx, a.ID, from, to)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		sum := actionSummary{Action: a, Chart: barChart(l, a.Title, days, from, chartDays)}
		if n := len(days); n > 0 && days[n-1].Day.Equal(to.AddDate(0, 0, -1)) {
			sum.Today = days[n-1].Count
		}
		d.Actions = append(d.Actions, sum)
	}
	if d.Drafts, err = s.store.FollowUpDrafts(ctx); err != nil {
		s.serverError(w, r, err)
		return
	}
	counts, err := s.store.OutboxCounts(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.Outbox = map[string]int{}
	for state, n := range counts {
		d.Outbox[string(state)] = n
	}
	if d.DeliveryError, err = s.store.LastDeliveryError(ctx); err != nil {
		s.serverError(w, r, err)
		return
	}
	if d.Latest, err = s.store.LatestParticipations(ctx, 20); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "dashboard", "title.dashboard", d)
}

// barChart draws participations per day as an inline SVG: no script, no
// request, readable by screen readers through its title and a table-like
// description, in l's language.
func barChart(l *i18n.Localizer, title string, days []store.DayCount, from time.Time, n int) template.HTML {
	counts := make([]int, n)
	peak := 0
	for _, d := range days {
		i := int(d.Day.Sub(from).Hours() / 24)
		if i >= 0 && i < n {
			counts[i] = d.Count
			peak = max(peak, d.Count)
		}
	}
	total := 0
	for _, c := range counts {
		total += c
	}
	label := l.N("label.chart", total, "Title", title, "Days", n, "Peak", peak)
	return bars(l, label, days, from, n)
}

// bars draws n days of counts from from as an inline SVG described by
// label: no script, no request, no style attribute.
func bars(l *i18n.Localizer, label string, days []store.DayCount, from time.Time, n int) template.HTML {
	counts := make([]int, n)
	peak := 0
	for _, d := range days {
		i := int(d.Day.Sub(from).Hours() / 24)
		if i >= 0 && i < n {
			counts[i] = d.Count
			peak = max(peak, d.Count)
		}
	}
	const width, height, gap = 300, 60, 2
	barW := float64(width)/float64(n) - gap
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s"><title>%s</title>`,
		width, height+12, width, height+12, template.HTMLEscapeString(label), template.HTMLEscapeString(label))
	for i, c := range counts {
		h := 0.0
		if peak > 0 {
			h = float64(c) / float64(peak) * height
		}
		day := shortDate(l, from.AddDate(0, 0, i))
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s: %d</title></rect>`,
			float64(i)*(barW+gap), float64(height)-h, barW, h, day, c)
	}
	fmt.Fprintf(&b, `<line x1="0" y1="%d" x2="%d" y2="%d"></line>`, height, width, height)
	fmt.Fprintf(&b, `<text x="0" y="%d">%s</text><text x="%d" y="%d" text-anchor="end">%s</text></svg>`,
		height+11, template.HTMLEscapeString(shortDate(l, from)), width, height+11, template.HTMLEscapeString(l.T("label.today")))
	return template.HTML(b.String())
}

// shortDate is a day and month in l's language ("16 Mar", "16 mar").
func shortDate(l *i18n.Localizer, t time.Time) string {
	return l.T("label.day-month", "Day", t.Day(), "Month", l.T(fmt.Sprintf("label.month.%d", int(t.Month()))))
}
