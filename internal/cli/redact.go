package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"vigil/internal/config"
)

// minSecretLen is the shortest password replaced wherever it appears in a
// log line. A shorter one would garble every line it happens to match
// ("pw" in "pwd"); the URLs holding it are still replaced whole.
const minSecretLen = 6

// secretReplacer replaces, in any text, each URL of the configuration that
// holds a password (database, copy source and target, SMTP server) by its
// redacted form, each such password and the metrics token by "xxxxx"; nil
// when there is none.
// Log lines name databases through showDB already: this catches what a
// driver or library might repeat in an error.
func secretReplacer(cfg config.Config) *strings.Replacer {
	var pairs []string
	for _, secret := range []string{cfg.MetricsToken, cfg.HookSecret, cfg.StripeSecretKey, cfg.StripeWebhookSecret} {
		if len(secret) >= minSecretLen {
			pairs = append(pairs, secret, "xxxxx")
		}
	}
	for _, raw := range []string{cfg.DB, cfg.From, cfg.To, cfg.SMTP} {
		if !strings.Contains(raw, "://") {
			continue // an SQLite path
		}
		passwords := []string{rawPassword(raw)}
		u, err := url.Parse(raw)
		if err != nil {
			// The parts cannot be told apart for sure: hide the whole value.
			pairs = append(pairs, raw, "[a URL that does not parse]")
		} else {
			if pw, ok := u.User.Password(); ok {
				passwords = append(passwords, pw, url.PathEscape(pw), url.QueryEscape(pw))
			}
			if pw := u.Query().Get("password"); pw != "" {
				passwords = append(passwords, pw, url.QueryEscape(pw))
			}
			if redacted := redactURL(u); redacted != raw {
				pairs = append(pairs, raw, redacted)
			}
		}
		for _, pw := range passwords {
			if len(pw) >= minSecretLen {
				pairs = append(pairs, pw, "xxxxx")
			}
		}
	}
	if len(pairs) == 0 {
		return nil
	}
	// strings.Replacer tries the pairs in order at each position: the whole
	// URLs come first.
	return strings.NewReplacer(pairs...)
}

// rawPassword is the password of a URL as written (escaped or not), ""
// when there is none: what a library quoting the URL would show.
func rawPassword(raw string) string {
	rest := raw[strings.Index(raw, "://")+3:]
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return ""
	}
	_, pw, _ := strings.Cut(rest[:at], ":")
	return pw
}

// redactURL is u without its password, in the user info or the query.
func redactURL(u *url.URL) string {
	r := *u
	if q := r.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		r.RawQuery = q.Encode()
	}
	return r.Redacted()
}

// redactingHandler passes each record on with the secrets replaced in its
// message and in the text of every attribute.
type redactingHandler struct {
	slog.Handler
	r *strings.Replacer
}

func (h redactingHandler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, h.r.Replace(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.Handler.Handle(ctx, out)
}

func (h redactingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = h.attr(a)
	}
	return redactingHandler{h.Handler.WithAttrs(clean), h.r}
}

func (h redactingHandler) WithGroup(name string) slog.Handler {
	return redactingHandler{h.Handler.WithGroup(name), h.r}
}

func (h redactingHandler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.r.Replace(v.String()))
	case slog.KindGroup:
		group := v.Group()
		clean := make([]any, len(group))
		for i, g := range group {
			clean[i] = h.attr(g)
		}
		return slog.Group(a.Key, clean...)
	case slog.KindAny:
		// Errors and anything else printed: as the text they print.
		text := fmt.Sprint(v.Any())
		if clean := h.r.Replace(text); clean != text {
			return slog.String(a.Key, clean)
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
