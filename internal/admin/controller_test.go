package admin

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"vigil/internal/model"
)

// TestControllerSettings: an admin sets who is responsible for
// supporters' data, as /privacy shows it; a field too long is refused
// beside it with the values kept, and nothing is saved.
func TestControllerSettings(t *testing.T) {
	h := newHarness(t)
	h.addUser("admin@example.org", model.RoleAdmin)
	adm := h.browser()
	adm.login("admin@example.org")
	form := url.Values{"part": {"controller"}, "controller_name": {"Vigil Rights Org"},
		"controller_address": {"1 Rue de la Paix\r\n75000 Paris"}, "controller_contact": {"dpo@example.org"}}
	if a := adm.post("/admin/users", "/admin/settings", form); a.status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", a.status, a.body)
	}
	ctx := context.Background()
	for key, want := range map[string]string{model.SettingControllerName: "Vigil Rights Org",
		model.SettingControllerAddress: "1 Rue de la Paix\n75000 Paris", model.SettingControllerContact: "dpo@example.org"} {
		if got, _ := h.db.Setting(ctx, key); got != want {
			t.Errorf("%s = %q, want %q", key, got, want)
		}
	}
	if page := adm.get("/admin/users"); !strings.Contains(page.body, `value="Vigil Rights Org"`) {
		t.Error("the users page does not show the saved name")
	}
	form.Set("controller_name", strings.Repeat("x", 201))
	a := adm.post("/admin/users", "/admin/settings", form)
	if a.status != http.StatusUnprocessableEntity || !strings.Contains(a.body, "Too long: 200 characters at most.") ||
		!strings.Contains(a.body, `value="`+strings.Repeat("x", 201)+`"`) {
		t.Errorf("too long: %d", a.status)
	}
	if got, _ := h.db.Setting(ctx, model.SettingControllerName); got != "Vigil Rights Org" {
		t.Errorf("a refused name was saved: %q", got)
	}
	// Only an admin.
	h.addUser("editor@example.org", model.RoleEditor)
	ed := h.browser()
	ed.login("editor@example.org")
	if a := ed.post("", "/admin/settings", form); a.status == http.StatusSeeOther {
		t.Error("an editor saved the controller's details")
	}
}
