package cli

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"vigil/internal/config"
)

// TestLogsHideConfiguredPasswords: whatever a library puts in an error, a
// log line never carries a password of the configuration.
func TestLogsHideConfiguredPasswords(t *testing.T) {
	cfg := config.Config{LogFormat: "json",
		DB:   "postgres://vigil:db%3Apassword%2F1@db.example.org:5432/vigil?sslmode=require",
		SMTP: "smtps://mailer:smtp-password-2@mail.example.org", From: "postgres://a@h/x?password=query-password-3",
		MetricsToken: "metrics-token-0123456789"}
	for _, format := range []string{"json", "text"} {
		cfg.LogFormat = format
		var out bytes.Buffer
		log := newLogger(cfg, &out).With("db", cfg.DB)
		log.Error("connect to "+cfg.DB+" failed", "err", fmt.Errorf("dial %s: %w", cfg.DB, errors.New("refused")),
			"smtp", cfg.SMTP, slog.Group("copy", "from", cfg.From),
			"raw", "user=vigil password=db:password/1 host=db.example.org", "header", "Bearer "+cfg.MetricsToken)
		for _, secret := range []string{"db:password/1", "db%3Apassword%2F1", "smtp-password-2", "query-password-3", cfg.MetricsToken} {
			if strings.Contains(out.String(), secret) {
				t.Errorf("%s: %q logged:\n%s", format, secret, out.String())
			}
		}
		if !strings.Contains(out.String(), "db.example.org:5432") || !strings.Contains(out.String(), "refused") {
			t.Errorf("%s: redacted too much:\n%s", format, out.String())
		}
	}
}
