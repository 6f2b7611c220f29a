package model

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// Donation is one payment recorded from Stripe's signed webhook: a one-off
// gift, or one month of a monthly gift. Amount is in minor units (cents)
// of Currency, a lower-case ISO 4217 code.
type Donation struct {
	ID             int64
	Ref            string // unique: the Checkout Session (one-off) or the invoice (monthly)
	SessionID      string
	SubscriptionID string // "" for a one-off gift
	CustomerID     string
	Amount         int64
	Currency       string
	Monthly        bool
	CaseSlug       string // the case the gift is dedicated to; "" for none
	Lang           string // the donor's language on /donate
	Name, Email    string // sealed at rest; "" once erased
	SupporterID    int64  // the supporter with the same address; 0 for none
	GiftID         int64  // the monthly gift it belongs to; 0 for a one-off gift
	Paid           time.Time
	Erased         time.Time
}

// MonthlyGift is a monthly donation: a Stripe subscription, running until
// Ended.
type MonthlyGift struct {
	ID             int64
	SubscriptionID string
	CustomerID     string
	Amount         int64
	Currency       string
	CaseSlug       string
	Lang           string
	Name, Email    string
	SupporterID    int64
	Started        time.Time
	Ended          time.Time // zero while it runs
	Erased         time.Time
}

// Active reports whether the gift still runs.
func (g MonthlyGift) Active() bool { return g.Ended.IsZero() }

// Currencies Vigil takes gifts in, lower case as Stripe writes them; each
// has two decimals.
var Currencies = []string{"eur", "usd", "gbp"}

// SuggestedAmounts are the amounts /donate offers, in minor units, per
// currency.
var SuggestedAmounts = map[string][]int64{
	"eur": {1000, 2500, 5000},
	"usd": {1000, 2500, 5000},
	"gbp": {1000, 2500, 5000},
}

// Bounds of a gift, in minor units of any of Currencies: at least 1, at
// most 10,000 (a larger gift is a conversation, not a form; Stripe's own
// minimum is about 0.50).
const (
	MinDonation int64 = 100
	MaxDonation int64 = 1_000_000
)

// Reasons a typed amount or currency is refused; the web page says each
// in the reader's language.
var (
	ErrAmountMissing  = errors.New("no amount")
	ErrAmountFormat   = errors.New("amount is not a number of the form 12 or 12.50")
	ErrAmountTooSmall = errors.New("amount below the minimum")
	ErrAmountTooLarge = errors.New("amount above the maximum")
	ErrCurrency       = errors.New("currency not offered")
)

// ValidCurrency reports whether c (any case) is one of Currencies.
func ValidCurrency(c string) bool {
	c = strings.ToLower(c)
	for _, known := range Currencies {
		if c == known {
			return true
		}
	}
	return false
}

// ParseAmount reads a typed amount in major units into minor units:
// digits, optionally a point or a comma and one or two decimals ("12",
// "12.5", "12,50"). A thousands separator ("1,000", "1.000.000"), a sign,
// an exponent or anything else is ErrAmountFormat; the result must lie in
// [MinDonation, MaxDonation].
func ParseAmount(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, ErrAmountMissing
	}
	whole, frac := s, ""
	if i := strings.IndexAny(s, ".,"); i >= 0 {
		whole, frac = s[:i], s[i+1:]
		if len(frac) == 0 || len(frac) > 2 {
			return 0, ErrAmountFormat
		}
	}
	if whole == "" || !digits(whole) || !digits(frac) {
		return 0, ErrAmountFormat
	}
	if len(whole) > 9 {
		return 0, ErrAmountTooLarge
	}
	units, _ := strconv.ParseInt(whole, 10, 64)
	cents := int64(0)
	if frac != "" {
		cents, _ = strconv.ParseInt(frac, 10, 64)
		if len(frac) == 1 {
			cents *= 10
		}
	}
	amount := units*100 + cents
	switch {
	case amount < MinDonation:
		return 0, ErrAmountTooSmall
	case amount > MaxDonation:
		return 0, ErrAmountTooLarge
	}
	return amount, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// FormatAmount writes minor units as major units with two decimals and
// the currency's code: "12.50 EUR". Pages and emails that need a symbol
// use the i18n formatting instead.
func FormatAmount(amount int64, currency string) string {
	return MajorUnits(amount) + " " + strings.ToUpper(currency)
}

// MajorUnits writes minor units as major units: 1250 is "12.50", 1000
// "10.00".
func MajorUnits(amount int64) string {
	sign := ""
	if amount < 0 {
		sign, amount = "-", -amount
	}
	cents := strconv.FormatInt(amount%100, 10)
	if len(cents) == 1 {
		cents = "0" + cents
	}
	return sign + strconv.FormatInt(amount/100, 10) + "." + cents
}
