// Package notify writes the emails Vigil sends — confirmations, reminders,
// thanks, appeals to officials — in the supporter's language, and seals
// them into outbox rows. The store calls it inside the transaction of the
// event that causes each email, where it does no I/O. A participation's
// email is no call: the store writes it as an intent from what
// ParticipationEmail gives, and the outbox worker composes it when it
// sends it (Compose), reading the store.
package notify

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"vigil/internal/delivery"
	"vigil/internal/i18n"
	"vigil/internal/model"
	"vigil/internal/secret"
	"vigil/internal/store"
)

// Token purposes, bound into each link's signature.
const (
	PurposeConfirm     = "confirm"           // one participation
	PurposeSubscribe   = "subscribe-confirm" // a newsletter sign-up
	PurposeNotMe       = "not-me"
	PurposeUnsubscribe = "unsubscribe"
	PurposeStopGift    = "stop-gift" // a monthly gift, from its receipt
)

// How long links in emails work.
const (
	ConfirmLinkLife     = 30 * 24 * time.Hour
	NotMeLinkLife       = 90 * 24 * time.Hour
	UnsubscribeLinkLife = 5 * 365 * 24 * time.Hour
	StopGiftLinkLife    = 5 * 365 * 24 * time.Hour
)

// Composer writes emails.
type Composer struct {
	Keys    *secret.Keys
	Cat     *i18n.Catalogue
	BaseURL string // without trailing slash
	From    string // "Vigil <noreply@example.org>"
	Store   Reader // what Compose reads
}

// New is a composer with the catalogues loaded, for links under baseURL
// (without trailing slash) and mail from from, reading intents' supporters
// and actions from st when the outbox worker sends them.
func New(keys *secret.Keys, baseURL, from string, st Reader) (*Composer, error) {
	cat, err := i18n.Load()
	if err != nil {
		return nil, fmt.Errorf("notify: %w", err)
	}
	return &Composer{Keys: keys, Cat: cat, BaseURL: baseURL, From: from, Store: st}, nil
}

// domain is the host of the base URL, used in Message-IDs.
func (c *Composer) domain() string {
	u, err := url.Parse(c.BaseURL)
	if err != nil || u.Hostname() == "" {
		return "vigil.invalid"
	}
	return u.Hostname()
}

// lang is the language Vigil writes in for a reader of lang: lang when it
// has a catalogue, the default otherwise, as a Localizer falls back.
func (c *Composer) lang(lang string) string {
	if c.Cat.Has(lang) {
		return lang
	}
	return i18n.Default
}

// fallback is the paragraph, in the reader's language, that says a
// record (kind "action", "case" or "update") is not translated into it
// and names the language of its texts that follow, shown, both named in
// the reader's language as the pages' note names them; "" when the texts
// are in the reader's language.
func (c *Composer) fallback(loc *i18n.Localizer, kind, shown string) string {
	if shown == "" || shown == loc.Lang {
		return ""
	}
	return loc.T("email.fallback."+kind, "Language", loc.LanguageName(loc.Lang), "Original", loc.LanguageName(shown)) + "\n\n"
}

// inline is a record's text in language textLang set inside a sentence in
// the reader's language: wrapped in Unicode isolates (FSI … PDI) when the
// two are written in opposite directions, so an English title sits whole
// inside an Arabic sentence and the sentence's punctuation stays where it
// belongs. A plain-text email has no dir attribute; this is its
// equivalent.
func (c *Composer) inline(loc *i18n.Localizer, text, textLang string) string {
	if textLang == "" || c.Cat.Dir(textLang) == c.Cat.Dir(loc.Lang) {
		return text
	}
	return "\u2068" + text + "\u2069"
}

// link is an absolute URL in the supporter's language.
func (c *Composer) link(lang, path string) string { return c.BaseURL + "/" + lang + path }

// message seals m into an outbox row of the given kind.
func (c *Composer) message(kind string, m delivery.Message, now time.Time) (model.OutboxMessage, error) {
	return c.messageWithID(delivery.NewMessageID(c.domain()), kind, m, now)
}

func (c *Composer) messageWithID(id, kind string, m delivery.Message, now time.Time) (model.OutboxMessage, error) {
	sealed, err := delivery.Seal(c.Keys, id, m)
	if err != nil {
		return model.OutboxMessage{}, fmt.Errorf("notify: %s: %w", kind, err)
	}
	return model.OutboxMessage{MessageID: id, Kind: kind, State: model.MessageQueued, Sealed: sealed,
		NextAttemptAt: now, CreatedAt: now}, nil
}

// unsubscribe adds the one-click unsubscribe headers (RFC 8058) and the
// footer every email carries: a link to choose which emails to receive
// (each case's updates, the newsletter), and one to stop them all.
func (c *Composer) unsubscribe(m *delivery.Message, loc *i18n.Localizer, supporterID int64, now time.Time) {
	token := c.Keys.Token(PurposeUnsubscribe, supporterID, now.Add(UnsubscribeLinkLife))
	link := c.link(loc.Lang, "/unsubscribe/"+token)
	if m.Headers == nil {
		m.Headers = map[string]string{}
	}
	m.Headers["List-Unsubscribe"] = "<" + link + ">"
	m.Headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
	choose := c.link(loc.Lang, "/"+PurposePreferences+"/"+c.Keys.Token(PurposePreferences, supporterID, now.Add(UnsubscribeLinkLife)))
	m.Text += "\n\n-- \n" + loc.T("site.name") + "\n" + loc.T("email.footer.preferences") + "\n" + choose + "\n" +
		loc.T("email.footer.unsubscribe") + "\n" + link + "\n"
}

// Kinds of the emails a participation causes, written as intents (see
// model.OutboxMessage.Intent) and composed by Compose when sent; which one
// a participation causes is model.ParticipationEmail's rule.
const (
	KindConfirm     = model.EmailConfirm
	KindThanks      = model.EmailThanks
	KindThanksAgain = model.EmailThanksAgain
)

// ParticipationEmail is what the store needs to write the email a
// participation causes (store.EmailOf) in the supporter's language lang: a
// fresh Message-ID, and the language falling back to the default as a
// Localizer would when the catalogue lacks it. The email is an intent: the
// outbox worker composes it through Compose.
func (c *Composer) ParticipationEmail(lang string) store.ParticipationEmail {
	if !c.Cat.Has(lang) {
		lang = i18n.Default
	}
	return store.ParticipationEmail{MessageID: delivery.NewMessageID(c.domain()), Lang: lang}
}

// Reader is what composing an intent reads of the database; the adapters
// (store/sqlite, store/postgres) provide it, and cli hands one in (see New).
// Each method does what store.Participations documents for it.
type Reader interface {
	Supporter(ctx context.Context, id int64) (model.Supporter, error)
	ActionOfParticipation(ctx context.Context, participationID int64) (model.Action, error)
}

// Compose writes the email an intent stands for (a Composer is
// delivery.Worker's Composer), from what the database holds when it is
// sent: the supporter's address and name, the action. Its links count
// their life from when the intent was written, so composing it again for
// a retry gives the same email.
func (c *Composer) Compose(ctx context.Context, m model.OutboxMessage) (delivery.Message, error) {
	if c.Store == nil {
		return delivery.Message{}, errors.New("notify: compose: no store to read from")
	}
	if m.SupporterID == 0 || m.ParticipationID == 0 {
		return delivery.Message{}, fmt.Errorf("notify: %s: %w", m.Kind, delivery.ErrNothingToSend)
	}
	sup, err := c.Store.Supporter(ctx, m.SupporterID)
	if err == nil && (sup.Email == "" || !sup.Erased.IsZero()) {
		err = delivery.ErrNothingToSend
	}
	var a model.Action
	if err == nil {
		a, err = c.Store.ActionOfParticipation(ctx, m.ParticipationID)
	}
	if errors.Is(err, model.ErrNotFound) {
		err = delivery.ErrNothingToSend
	}
	if err != nil {
		return delivery.Message{}, fmt.Errorf("notify: %s %s: %w", m.Kind, m.MessageID, err)
	}
	loc := c.Cat.Localizer(c.lang(m.Lang))
	switch m.Kind {
	case KindConfirm:
		return c.confirmation(loc, sup, a, m.ParticipationID, m.CreatedAt, false), nil
	case KindThanks, KindThanksAgain:
		return c.thanks(loc, sup, a, m.ParticipationID, m.CreatedAt, m.Kind == KindThanksAgain), nil
	}
	return delivery.Message{}, fmt.Errorf("notify: %s: no email of this kind is composed when sent", m.Kind)
}

// greeting opens an email by the supporter's name once their address is
// confirmed; before that the name is whatever someone typed beside it, and
// a stranger's words must not reach the mailbox in our name.
func greeting(loc *i18n.Localizer, sup model.Supporter) string {
	if sup.Name == "" || sup.Confirmed.IsZero() {
		return loc.T("email.greeting.anonymous")
	}
	return loc.T("email.greeting", "Name", sup.Name)
}

// confirmation asks the supporter to confirm their address; reminder marks
// the second and last asking.
func (c *Composer) confirmation(loc *i18n.Localizer, sup model.Supporter, a model.Action, participationID int64, now time.Time, reminder bool) delivery.Message {
	a = a.In(loc.Lang)
	title := c.inline(loc, a.Title, a.Lang)
	// The link confirms this participation only.
	confirm := c.link(loc.Lang, "/confirm/"+c.Keys.Token(PurposeConfirm, participationID, now.Add(ConfirmLinkLife)))
	notMe := c.link(loc.Lang, "/not-me/"+c.Keys.Token(PurposeNotMe, participationID, now.Add(NotMeLinkLife)))
	var b strings.Builder
	b.WriteString(greeting(loc, sup) + "\n\n")
	b.WriteString(c.fallback(loc, "action", a.Lang))
	if reminder {
		b.WriteString(loc.T("email.reminder.intro", "Title", title) + "\n\n")
	} else {
		b.WriteString(loc.T("email.confirm.intro."+string(a.Kind), "Title", title) + "\n\n")
	}
	b.WriteString(loc.T("email.confirm.ask") + "\n" + confirm + "\n\n")
	if a.Kind == model.ActionAppeal {
		b.WriteString(loc.T("email.confirm.appeal") + "\n\n")
	}
	b.WriteString(loc.T("email.confirm.notme") + "\n" + notMe + "\n")
	subjectKey := "email.confirm.subject"
	if reminder {
		subjectKey = "email.reminder.subject"
	}
	m := delivery.Message{From: c.From, To: []string{sup.Email}, Subject: loc.T(subjectKey, "Title", title), Text: b.String()}
	c.unsubscribe(&m, loc, sup.ID, now)
	return m
}

// thanks answers a confirmed supporter's signature; a repeat is thanked
// again.
func (c *Composer) thanks(loc *i18n.Localizer, sup model.Supporter, a model.Action, participationID int64, now time.Time, again bool) delivery.Message {
	a = a.In(loc.Lang)
	title := c.inline(loc, a.Title, a.Lang)
	var b strings.Builder
	b.WriteString(greeting(loc, sup) + "\n\n")
	b.WriteString(c.fallback(loc, "action", a.Lang))
	if again {
		b.WriteString(loc.T("email.thanks.again", "Title", title) + "\n\n")
	} else {
		b.WriteString(loc.T("email.thanks."+string(a.Kind), "Title", title) + "\n\n")
	}
	b.WriteString(loc.T("email.thanks.share") + "\n" + c.link(loc.Lang, "/actions/"+a.Slug) + "\n\n")
	// Knowing someone's address is enough to sign in their name: they can
	// undo it.
	notMe := c.link(loc.Lang, "/not-me/"+c.Keys.Token(PurposeNotMe, participationID, now.Add(NotMeLinkLife)))
	b.WriteString(loc.T("email.confirm.notme") + "\n" + notMe + "\n")
	m := delivery.Message{From: c.From, To: []string{sup.Email}, Subject: loc.T("email.thanks.subject", "Title", title), Text: b.String()}
	c.unsubscribe(&m, loc, sup.ID, now)
	return m
}

// Reminder asks once more a supporter who has not confirmed.
func (c *Composer) Reminder(sup model.Supporter, a model.Action, participationID int64, now time.Time) (model.OutboxMessage, error) {
	loc := c.Cat.Localizer(c.lang(sup.Lang))
	out, err := c.message("reminder", c.confirmation(loc, sup, a, participationID, now, true), now)
	out.SupporterID, out.ParticipationID = sup.ID, participationID
	return out, err
}

// Appeal is one supporter's letter to one target: from the organisation,
// replies to the supporter. In test mode it goes to the action's test
// recipient instead. What Vigil writes around the letter is in the
// target's language when there is a catalogue for it; the letter is the
// supporter's as model.LetterTo says (the model letter in the target's
// language when they sent it unchanged).
func (c *Composer) Appeal(a model.Action, t model.Target, sup model.Supporter, p model.Participation, now time.Time) (model.OutboxMessage, error) {
	loc := c.Cat.Localizer(c.lang(t.Lang))
	letter, _ := model.LetterTo(a, t, p.Subject, p.Letter)
	var b strings.Builder
	b.WriteString(model.Addressed(t, a.Targets, letter.Text, loc.T("email.appeal.salutation", "Name", t.Name)) + "\n\n")
	b.WriteString(sup.Name + "\n")
	place := countryName(sup.Country, cmp.Or(t.Lang, loc.Lang))
	if sup.PostalCode != "" {
		place = sup.PostalCode + ", " + place
	}
	b.WriteString(place + "\n" + sup.Email + "\n")
	m := delivery.Message{From: c.From, ReplyTo: sup.Email, Subject: letter.Subject, Text: b.String()}
	c.address(&m, a, t)
	out, err := c.message("appeal", m, now)
	out.SupporterID, out.ParticipationID, out.TargetID = sup.ID, p.ID, t.ID
	return out, err
}

// Digest gathers the day's appeals of one action to one target, each
// letter as Appeal would send it alone (model.LetterTo), under the
// action's title in the target's language where it is translated.
func (c *Composer) Digest(a model.Action, t model.Target, letters []store.AppealLetter, now time.Time) (model.OutboxMessage, error) {
	loc := c.Cat.Localizer(c.lang(t.Lang))
	shown := a.In(loc.Lang)
	title := c.inline(loc, shown.Title, shown.Lang)
	var b strings.Builder
	b.WriteString(model.SalutationOf(t, loc.T("email.appeal.salutation", "Name", t.Name)) + "\n\n")
	b.WriteString(loc.N("email.digest.intro", len(letters), "Title", title) + "\n")
	for i, l := range letters {
		letter, _ := model.LetterTo(a, t, l.Participation.Subject, l.Participation.Letter)
		b.WriteString(fmt.Sprintf("\n%s %d/%d\n", strings.Repeat("—", 3), i+1, len(letters)))
		b.WriteString(loc.T("email.digest.subject") + " " + letter.Subject + "\n\n")
		b.WriteString(letter.Text + "\n\n")
		b.WriteString(l.Supporter.Name + " · " + countryName(l.Supporter.Country, cmp.Or(t.Lang, loc.Lang)) + "\n")
	}
	m := delivery.Message{From: c.From, Subject: loc.N("email.digest.title", len(letters), "Title", title), Text: b.String()}
	c.address(&m, a, t)
	out, err := c.message("digest", m, now)
	out.TargetID = t.ID
	return out, err
}

// address sets the recipients of an appeal: the target, or only the test
// recipient in test mode, with the action's copies.
func (c *Composer) address(m *delivery.Message, a model.Action, t model.Target) {
	if a.TestRecipient != "" {
		m.To = []string{a.TestRecipient}
		m.Subject = "[TEST → " + t.Name + "] " + m.Subject
		return
	}
	m.To = []string{t.Email}
	m.Cc = splitAddresses(a.CC)
	m.Bcc = splitAddresses(a.BCC)
}

func splitAddresses(s string) []string {
	var out []string
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// countryName names an ISO country code in lang.
func countryName(code, lang string) string {
	region, err := language.ParseRegion(code)
	if err != nil {
		return code
	}
	if name := display.Regions(language.Make(lang)).Name(region); name != "" {
		return name
	}
	return code
}

// Subscription returns the compose step of a newsletter sign-up: a link
// to confirm it, whoever the address belongs to. A confirmed supporter
// gets the same link (not a welcome), so a sign-up typed by someone else
// changes nothing and the answer tells nothing; the greeting is generic,
// since the name was typed by whoever filled in the form.
func (c *Composer) Subscription(sub store.Subscribe) store.ComposeSubscription {
	return func(res store.Subscribed) ([]model.OutboxMessage, error) {
		loc := c.Cat.Localizer(sub.Supporter.Lang)
		var b strings.Builder
		b.WriteString(loc.T("email.greeting.anonymous") + "\n\n")
		confirm := c.link(loc.Lang, "/"+PurposeSubscribe+"/"+c.Keys.Token(PurposeSubscribe, res.SupporterID, sub.Now.Add(ConfirmLinkLife)))
		b.WriteString(loc.T("email.subscribe.intro") + "\n\n" + loc.T("email.confirm.ask") + "\n" + confirm + "\n\n")
		b.WriteString(loc.T("email.subscribe.ignore") + "\n")
		subject, kind := loc.T("email.subscribe.subject"), "confirm"
		m := delivery.Message{From: c.From, To: []string{sub.Supporter.Email}, Subject: subject, Text: b.String()}
		c.unsubscribe(&m, loc, res.SupporterID, sub.Now)
		out, err := c.message(kind, m, sub.Now)
		out.SupporterID = res.SupporterID
		return []model.OutboxMessage{out}, err
	}
}

// Update tells a supporter who acted on a case what happened next, with
// the case's title and the update in the supporter's language where they
// are translated. Its Message-ID depends only on the update and the
// supporter, so queuing the update twice reaches nobody twice.
func (c *Composer) Update(cs model.Case, u model.Update, sup model.Supporter, now time.Time) (model.OutboxMessage, error) {
	loc := c.Cat.Localizer(c.lang(sup.Lang))
	// Only the title of the case is said: its other parts are not
	// translated for every supporter.
	head := model.Case{Lang: cs.Lang, Title: cs.Title, Translations: cs.Translations}.In(loc.Lang)
	if u.Lang == "" {
		u.Lang = cs.Lang
	}
	u = u.In(loc.Lang)
	var b strings.Builder
	b.WriteString(greeting(loc, sup) + "\n\n")
	// One note when the case and the update are in the same other
	// language; else a note above each text not in the reader's.
	if head.Lang != loc.Lang && head.Lang == u.Lang {
		b.WriteString(c.fallback(loc, "update", u.Lang))
	} else {
		b.WriteString(c.fallback(loc, "case", head.Lang))
	}
	b.WriteString(loc.T("email.update.intro", "Title", c.inline(loc, head.Title, head.Lang)) + "\n\n")
	if u.Lang != head.Lang {
		b.WriteString(c.fallback(loc, "update", u.Lang))
	}
	b.WriteString(u.Title + "\n\n")
	b.WriteString(strings.TrimSpace(u.Body) + "\n\n")
	if u.Final {
		b.WriteString(loc.T("email.update.final") + "\n\n")
	}
	b.WriteString(loc.T("email.update.more") + "\n" + c.link(loc.Lang, "/cases/"+cs.Slug) + "\n")
	m := delivery.Message{From: c.From, To: []string{sup.Email}, Subject: loc.T("email.update.subject", "Title", c.inline(loc, head.Title, head.Lang)), Text: b.String()}
	c.unsubscribe(&m, loc, sup.ID, now)
	id := fmt.Sprintf("update-%d-%d@%s", u.ID, sup.ID, c.domain())
	out, err := c.messageWithID(id, "update", m, now)
	out.SupporterID, out.UpdateID = sup.ID, u.ID
	return out, err
}

// DonationReceipt thanks a donor for one payment, in the language they
// gave in, with what accounting needs (amount, date, reference) and, for
// a monthly gift, the link that stops it. Its Message-ID depends only on
// the payment, so it is written once however often Stripe tells of it.
func (c *Composer) DonationReceipt(d model.Donation, now time.Time) (model.OutboxMessage, error) {
	loc := c.Cat.Localizer(c.lang(d.Lang))
	var b strings.Builder
	if d.Name != "" {
		b.WriteString(loc.T("email.greeting", "Name", d.Name) + "\n\n")
	} else {
		b.WriteString(loc.T("email.greeting.anonymous") + "\n\n")
	}
	amount := loc.Money(d.Amount, d.Currency)
	if d.Monthly {
		b.WriteString(loc.T("email.donation.monthly", "Amount", amount) + "\n\n")
	} else {
		b.WriteString(loc.T("email.donation.once", "Amount", amount) + "\n\n")
	}
	if d.CaseSlug != "" {
		b.WriteString(loc.T("email.donation.case") + "\n" + c.link(loc.Lang, "/cases/"+d.CaseSlug) + "\n\n")
	}
	b.WriteString(loc.T("email.donation.receipt") + "\n")
	b.WriteString(loc.T("email.donation.amount", "Amount", amount) + "\n")
	b.WriteString(loc.T("email.donation.date", "Date", loc.Date(d.Paid)) + "\n")
	b.WriteString(loc.T("email.donation.reference", "Reference", d.Ref) + "\n")
	if d.Monthly && d.GiftID != 0 {
		token := c.Keys.Token(PurposeStopGift, d.GiftID, now.Add(StopGiftLinkLife))
		b.WriteString("\n" + loc.T("email.donation.stop") + "\n" + c.link(loc.Lang, "/donate/stop/"+token) + "\n")
	}
	b.WriteString("\n-- \n" + loc.T("site.name") + "\n")
	m := delivery.Message{From: c.From, To: []string{d.Email}, Subject: loc.T("email.donation.subject"), Text: b.String()}
	id := fmt.Sprintf("donation-%d@%s", d.ID, c.domain())
	out, err := c.messageWithID(id, "donation", m, now)
	out.SupporterID = d.SupporterID
	return out, err
}

// Staff is a plain email to a staff member at to, written by the caller in
// the staff pages' language (a follow-up action drafted, for an editor).
func (c *Composer) Staff(to, subject, text string, now time.Time) (model.OutboxMessage, error) {
	return c.message("staff", delivery.Message{From: c.From, To: []string{to}, Subject: subject, Text: text}, now)
}
