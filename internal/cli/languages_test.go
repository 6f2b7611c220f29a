package cli_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"vigil/internal/cli"
)

// TestLanguagesWithoutCatalogueRefused: a site cannot offer a language it
// has no strings for, and says which it has.
func TestLanguagesWithoutCatalogueRefused(t *testing.T) {
	db := filepath.Join(t.TempDir(), "vigil.db")
	for _, run := range []struct {
		args []string
		env  map[string]string
	}{
		{[]string{"serve", "--db", db, "--languages", "en,fr,de"}, nil},
		{[]string{"demo", "--db", db}, map[string]string{"VIGIL_LANGUAGES": "en,de"}},
	} {
		var out bytes.Buffer
		code := cli.Run(context.Background(), run.args, &out, &out, func(k string) string { return run.env[k] })
		if code != 2 || !strings.Contains(out.String(), "--languages: no catalogue for de; the catalogues are ar, en, es, fr") {
			t.Errorf("%v %v: exit %d, %q", run.args, run.env, code, out.String())
		}
	}

	var help bytes.Buffer
	cli.Run(context.Background(), []string{"serve", "--help"}, &help, &help, func(string) string { return "" })
	if !strings.Contains(help.String(), "-languages") || !strings.Contains(help.String(), "$VIGIL_LANGUAGES") {
		t.Errorf("serve --help does not name --languages and VIGIL_LANGUAGES:\n%s", help.String())
	}
}
