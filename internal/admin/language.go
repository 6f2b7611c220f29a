package admin

import (
	"errors"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"vigil/internal/i18n"
	"vigil/internal/model"
	"vigil/internal/secret"
)

// The staff pages speak the language of the staff catalogues
// (internal/i18n/staff) that each account chose (model.StaffUser.Lang);
// before anyone is known, the sign-in pages follow Accept-Language among
// those catalogues. Templates call t and n, as the public site's do (th
// for a message whose text holds markup); Go code hands pages a msg, which
// the page translates.

// staffCatalogue is the staff catalogues, read once: they are embedded,
// the same for every Server.
var staffCatalogue = sync.OnceValues(i18n.LoadStaff)

// msg is a message for staff: a key of the staff catalogues and its
// arguments, name/value pairs as i18n.Localizer.T takes them (a value may
// be a msg itself, said in the same language). Go code names what to say;
// the page it reaches says it in its reader's language.
type msg struct {
	Key  string
	Args []any
}

// say makes a message.
func say(key string, args ...any) msg { return msg{Key: key, Args: args} }

// String is the message in English, for a template that prints it as it
// is and for logs.
func (m msg) String() string { return m.in(english()) }

// in is the message in l's language.
func (m msg) in(l *i18n.Localizer) string {
	if l == nil {
		return m.Key
	}
	if slices.ContainsFunc(m.Args, func(a any) bool { _, ok := a.(msg); return ok }) {
		args := slices.Clone(m.Args)
		for i, a := range args {
			if inner, ok := a.(msg); ok {
				args[i] = inner.in(l)
			}
		}
		m.Args = args
	}
	if len(m.Args) >= 2 && m.Args[0] == "Count" {
		if n, ok := m.Args[1].(int); ok {
			return l.N(m.Key, n, m.Args[2:]...)
		}
	}
	// A key no catalogue has comes back as it is: words not yet moved
	// to the catalogues still read well.
	return l.T(m.Key, m.Args...)
}

// english is the English localizer; nil if the catalogues cannot be read
// (New refuses to start then).
func english() *i18n.Localizer {
	cat, err := staffCatalogue()
	if err != nil {
		return nil
	}
	return cat.Localizer(i18n.Default)
}

// looksLikeKey tells a catalogue key ("flash.saved") from words written
// straight into the code.
func looksLikeKey(s string) bool {
	return s != "" && !strings.ContainsAny(s, " \n") && strings.Contains(s, ".") && strings.ToLower(s) == s
}

// text is what a page shows of v in l's language: a msg translated; a
// string that is a catalogue key translated; any other string as it is.
func text(l *i18n.Localizer, v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case msg:
		return v.in(l)
	case *msg:
		if v == nil {
			return ""
		}
		return v.in(l)
	case string:
		if looksLikeKey(v) {
			return l.T(v)
		}
		return v
	case error:
		return errorText(l, v)
	}
	return fmt.Sprint(v)
}

// passwordRefusals say why a password was refused, by secret's sentinel.
var passwordRefusals = []struct {
	err error
	key string
}{
	{secret.ErrPasswordTooShort, "form.password.too-short"},
	{secret.ErrPasswordTooLong, "form.password.too-long"},
	{secret.ErrPasswordEncoding, "form.password.encoding"},
	{secret.ErrPasswordRepeated, "form.password.repeated"},
}

// errorText says an error meant for staff (a password refused) in l's
// language.
func errorText(l *i18n.Localizer, err error) string {
	for _, p := range passwordRefusals {
		if errors.Is(err, p.err) {
			return l.T(p.key, "Min", secret.MinPasswordLength)
		}
	}
	return err.Error()
}

// passwordRefusal is why secret.CheckPasswordPolicy refused a password, as
// a message.
func passwordRefusal(err error) msg {
	for _, p := range passwordRefusals {
		if errors.Is(err, p.err) {
			return say(p.key, "Min", secret.MinPasswordLength)
		}
	}
	return say("form.password.refused")
}

// languageOf is the language of the staff pages for a request: the
// signed-in account's, else the browser's best among the catalogues. A
// page answered outside the staff guard (a path that is no route, the
// sign-in page) looks the session up itself, so that a staff member who
// mistypes an address is still answered in their language.
func (s *Server) languageOf(r *http.Request) string {
	user := sessionOf(r).User
	if user.ID == 0 {
		if sess, err := s.session(r); err == nil {
			user = sess.User
		}
	}
	if user.Lang != "" && s.staff.Has(user.Lang) {
		return user.Lang
	}
	return s.staff.Match(r.Header.Get("Accept-Language"))
}

// localizer speaks the language of the staff pages for a request.
func (s *Server) localizer(r *http.Request) *i18n.Localizer {
	return s.staff.Localizer(s.languageOf(r))
}

// languageFuncs are funcs with the text functions bound to l's language:
// t and n as on the public site, msg for what Go code hands a page, lang
// and dir for the html element.
func languageFuncs(cat *i18n.Catalogue, l *i18n.Localizer) template.FuncMap {
	fm := maps.Clone(funcs)
	fm["t"] = l.T
	fm["n"] = l.N
	fm["th"] = func(key string, args ...any) template.HTML { return markup(l, key, args...) }
	fm["msg"] = func(v any) string { return text(l, v) }
	fm["lang"] = func() string { return l.Lang }
	fm["dir"] = func() string { return cat.Dir(l.Lang) }
	fm["langName"] = cat.Name
	fm["languageName"] = l.LanguageName
	fm["people"] = func(n int) string { return l.N("label.people", n) }
	fm["when"] = func(t time.Time) string { return when(l, t) }
	fm["stateLabel"] = func(st model.TranslationState) string { return l.T(stateLabel(st)) }
	fm["stateLink"] = func(st model.TranslationState, canWrite bool) string { return l.T(stateLink(st, canWrite)) }
	return fm
}

// markup is a message whose catalogue text holds markup (<strong>, <code>):
// the text is ours and trusted; the arguments are escaped.
func markup(l *i18n.Localizer, key string, args ...any) template.HTML {
	escaped := make([]any, len(args))
	for i, a := range args {
		if s, ok := a.(string); ok && i%2 == 1 {
			a = template.HTMLEscapeString(s)
		}
		escaped[i] = a
	}
	return template.HTML(l.T(key, escaped...))
}

// when is an instant for staff, in UTC, with the month in l's language
// ("16 Mar 2025 14:05 UTC", "16 mar 2025 14:05 UTC").
func when(l *i18n.Localizer, t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	t = t.UTC()
	return l.T("label.when", "Day", t.Day(), "Month", l.T(fmt.Sprintf("label.month.%d", int(t.Month()))), "Year", t.Year(),
		"Time", t.Format("15:04"))
}

// encodeNote writes a flash note for a URL: its key, then a line per
// argument (name=value).
func encodeNote(note any) string {
	m, ok := note.(msg)
	if !ok {
		return fmt.Sprint(note)
	}
	var b strings.Builder
	b.WriteString(m.Key)
	for i := 0; i+1 < len(m.Args); i += 2 {
		fmt.Fprintf(&b, "\n%v=%v", m.Args[i], m.Args[i+1])
	}
	return b.String()
}

// decodeNote reads what encodeNote wrote; numbers come back as numbers, so
// a note can choose its plural.
func decodeNote(note string) any {
	key, rest, found := strings.Cut(note, "\n")
	if !looksLikeKey(key) {
		return note
	}
	m := msg{Key: key}
	for found {
		var line string
		line, rest, found = strings.Cut(rest, "\n")
		name, value, _ := strings.Cut(line, "=")
		if n, err := strconv.Atoi(value); err == nil {
			m.Args = append(m.Args, name, n)
		} else {
			m.Args = append(m.Args, name, value)
		}
	}
	return m
}
