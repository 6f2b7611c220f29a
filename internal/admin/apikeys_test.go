package admin

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"vigil/internal/api"
	"vigil/internal/model"
	"vigil/internal/store"
)

// TestAPIKeysScreen: an admin makes a key, sees it once, and revokes it;
// the store keeps its hash, the audit log both acts.
func TestAPIKeysScreen(t *testing.T) {
	h := newHarness(t)
	h.addUser("admin@example.org", model.RoleAdmin)
	b := h.browser()
	b.login("admin@example.org")
	if page := b.get("/admin/keys"); page.status != http.StatusOK || !strings.Contains(page.body, "No key yet.") {
		t.Fatalf("keys page: %d\n%s", page.status, page.body)
	}
	// Bad input: said beside the field, the name kept.
	a := b.post("/admin/keys", "/admin/keys", url.Values{"name": {"CRM <sync>"}})
	if a.status != http.StatusBadRequest || !strings.Contains(a.body, "Choose at least one scope.") ||
		!strings.Contains(a.body, `value="CRM &lt;sync&gt;"`) {
		t.Errorf("no scope: %d\n%s", a.status, a.body)
	}
	a = b.post("/admin/keys", "/admin/keys", url.Values{"scope": {"read"}})
	if a.status != http.StatusBadRequest || !strings.Contains(a.body, "Say what the key is for") {
		t.Errorf("no name: %d", a.status)
	}
	a = b.post("/admin/keys", "/admin/keys", url.Values{"name": {"CRM sync"}, "scope": {"read", "people"}})
	key := regexp.MustCompile(`value="(vgl_[a-z2-7]{52})"`).FindStringSubmatch(a.body)
	if a.status != http.StatusCreated || key == nil {
		t.Fatalf("add a key: %d\n%s", a.status, a.body)
	}
	k, err := h.db.APIKeyByHash(ctx, api.HashKey(key[1]))
	if err != nil {
		t.Fatal(err)
	}
	if k.Name != "CRM sync" || !k.Has(model.ScopePeople) || k.Has(model.ScopeWrite) || k.CreatedBy != "admin@example.org" {
		t.Errorf("stored %+v", k)
	}
	// Shown once: the list names it, never again shows it.
	page := b.get("/admin/keys")
	if strings.Contains(page.body, key[1]) || !strings.Contains(page.body, "CRM sync") || !strings.Contains(page.body, "never") {
		t.Errorf("keys page after: \n%s", page.body)
	}
	if a := b.post("/admin/keys", "/admin/keys/"+itoa(k.ID)+"/revoke", nil); a.status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", a.status)
	}
	if k, err := h.db.APIKeyByHash(ctx, api.HashKey(key[1])); err != nil || k.Active() {
		t.Errorf("after revoking: %+v, %v", k, err)
	}
	if page := b.get("/admin/keys"); !strings.Contains(page.body, "revoked") {
		t.Errorf("the list does not show the key revoked")
	}
	log, err := h.db.AuditLog(ctx, store.AuditFilter{Action: "apikey."})
	if err != nil || len(log) != 2 || log[0].Action != "apikey.revoke" || log[1].UserEmail != "admin@example.org" {
		t.Errorf("audit %+v, %v", log, err)
	}
	if a := b.post("/admin/keys", "/admin/keys/999/revoke", nil); a.status != http.StatusNotFound {
		t.Errorf("revoking an unknown key: %d", a.status)
	}
}
