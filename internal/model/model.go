// Package model holds Vigil's domain types and the sentinel errors shared by
// every layer. It does no I/O.
package model

import (
	"errors"
	"time"
)

// Sentinel errors. Adapters map driver errors onto these; handlers choose what
// the user sees from them.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
	ErrClosed   = errors.New("closed")
	// ErrStale is a save over a record someone changed since it was read:
	// its version moved on.
	ErrStale = errors.New("changed since it was read")
)

// CaseStatus says whether a case asks for action now.
type CaseStatus string

// Case statuses.
const (
	CaseActive     CaseStatus = "active"     // at least one action is open
	CaseMonitoring CaseStatus = "monitoring" // no action open, still watched
	CaseClosed     CaseStatus = "closed"
)

// ActionKind is what a supporter does.
type ActionKind string

// Action kinds.
const (
	ActionPetition ActionKind = "petition" // sign
	ActionAppeal   ActionKind = "appeal"   // a letter to named targets
)

// DeliveryMode says how appeals reach their targets.
type DeliveryMode string

// Delivery modes.
const (
	DeliverEach   DeliveryMode = "each"   // one email per appeal
	DeliverDigest DeliveryMode = "digest" // one email per target per day
)

// Image is a picture with its alt text. Its bytes live in variants of
// different widths so pages can offer a srcset.
type Image struct {
	ID      int64
	Alt     string
	Credit  string
	Width   int // of the largest variant
	Height  int
	Widths  []int  // available variant widths, ascending
	Hash    string // content hash of the upload, so one picture is stored once; never public
	Format  string // file extension of the variants: "png", "jpg", "svg"
	Created time.Time
	// PublicID names the image in every variant URL: random, so that
	// nobody holding the original file can work out where it would be.
	PublicID string

	Translations Translations // the description in other languages
}

// ImageVariant is one stored rendition of an image.
type ImageVariant struct {
	ImageID     int64
	Width       int
	ContentType string
	Data        []byte
}

// Case is a story of people at risk and what happened to them.
type Case struct {
	ID          int64
	Slug        string
	Lang        string // language the content is written in
	Title       string
	Summary     string
	Body        string // Markdown
	Countries   []string
	Tags        []string
	Image       *Image
	PeopleCount int
	Status      CaseStatus
	Reference   string // e.g. "UA 28/25"
	// FiguresIntro introduces what is known of the case's individuals in
	// figures ("What we know of the 252 men"): the group noun, translated
	// with the case's texts.
	FiguresIntro string
	// Figures is the published snapshot of those figures (see
	// PublicFigures), stored with the case so that its page reads no
	// record; changed only by publishing figures.
	Figures   CaseFigures
	Published time.Time
	Updated   time.Time
	Version   int // raised by every save; an edit of an older version is a conflict

	Timeline []TimelineEvent // oldest first
	Demands  []Demand        // in order
	Updates  []Update        // newest first
	Actions  []Action

	Translations Translations // the texts of Texts in other languages
}

// TimelineEvent is a dated, placed fact in a case.
type TimelineEvent struct {
	ID          int64
	CaseID      int64
	Date        time.Time
	Place       string
	Title       string
	Body        string
	PeopleCount int
}

// Demand is one of a case's ordered asks.
type Demand struct {
	ID       int64
	CaseID   int64
	Position int
	Text     string
}

// Update is a numbered, dated post on a case.
type Update struct {
	ID        int64
	CaseID    int64
	Number    int // 0 is the opening of the case
	Title     string
	Body      string // Markdown
	Final     bool   // no further action is requested
	Published time.Time

	// What publishing the update does to its case.
	CloseActions bool       // closes every open action of the case
	Status       CaseStatus // the case's status from now on; empty: unchanged

	Hidden time.Time // unpublished then: off the case page and its feed

	Lang         string       // the case's language, set when read with it
	Translations Translations // the texts of Texts in other languages
}

// Action is what a supporter can do now.
type Action struct {
	ID          int64
	Slug        string
	CaseID      int64 // 0 when the action stands alone
	CaseSlug    string
	Lang        string
	Kind        ActionKind
	Title       string
	Summary     string
	Body        string // Markdown: why this action matters
	Image       *Image
	Goal        int
	Count       int
	Deadline    time.Time // zero: no deadline
	Closed      bool
	ClosingText string // shown in place of the form once closed
	Delivery    DeliveryMode
	Subject     string // appeals: model letter subject
	Letter      string // appeals: model letter; each target's copy opens with its own salutation (see Addressed)
	// Letters are the model letter in other languages, by language code.
	Letters   map[string]Letter
	Targets   []Target
	Tags      []string
	Consents  []ConsentRequest
	Published time.Time
	Version   int // raised by every save; an edit of an older version is a conflict

	Translations Translations // the texts of Texts in other languages

	// Appeal delivery.
	SendFromHour  int    // first hour (0–23) of the sending window, in TimeZone
	SendToHour    int    // the window ends at the start of this hour (1–24)
	TimeZone      string // IANA name of the targets' time zone
	DailyCap      int    // appeals per target per day; 0 means no cap
	CC, BCC       string // comma-separated addresses copied on every appeal
	TestRecipient string // when set, appeals go here instead of to targets
}

// Letter is a model letter in one language.
type Letter struct {
	Subject, Text string
}

// LetterIn is the model letter to offer a supporter reading in lang: its
// translation when there is one, the action's own otherwise. Letters never
// holds the action's own language (the admin leaves it out), so this holds
// for an action already shown in lang (In) as well.
func (a Action) LetterIn(lang string) Letter {
	if l, ok := a.Letters[lang]; ok {
		return l
	}
	return Letter{Subject: a.Subject, Text: a.Letter}
}

// IsOpen reports whether the action accepts participations at now.
func (a Action) IsOpen(now time.Time) bool {
	return !a.Closed && (a.Deadline.IsZero() || now.Before(a.Deadline))
}

// Percent is the share of the goal reached, from 0 to 100.
func (a Action) Percent() int {
	if a.Goal <= 0 {
		return 0
	}
	p := a.Count * 100 / a.Goal
	return min(p, 100)
}

// Target is an official an appeal goes to.
type Target struct {
	ID           int64
	Name         string
	Title        string
	Organisation string
	Address      string
	Email        string
	Salutation   string
	Lang         string
	Version      int // raised by every save; an edit of an older version is a conflict
}

// NewsArticle is a dated post with tags and related cases.
type NewsArticle struct {
	ID        int64
	Slug      string
	Lang      string
	Title     string
	Summary   string
	Body      string // Markdown
	Image     *Image
	Tags      []string
	CaseIDs   []int64
	Published time.Time
	Version   int // raised by every save; an edit of an older version is a conflict

	Translations Translations // the texts of Texts in other languages
}

// ConsentRequest is a checkbox an action shows: the exact text is stored
// with each answer.
type ConsentRequest struct {
	Key      string // "updates", "newsletter", …
	Text     string
	Required bool
}

// Supporter is one person, keyed by normalised email. Name, Email and
// PostalCode are sealed at rest by the store.
type Supporter struct {
	ID           int64
	Email        string // normalised
	Name         string
	Country      string // ISO 3166-1 alpha-2
	PostalCode   string
	Lang         string
	Created      time.Time
	Confirmed    time.Time // zero until double opt-in
	Unsubscribed time.Time // zero unless unsubscribed
	Erased       time.Time // zero unless erased at their request
	Updated      time.Time // when what the API shows of them last changed
}

// Consent is one answer to a consent request.
type Consent struct {
	Key    string
	Text   string // exactly as shown
	Given  bool
	Source string // where it was given: a page path
	At     time.Time
}

// Participation is a supporter acting on an action: a signature or an
// appeal sent.
type Participation struct {
	ID          int64
	SupporterID int64
	ActionID    int64
	Created     time.Time
	Confirmed   time.Time
	Subject     string // appeals: the supporter's subject
	Letter      string // appeals: the supporter's letter
	Comment     string
	Referrer    string
	ShareCode   string
	IPHash      []byte
	AgentClass  string // "mobile", "desktop", "bot", "other"
	FillMillis  int    // time between page render and submit
}
