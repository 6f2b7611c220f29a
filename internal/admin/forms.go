package admin

import (
	"cmp"
	"errors"
	"fmt"
	"html/template"
	"io"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"vigil/internal/model"
	"vigil/internal/upload"
)

// form is a submitted (or prefilled) form: its values, kept as typed so a
// form that fails validation comes back with all its input, and a message
// per field, which the page says in its reader's language.
type form struct {
	values url.Values
	errors map[string]*msg
}

func newForm(values url.Values) *form {
	if values == nil {
		values = url.Values{}
	}
	return &form{values: values, errors: map[string]*msg{}}
}

// Value is a field's value as typed.
func (f *form) Value(name string) string { return f.values.Get(name) }

// Values are every value of a repeated field.
func (f *form) Values(name string) []string { return f.values[name] }

// Has reports whether a checkbox or option was chosen.
func (f *form) Has(name, value string) bool {
	for _, v := range f.values[name] {
		if v == value {
			return true
		}
	}
	return false
}

// Problem is a field's message; nil when it is fine. Templates say it in
// their language with msg.
func (f *form) Problem(name string) *msg { return f.errors[name] }

// Error is a field's message in English; "" when it is fine.
func (f *form) Error(name string) string {
	if m := f.errors[name]; m != nil {
		return m.String()
	}
	return ""
}

// Invalid gives the attributes that tie an input to its message.
func (f *form) Invalid(name string) template.HTMLAttr {
	if f.errors[name] == nil {
		return ""
	}
	return template.HTMLAttr(fmt.Sprintf(`aria-invalid="true" aria-describedby="%s-error"`, template.HTMLEscapeString(name)))
}

// OK reports whether no field failed.
func (f *form) OK() bool { return len(f.errors) == 0 }

// Errors counts the fields that failed, for the summary at the top.
func (f *form) Errors() int { return len(f.errors) }

// fail gives a field its message, a key of the staff catalogues and its
// arguments, unless it has one already.
func (f *form) fail(name, key string, args ...any) {
	if f.errors[name] == nil {
		f.errors[name] = &msg{Key: key, Args: args}
	}
}

// text reads a trimmed field of at most max characters; required ones
// must not be empty.
func (f *form) text(name string, max int, required bool) string {
	v := strings.TrimSpace(strings.ReplaceAll(f.values.Get(name), "\r\n", "\n"))
	switch {
	case !utf8.ValidString(v):
		f.fail(name, "form.unreadable")
	case required && v == "":
		f.fail(name, "form.required")
	case utf8.RuneCountInString(v) > max:
		f.fail(name, "form.too-long", "Max", max, "Has", utf8.RuneCountInString(v))
	}
	return v
}

// line is text without line breaks.
func (f *form) line(name string, max int, required bool) string {
	v := f.text(name, max, required)
	if strings.ContainsAny(v, "\r\n") {
		f.fail(name, "form.one-line")
	}
	return v
}

func (f *form) number(name string, min, max int) int {
	v := strings.TrimSpace(f.values.Get(name))
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > max {
		f.fail(name, "form.number", "Min", min, "Max", max)
	}
	return n
}

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

func (f *form) slug(name string) string {
	v := f.line(name, 80, true)
	if v != "" && !slugPattern.MatchString(v) {
		f.fail(name, "form.slug")
	}
	return v
}

// lang is a language among those offered: the languages the site offers
// (--languages), in which content, officials and supporters may be.
func (f *form) lang(name string, offered []string) string {
	v := f.values.Get(name)
	if !slices.Contains(offered, v) {
		f.fail(name, "form.language")
	}
	return v
}

// list splits a comma-separated field.
func (f *form) list(name string, maxItems, maxLen int) []string {
	var out []string
	for _, item := range strings.Split(f.values.Get(name), ",") {
		if item = strings.TrimSpace(item); item != "" {
			if utf8.RuneCountInString(item) > maxLen {
				f.fail(name, "form.item-too-long", "Max", maxLen)
			}
			out = append(out, item)
		}
	}
	if len(out) > maxItems {
		f.fail(name, "form.too-many-items", "Max", maxItems)
	}
	return out
}

// date reads YYYY-MM-DD; "" is the zero time.
func (f *form) date(name string, v string) time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}
	}
	t, err := time.Parse("2006-01-02", v)
	if err != nil {
		f.fail(name, "form.date")
	}
	return t
}

// instant reads a date and time in UTC (YYYY-MM-DDTHH:MM, as a
// datetime-local input sends it); "" is the zero time.
func (f *form) instant(name string) time.Time {
	v := strings.TrimSpace(f.values.Get(name))
	if v == "" {
		return time.Time{}
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t
		}
	}
	f.fail(name, "form.instant")
	return time.Time{}
}

func (f *form) id(name string) int64 {
	v := strings.TrimSpace(f.values.Get(name))
	if v == "" {
		return 0
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 0 {
		f.fail(name, "form.choose")
	}
	return id
}

// Body limits: forms with a picture take the upload limit and some room
// for the other fields; the rest are small.
const (
	maxFormBody   = 512 << 10
	maxUploadBody = upload.MaxBytes + 1<<20
)

// fileTooLarge reports whether a posted form carries a file over
// upload.MaxBytes. The body's limit leaves room for the other fields, so
// a file a little over 10 MB fits in it; such a form is refused whole
// (413) rather than read with its file cut short.
func fileTooLarge(r *http.Request) bool {
	if r.MultipartForm == nil {
		return false
	}
	for _, files := range r.MultipartForm.File {
		for _, f := range files {
			if f.Size > upload.MaxBytes {
				return true
			}
		}
	}
	return false
}

// readForm parses a posted form (multipart when it carries a file) within
// the route's size limit.
func readForm(w http.ResponseWriter, r *http.Request) (*form, error) {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			return nil, err
		}
	} else if err := r.ParseForm(); err != nil {
		return nil, err
	}
	return newForm(r.PostForm), nil
}

// picture stores an uploaded picture, if the form carries one, and
// returns the form's picture: the upload, the one kept from an earlier
// attempt (image_id), the current one, or none when removed. A picture
// needs its description: without one the form fails, but the upload is
// kept (by image_id) so that it need not be chosen again. A changed
// description or credit is saved with the picture.
func (s *Server) picture(r *http.Request, f *form, current *model.Image) *model.Image {
	if f.Has("image_remove", "yes") {
		return nil
	}
	alt := f.line("image_alt", 300, false)
	credit := f.line("image_credit", 200, false)
	img := current
	file, header, err := r.FormFile("image")
	switch {
	case errors.Is(err, http.ErrMissingFile) || errors.Is(err, http.ErrNotMultipart):
		if id := f.id("image_id"); id != 0 && (current == nil || current.ID != id) {
			img = &model.Image{ID: id} // stored with an earlier attempt at this form
		}
	case err != nil:
		f.fail("image", "form.picture.unreadable")
		return current
	default:
		defer file.Close()
		// As large as the file, and one byte more than is allowed at most:
		// a longer file reads as too large.
		data := make([]byte, min(header.Size, upload.MaxBytes)+1)
		n, _ := io.ReadFull(file, data)
		s.decoding <- struct{}{} // one picture decoded at a time: up to upload.MemoryBudget each
		processed, variants, err := upload.Process(data[:n])
		<-s.decoding
		if err != nil {
			refusal := pictureRefusal(err)
			f.fail("image", refusal.Key, refusal.Args...)
			return current
		}
		processed.Alt, processed.Credit, processed.Created = cmp.Or(alt, pendingAlt), credit, s.now()
		if err := s.store.CreateImage(r.Context(), &processed, variants); err != nil {
			f.fail("image", "form.picture.not-stored")
			s.log.Error("store picture", "err", err)
			return current
		}
		f.values.Set("image_id", strconv.FormatInt(processed.ID, 10))
		img = &processed
	}
	if img == nil {
		return nil
	}
	if alt == "" {
		f.fail("image_alt", "form.picture.alt")
		return img
	}
	if img.Alt != alt || img.Credit != credit {
		if err := s.store.SetImageText(r.Context(), img.ID, alt, credit); err != nil {
			f.fail("image_alt", "form.picture.alt-not-saved")
			s.log.Error("describe picture", "err", err)
			return img
		}
		img.Alt, img.Credit = alt, credit
	}
	return img
}

// pictureRefusal tells staff why a picture was refused and what to do.
func pictureRefusal(err error) msg {
	var memErr *upload.MemoryError
	switch {
	case errors.Is(err, upload.ErrTooLarge):
		return say("form.picture.too-large")
	case errors.Is(err, upload.ErrTooManyPixels):
		return say("form.picture.too-many-pixels")
	case errors.As(err, &memErr):
		size := []any{"Kind", memErr.Kind, "Width", memErr.Width, "Height", memErr.Height}
		if mp := float64(memErr.FittingPixels) / 1e6; mp >= 1 {
			return say("form.picture.too-large-to-process.fits", append(size, "Megapixels", int(math.Floor(mp)))...)
		}
		return say("form.picture.too-large-to-process", size...)
	default:
		return say("form.picture.not-a-picture")
	}
}

// pendingAlt stands in for a description not given yet: the picture is
// kept, the form refused until one is.
const pendingAlt = "(description to come)"
