// Package config reads Vigil's options from flags and environment variables.
// Every option is one row of the table in Options: its flag, its variable,
// its default and its help, so the whole contract reads in one screen.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"vigil/internal/httpx"
	"vigil/internal/i18n"
)

// Config is what a command runs with. It is passed along, never global.
type Config struct {
	Addr      string // listen address
	DB        string // postgres://… or an SQLite file path
	BaseURL   string // public URL used in links
	LogFormat string // "text" or "json"
	LogLevel  string // "debug", "info", "warn", "error"

	KeyFile        string // secret keys; default: vigil.key beside an SQLite database
	SMTP           string // smtp://user:pass@host:port or smtps://…; empty: mail is held
	MailFrom       string // From of every email
	FormRateText   string
	FormRate       int // public form submissions per minute per client IP; 0: off
	APIRateText    string
	APIRate        int // API requests per minute per key; 0: off
	ProxiesText    string
	TrustedProxies []netip.Prefix
	BlockedDomains string // file of refused email domains; empty: the built-in list
	ReminderText   string
	ReminderAfter  time.Duration // one reminder to confirm after this
	PurgeText      string
	PurgeAfter     time.Duration // unconfirmed participations are deleted after this
	PprofAddr      string        // loopback address for Go's profiler; empty: off
	MetricsToken   string        // also opens /metrics to requests bearing it; empty: this machine only
	From, To       string        // vigil copy: the database to copy and the empty one to fill
	Email, Role    string        // vigil user add: the new staff account; vigil user unlock: the email
	StaffLang      string        // vigil user add: the language of the staff pages for the account
	KeyName, Scope string        // vigil api-key add: the new key's name and scopes
	HookURL        string        // vigil webhook add: the receiver
	HookSecret     string        // vigil webhook add: signs each delivery
	HookEvents     string        // vigil webhook add: the events it wants; "": all

	MailRetentionText string
	MailRetention     time.Duration // a sent email's recipients and text are dropped after this
	RetentionText     string
	RetentionMonths   int  // supporters inactive this many months are erased; 0: never
	DryRun            bool // vigil retention: count, erase nothing
	DryRunText        string

	LanguagesText string
	Languages     []string // language codes the site offers, each with a catalogue; nil: every catalogue

	EmbedOriginsText string
	EmbedOrigins     []string // origins allowed to frame /embed/ pages (httpx.ParseOrigin); nil: any https origin

	StripeSecretKey     string // Stripe's secret API key; empty: no /donate
	StripeWebhookSecret string // verifies POST /webhooks/stripe; empty: no webhook
	StripeAPIURL        string // Stripe's API (tests: stripe-mock); empty: Stripe's own
	DonateURL           string // where Donate links go without Stripe; empty: no link
	StaleAfterText      string
	StaleAfter          int // days after which an individual's latest confirmed fact is marked stale
}

// option is one row of the contract.
type option struct {
	flag, env, def, help string
	target               func(*Config) *string
}

// Options is the configuration contract shared with operators and scripts.
var Options = []option{
	{"addr", "VIGIL_ADDR", "127.0.0.1:8080", "listen address", func(c *Config) *string { return &c.Addr }},
	{"db", "VIGIL_DATABASE_URL", "./data/vigil.db", "SQLite file path, or postgres://user:pass@host:port/db", func(c *Config) *string { return &c.DB }},
	{"base-url", "VIGIL_BASE_URL", "", "public URL used in links and emails (default http:// + addr)", func(c *Config) *string { return &c.BaseURL }},
	{"log-format", "VIGIL_LOG_FORMAT", "text", "log format: text or json", func(c *Config) *string { return &c.LogFormat }},
	{"log-level", "VIGIL_LOG_LEVEL", "info", "log level: debug, info, warn or error", func(c *Config) *string { return &c.LogLevel }},
	{"key-file", "VIGIL_KEY_FILE", "", "secret keys for personal data and links (default: vigil.key beside the SQLite database, created on first start; required with PostgreSQL)", func(c *Config) *string { return &c.KeyFile }},
	{"smtp", "VIGIL_SMTP_URL", "", "smtp://user:pass@host:port (STARTTLS, required off this machine; ?tls=none for a trusted relay in clear) or smtps://… (TLS); none: mail stays in the outbox, held", func(c *Config) *string { return &c.SMTP }},
	{"mail-from", "VIGIL_MAIL_FROM", "", "From address of every email (default: Vigil <noreply@host of --base-url>)", func(c *Config) *string { return &c.MailFrom }},
	{"form-rate", "VIGIL_FORM_RATE", "30", "public form submissions per minute per client IP; 0 turns the limit off", func(c *Config) *string { return &c.FormRateText }},
	{"api-rate", "VIGIL_API_RATE", "600", "API requests per minute per key; 0 turns the limit off (load tests)", func(c *Config) *string { return &c.APIRateText }},
	{"trusted-proxies", "VIGIL_TRUSTED_PROXIES", "", "comma-separated CIDRs whose X-Forwarded-For is believed", func(c *Config) *string { return &c.ProxiesText }},
	{"blocked-email-domains", "VIGIL_BLOCKED_EMAIL_DOMAINS", "", "file of email domains to refuse, one per line (default: a built-in list of disposable-address services)", func(c *Config) *string { return &c.BlockedDomains }},
	{"reminder-after", "VIGIL_REMINDER_AFTER", "48h", "send one reminder to confirm after this long", func(c *Config) *string { return &c.ReminderText }},
	{"from", "VIGIL_COPY_FROM", "", "vigil copy: the database to copy (SQLite path or postgres:// URL)", func(c *Config) *string { return &c.From }},
	{"to", "VIGIL_COPY_TO", "", "vigil copy: the empty database to copy into (SQLite path or postgres:// URL)", func(c *Config) *string { return &c.To }},
	{"email", "VIGIL_USER_EMAIL", "", "vigil user add, vigil user unlock: email of the staff account (its login name)", func(c *Config) *string { return &c.Email }},
	{"role", "VIGIL_USER_ROLE", "", "vigil user add: admin, editor, researcher, finance or viewer", func(c *Config) *string { return &c.Role }},
	{"lang", "VIGIL_USER_LANG", "en", "vigil user add: the language the account reads the staff pages in, one of the staff catalogues (en, es)", func(c *Config) *string { return &c.StaffLang }},
	{"name", "VIGIL_API_KEY_NAME", "", "vigil api-key add: what the key is for, e.g. the tool that uses it", func(c *Config) *string { return &c.KeyName }},
	{"url", "VIGIL_WEBHOOK_URL", "", "vigil webhook add: the receiver's URL (https, or http to this machine for testing)", func(c *Config) *string { return &c.HookURL }},
	{"secret", "VIGIL_WEBHOOK_SECRET", "", "vigil webhook add: the secret that signs each delivery (X-Vigil-Signature); give it in the variable, a flag shows in the process list", func(c *Config) *string { return &c.HookSecret }},
	{"events", "VIGIL_WEBHOOK_EVENTS", "", "vigil webhook add: signature, outreach, subscription, confirmation, unsubscription, erasure, comma-separated; empty: all", func(c *Config) *string { return &c.HookEvents }},
	{"scope", "VIGIL_API_KEY_SCOPE", "read", "vigil api-key add: read, people and/or write, comma-separated", func(c *Config) *string { return &c.Scope }},
	{"metrics-token", "VIGIL_METRICS_TOKEN", "", "a secret that also opens /metrics to a scraper elsewhere (Authorization: Bearer …); give it in the variable, a flag shows in the process list", func(c *Config) *string { return &c.MetricsToken }},
	{"pprof-addr", "VIGIL_PPROF_ADDR", "", "serve Go's profiler (net/http/pprof) on this loopback address, for measuring; off when empty", func(c *Config) *string { return &c.PprofAddr }},
	{"purge-after", "VIGIL_PURGE_AFTER", "168h", "delete participations still unconfirmed after this long", func(c *Config) *string { return &c.PurgeText }},
	{"languages", "VIGIL_LANGUAGES", "", "comma-separated languages the site offers, en among them, each with a catalogue in internal/i18n/locales (default: every catalogue: " + strings.Join(i18n.Available(), ", ") + ")", func(c *Config) *string { return &c.LanguagesText }},
	{"embed-origins", "VIGIL_EMBED_ORIGINS", "", "origins allowed to show /embed/ pages in a frame, separated by commas or spaces, such as https://partner.example (default: any https origin)", func(c *Config) *string { return &c.EmbedOriginsText }},
	{"stripe-secret-key", "VIGIL_STRIPE_SECRET_KEY", "", "Stripe's secret API key (sk_…): /donate sends donors to Stripe's hosted Checkout; give it in the variable, a flag shows in the process list; none: no /donate", func(c *Config) *string { return &c.StripeSecretKey }},
	{"stripe-webhook-secret", "VIGIL_STRIPE_WEBHOOK_SECRET", "", "the signing secret (whsec_…) of the Stripe endpoint pointed at /webhooks/stripe, which records donations; give it in the variable", func(c *Config) *string { return &c.StripeWebhookSecret }},
	{"stripe-api-url", "VIGIL_STRIPE_API_URL", "", "Stripe's API, for tests against stripe-mock (default: https://api.stripe.com)", func(c *Config) *string { return &c.StripeAPIURL }},
	{"donate-url", "VIGIL_DONATE_URL", "", "where Donate links go when --stripe-secret-key is not set (an https page of the organisation's); none: no Donate link", func(c *Config) *string { return &c.DonateURL }},
	{"stale-after", "VIGIL_STALE_AFTER", "30", "days after which an individual's latest confirmed fact is marked stale on the researchers' screens", func(c *Config) *string { return &c.StaleAfterText }},
	{"retention", "VIGIL_RETENTION", "24", "erase supporters this many months after their last action or confirmation (Vigil never tracks opens); 0 keeps them", func(c *Config) *string { return &c.RetentionText }},
	{"dry-run", "VIGIL_DRY_RUN", "false", "vigil retention: count who would be erased, erase nobody", func(c *Config) *string { return &c.DryRunText }},
	{"mail-retention", "VIGIL_MAIL_RETENTION", "720h", "keep a sent email's recipients and text this long (720h: 30 days), then only its kind and when it went", func(c *Config) *string { return &c.MailRetentionText }},
}

// Parse reads the options named in use (all when empty) from args, with the
// environment as the default of each flag. It returns flag.ErrHelp after
// printing usage for -h.
func Parse(command, summary string, args []string, getenv func(string) string, out io.Writer, use ...string) (Config, []string, error) {
	var c Config
	fs := flag.NewFlagSet("vigil "+command, flag.ContinueOnError)
	fs.SetOutput(out)
	var used []option
	for _, o := range Options {
		if len(use) > 0 && !contains(use, o.flag) {
			continue
		}
		used = append(used, o)
		def := o.def
		if v := getenv(o.env); v != "" {
			def = v
		}
		if o.def == "false" {
			// A switch: --dry-run alone means true.
			*o.target(&c) = def
			fs.Var((*switchValue)(o.target(&c)), o.flag, o.help+" ($"+o.env+")")
			continue
		}
		fs.StringVar(o.target(&c), o.flag, def, o.help+" ($"+o.env+")")
	}
	fs.Usage = func() {
		fmt.Fprintf(out, "Usage: vigil %s [flags]\n\n%s\n\nFlags (each also read from the environment variable shown):\n", command, summary)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return c, nil, err
	}
	if err := c.validate(used); err != nil {
		return c, nil, err
	}
	return c, fs.Args(), nil
}

// switchValue is an option given alone (--dry-run) or as --dry-run=false.
type switchValue string

func (v *switchValue) String() string     { return string(*v) }
func (v *switchValue) Set(s string) error { *v = switchValue(s); return nil }
func (v *switchValue) IsBoolFlag() bool   { return true }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// validate checks the options in use and fills derived defaults.
func (c *Config) validate(used []option) error {
	var errs []error
	for _, o := range used {
		switch o.flag {
		case "addr":
			if _, _, err := net.SplitHostPort(c.Addr); err != nil {
				errs = append(errs, fmt.Errorf("--addr %q: want host:port", c.Addr))
			}
		case "base-url":
			if c.BaseURL == "" {
				c.BaseURL = "http://" + c.Addr
			}
			u, err := url.Parse(c.BaseURL)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				errs = append(errs, fmt.Errorf("--base-url %q: want an http:// or https:// URL", c.BaseURL))
			}
			c.BaseURL = strings.TrimRight(c.BaseURL, "/")
		case "db":
			if c.DB == "" {
				errs = append(errs, errors.New("--db: empty"))
			}
		case "log-format":
			if c.LogFormat != "text" && c.LogFormat != "json" {
				errs = append(errs, fmt.Errorf("--log-format %q: want text or json", c.LogFormat))
			}
		case "api-rate":
			n, err := strconv.Atoi(c.APIRateText)
			if err != nil || n < 0 {
				errs = append(errs, fmt.Errorf("--api-rate %q: want a whole number, 0 or more", c.APIRateText))
			}
			c.APIRate = n
		case "form-rate":
			n, err := strconv.Atoi(c.FormRateText)
			if err != nil || n < 0 {
				errs = append(errs, fmt.Errorf("--form-rate %q: want a whole number, 0 or more", c.FormRateText))
			}
			c.FormRate = n
		case "trusted-proxies":
			for part := range strings.SplitSeq(c.ProxiesText, ",") {
				if part = strings.TrimSpace(part); part == "" {
					continue
				}
				p, err := netip.ParsePrefix(part)
				if err != nil {
					errs = append(errs, fmt.Errorf("--trusted-proxies %q: want CIDRs like 10.0.0.0/8", part))
					continue
				}
				c.TrustedProxies = append(c.TrustedProxies, p.Masked())
			}
		case "smtp":
			if c.SMTP != "" {
				u, err := url.Parse(c.SMTP)
				if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Host == "" {
					errs = append(errs, errors.New("--smtp: want smtp://user:pass@host:port or smtps://…"))
				}
			}
		case "metrics-token":
			if c.MetricsToken != "" && (len(c.MetricsToken) < 16 || strings.TrimSpace(c.MetricsToken) != c.MetricsToken) {
				errs = append(errs, errors.New("--metrics-token: want at least 16 characters (a random string), no spaces around"))
			}
		case "pprof-addr":
			if c.PprofAddr != "" {
				host, _, err := net.SplitHostPort(c.PprofAddr)
				if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
					errs = append(errs, fmt.Errorf("--pprof-addr %q: want a loopback host:port such as 127.0.0.1:6060", c.PprofAddr))
				}
			}
		case "reminder-after":
			d, err := time.ParseDuration(c.ReminderText)
			if err != nil || d <= 0 {
				errs = append(errs, fmt.Errorf("--reminder-after %q: want a duration like 48h", c.ReminderText))
			}
			c.ReminderAfter = d
		case "purge-after":
			d, err := time.ParseDuration(c.PurgeText)
			if err != nil || d <= 0 {
				errs = append(errs, fmt.Errorf("--purge-after %q: want a duration like 168h", c.PurgeText))
			}
			c.PurgeAfter = d
		case "mail-retention":
			d, err := time.ParseDuration(c.MailRetentionText)
			if err != nil || d <= 0 {
				errs = append(errs, fmt.Errorf("--mail-retention %q: want a duration like 720h (30 days)", c.MailRetentionText))
			}
			c.MailRetention = d
		case "stale-after":
			n, err := strconv.Atoi(c.StaleAfterText)
			if err != nil || n < 1 || n > 3650 {
				errs = append(errs, fmt.Errorf("--stale-after %q: want a number of days from 1 to 3650, like 30", c.StaleAfterText))
			}
			c.StaleAfter = n
		case "retention":
			n, err := strconv.Atoi(strings.TrimSpace(c.RetentionText))
			if err != nil || n < 0 || n > 1200 {
				errs = append(errs, fmt.Errorf("--retention %q: want a whole number of months, such as 24; 0 keeps supporters", c.RetentionText))
			}
			c.RetentionMonths = n
		case "dry-run":
			b, err := strconv.ParseBool(c.DryRunText)
			if err != nil {
				errs = append(errs, fmt.Errorf("--dry-run %q: want true or false", c.DryRunText))
			}
			c.DryRun = b
		case "languages":
			if err := c.parseLanguages(); err != nil {
				errs = append(errs, err)
			}
		case "embed-origins":
			c.EmbedOrigins = nil
			for _, field := range strings.FieldsFunc(c.EmbedOriginsText, func(r rune) bool { return r == ',' || unicode.IsSpace(r) }) {
				origin, err := httpx.ParseOrigin(field)
				if err != nil {
					errs = append(errs, fmt.Errorf("--embed-origins: %w (want origins such as https://partner.example, separated by commas)", err))
					continue
				}
				if !slices.Contains(c.EmbedOrigins, origin) {
					c.EmbedOrigins = append(c.EmbedOrigins, origin)
				}
			}
		case "stripe-secret-key":
			if c.StripeSecretKey != "" && strings.TrimSpace(c.StripeSecretKey) != c.StripeSecretKey {
				errs = append(errs, errors.New("--stripe-secret-key: no spaces around the key"))
			}
		case "stripe-webhook-secret":
			if c.StripeSecretKey != "" && c.StripeWebhookSecret == "" {
				errs = append(errs, errors.New("--stripe-webhook-secret: required with --stripe-secret-key, or no donation is ever recorded"))
			}
		case "stripe-api-url", "donate-url":
			v, name := c.StripeAPIURL, "--stripe-api-url"
			if o.flag == "donate-url" {
				v, name = c.DonateURL, "--donate-url"
			}
			if v != "" {
				u, err := url.Parse(v)
				if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					errs = append(errs, fmt.Errorf("%s %q: want an http:// or https:// URL", name, v))
				}
			}
		case "log-level":
			switch c.LogLevel {
			case "debug", "info", "warn", "error":
			default:
				errs = append(errs, fmt.Errorf("--log-level %q: want debug, info, warn or error", c.LogLevel))
			}
		}
	}
	return errors.Join(errs...)
}

// parseLanguages reads --languages: codes with a catalogue, the default
// language among them, each once.
func (c *Config) parseLanguages() error {
	c.Languages = nil
	if strings.TrimSpace(c.LanguagesText) == "" {
		return nil
	}
	var unknown []string
	for code := range strings.SplitSeq(c.LanguagesText, ",") {
		code = strings.TrimSpace(code)
		if code == "" || slices.Contains(c.Languages, code) {
			continue
		}
		if !slices.Contains(i18n.Available(), code) {
			unknown = append(unknown, code)
		}
		c.Languages = append(c.Languages, code)
	}
	if len(unknown) > 0 {
		return fmt.Errorf("--languages: no catalogue for %s; the catalogues are %s (add internal/i18n/locales/CODE.json to offer another)",
			strings.Join(unknown, ", "), strings.Join(i18n.Available(), ", "))
	}
	if !slices.Contains(c.Languages, i18n.Default) {
		return fmt.Errorf("--languages %q: include %s, which fills any string another catalogue lacks", c.LanguagesText, i18n.Default)
	}
	return nil
}

// KeyPath is where the secret keys are read: --key-file, or vigil.key in
// the folder of the SQLite database.
func (c Config) KeyPath() string {
	if c.KeyFile != "" {
		return c.KeyFile
	}
	return filepath.Join(filepath.Dir(c.DB), "vigil.key")
}

// IsPostgres reports whether DB names a PostgreSQL server.
func (c Config) IsPostgres() bool {
	return strings.HasPrefix(c.DB, "postgres://") || strings.HasPrefix(c.DB, "postgresql://")
}
