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
	"net/url"
	"strings"
)

// Config is what a command runs with. It is passed along, never global.
type Config struct {
	Addr      string // listen address
	DB        string // postgres://… or an SQLite file path
	BaseURL   string // public URL used in links
	LogFormat string // "text" or "json"
	LogLevel  string // "debug", "info", "warn", "error"
}

// option is one row of the contract.
type option struct {
	flag, env, def, help string
	target               func(*Config) *string
}

// Options is the configuration contract shared with operators and scripts.
var Options = []option{
	{"addr", "VIGIL_ADDR", "127.0.0.1:8080", "listen address", func(c *Config) *string { return &c.Addr }},
	{"db", "VIGIL_DATABASE_URL", "./data/vigil.db", "postgres://… URL or an SQLite file path", func(c *Config) *string { return &c.DB }},
	{"base-url", "VIGIL_BASE_URL", "", "public URL used in links and emails (default http:// + addr)", func(c *Config) *string { return &c.BaseURL }},
	{"log-format", "VIGIL_LOG_FORMAT", "text", "log format: text or json", func(c *Config) *string { return &c.LogFormat }},
	{"log-level", "VIGIL_LOG_LEVEL", "info", "log level: debug, info, warn or error", func(c *Config) *string { return &c.LogLevel }},
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

// IsPostgres reports whether DB names a PostgreSQL server.
func (c Config) IsPostgres() bool {
	return strings.HasPrefix(c.DB, "postgres://") || strings.HasPrefix(c.DB, "postgresql://")
}
