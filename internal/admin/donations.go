package admin

import (
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"

	"vigil/internal/i18n"
	"vigil/internal/model"
	"vigil/internal/store"
)

// donationDays is how far back the donations screen sums.
const donationDays = 30

// donationsData is the donations screen: per currency, the sums of the
// period and a chart of each day; the days; the latest gifts.
type donationsData struct {
	Currencies []currencyTotals
	Days       []store.DonationTotal // newest first
	Recent     []donationLine
	From, To   time.Time
}

type currencyTotals struct {
	Currency          string
	OneOff, Monthly   string // sums, "12.50 EUR"
	OneOffN, MonthlyN int
	Chart             template.HTML
}

type donationLine struct {
	model.Donation
	Amount string
}

func donationLines(ds []model.Donation) []donationLine {
	out := make([]donationLine, len(ds))
	for i, d := range ds {
		out[i] = donationLine{Donation: d, Amount: model.FormatAmount(d.Amount, d.Currency)}
	}
	return out
}

// donationsPage shows totals per day and currency, one-off and monthly,
// a chart without script, and the latest gifts, whose donors' names and
// addresses make it a read of personal data: audited.
func (s *Server) donationsPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	l := s.localizer(r)
	to := s.now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)
	from := to.AddDate(0, 0, -donationDays)
	totals, err := s.store.DonationTotals(ctx, from, to)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := donationsData{From: from, To: to.AddDate(0, 0, -1)}
	byCurrency := map[string]*currencyTotals{}
	perDay := map[string]map[string]int64{} // currency -> day -> amount
	var oneOff, monthly = map[string]int64{}, map[string]int64{}
	for _, t := range totals {
		ct := byCurrency[t.Currency]
		if ct == nil {
			ct = &currencyTotals{Currency: strings.ToUpper(t.Currency)}
			byCurrency[t.Currency] = ct
			perDay[t.Currency] = map[string]int64{}
		}
		if t.Monthly {
			monthly[t.Currency] += t.Amount
			ct.MonthlyN += t.Count
		} else {
			oneOff[t.Currency] += t.Amount
			ct.OneOffN += t.Count
		}
		perDay[t.Currency][t.Day] += t.Amount
	}
	for c, ct := range byCurrency {
		ct.OneOff, ct.Monthly = model.FormatAmount(oneOff[c], c), model.FormatAmount(monthly[c], c)
		ct.Chart = donationChart(l, ct.Currency, perDay[c], from, donationDays)
		d.Currencies = append(d.Currencies, *ct)
	}
	slices.SortFunc(d.Currencies, func(a, b currencyTotals) int { return strings.Compare(a.Currency, b.Currency) })
	d.Days = totals
	slices.Reverse(d.Days)
	for i := range d.Days {
		d.Days[i].Currency = strings.ToUpper(d.Days[i].Currency)
	}
	recent, err := s.store.RecentDonations(ctx, 50)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.Recent = donationLines(recent)
	u := sessionOf(r).User
	if err := s.store.RecordAudit(ctx, model.AuditEntry{At: s.now(), UserID: u.ID, UserEmail: u.Email, IPHash: s.ipHash(r),
		Action: "donations.read", ObjectType: "donations", After: fmt.Sprintf(`{"rows":%d}`, len(recent))}); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "donations", "title.donations", d)
}

// donationChart draws one currency's daily totals, in whole units, as
// the dashboard draws participations: an SVG with a text alternative.
func donationChart(l *i18n.Localizer, currency string, perDay map[string]int64, from time.Time, n int) template.HTML {
	var days []store.DayCount
	var total int64
	peak := int64(0)
	for i := range n {
		day := from.AddDate(0, 0, i)
		if a := perDay[day.Format("2006-01-02")]; a > 0 {
			days = append(days, store.DayCount{Day: day, Count: int(a / 100)})
			total += a
			peak = max(peak, a)
		}
	}
	label := l.T("donations.chart", "Currency", currency, "Days", n, "Total", model.MajorUnits(total), "Peak", model.MajorUnits(peak))
	return bars(l, label, days, from, n)
}

var donationColumns = []string{"date", "amount", "currency", "kind", "case", "language", "name", "email", "supporter_id",
	"reference", "checkout_session", "subscription", "customer", "erased"}

// exportDonations streams every gift as CSV, audited as every export of
// personal data is.
func (s *Server) exportDonations(w http.ResponseWriter, r *http.Request) {
	d := s.startCSV(w, fmt.Sprintf("donations-%s.csv", s.now().UTC().Format("2006-01-02")), donationColumns)
	err := s.store.ExportDonations(r.Context(), func(g model.Donation) error {
		kind := "one-off"
		if g.Monthly {
			kind = "monthly"
		}
		supporter := ""
		if g.SupporterID != 0 {
			supporter = fmt.Sprint(g.SupporterID)
		}
		erased := ""
		if !g.Erased.IsZero() {
			erased = g.Erased.UTC().Format(time.RFC3339)
		}
		return d.write([]string{g.Paid.UTC().Format(time.RFC3339), model.MajorUnits(g.Amount), strings.ToUpper(g.Currency), kind,
			cell(g.CaseSlug), g.Lang, cell(g.Name), cell(g.Email), supporter, cell(g.Ref), cell(g.SessionID), cell(g.SubscriptionID),
			cell(g.CustomerID), erased})
	})
	d.end()
	s.auditExport(r, "export.donations", "donations", 0, d.rows, err)
}
