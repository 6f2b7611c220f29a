package admin

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"vigil/internal/model"
	"vigil/internal/store"
)

// TestStaffPagesInTheirLanguage: each staff member reads the admin in the
// language of their account, whatever their browser asks for; before
// sign-in the browser's language is followed; a change on the account
// page takes effect at the next page.
func TestStaffPagesInTheirLanguage(t *testing.T) {
	h := newHarness(t)
	ana := h.addUser("ana@example.org", model.RoleAdmin)
	if err := h.db.SetStaffLanguage(ctx, ana.ID, "es"); err != nil {
		t.Fatal(err)
	}
	h.addUser("bob@example.org", model.RoleAdmin)
	es, en := h.browser(), h.browser()
	es.login("ana@example.org")
	en.login("bob@example.org")

	read := func(b *browser, path string, header ...string) string {
		t.Helper()
		a := b.do("GET", path, nil, header...)
		if a.status != http.StatusOK {
			t.Fatalf("GET %s: %d\n%s", path, a.status, a.body)
		}
		return html.UnescapeString(a.body)
	}
	has := func(who, page string, want ...string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(page, w) {
				t.Errorf("%s's page lacks %q:\n%s", who, w, page)
			}
		}
	}
	lacks := func(who, page string, unwanted ...string) {
		t.Helper()
		for _, w := range unwanted {
			if strings.Contains(page, w) {
				t.Errorf("%s's page has %q:\n%s", who, w, page)
			}
		}
	}

	// The dashboard, in Spanish though the browser prefers English.
	page := read(es, "/admin/", "Accept-Language", "en-GB,en;q=0.9")
	has("ana", page, `<html lang="es" dir="ltr">`, "<title>Panel · Administración de Vigil</title>", "Acciones abiertas",
		"Bandeja de salida", "Últimas participaciones", ">Casos</a>", ">Mi cuenta</a>", "Cerrar sesión", "(administración)")
	lacks("ana", page, "Open actions", "Outbox", "Sign out")
	page = read(en, "/admin/", "Accept-Language", "es-ES,es;q=0.9")
	has("bob", page, `<html lang="en" dir="ltr">`, "<title>Dashboard · Vigil admin</title>", "Open actions", "Outbox", ">Cases</a>")
	lacks("bob", page, "Acciones abiertas", "Bandeja de salida")

	// A form refused, its messages in the reader's language.
	bad := url.Values{"email": {"not an address"}, "role": {"editor"}, "lang": {"es"}, "password": {"short"}}
	a := es.post("/admin/users", "/admin/users", bad)
	page = html.UnescapeString(a.body)
	if a.status != http.StatusBadRequest {
		t.Fatalf("a bad account form: %d", a.status)
	}
	has("ana", page, "Escriba una dirección de correo electrónico válida.", "La contraseña necesita al menos 12 caracteres.",
		"Añadir una cuenta", "Idioma de las páginas del equipo")
	page = html.UnescapeString(en.post("/admin/users", "/admin/users", bad).body)
	has("bob", page, "Enter a valid email address.", "A password needs at least 12 characters.", "Add an account")
	lacks("bob", page, "Escriba")

	// A case's edit form, and the same form refused.
	cases, err := h.db.AllCases(ctx)
	if err != nil || len(cases) == 0 {
		t.Fatalf("demo cases: %v", err)
	}
	casePath := "/admin/cases/" + itoa(cases[0].ID)
	page = read(es, casePath)
	has("ana", page, "Cronología", "Personas afectadas", "Peticiones", "Escribir una actualización", "Más filas", "Actualizaciones",
		`<option value="es">español</option>`, "Descripción para quien no pueda verla")
	lacks("ana", page, ">What happened</label>", ">People concerned</label>", ">Write an update</a>")
	has("bob", read(en, casePath), "Timeline", "People concerned", "Write an update", `<option value="es">Spanish</option>`)
	refused := caseValues()
	refused.Set("slug", "Not A Slug")
	refused["event_date"] = []string{"", "2026-05-20", ""}
	a = es.multipart("/admin/cases/new", "/admin/cases/new", refused, nil)
	page = html.UnescapeString(a.body)
	if a.status != http.StatusBadRequest {
		t.Fatalf("a refused case: %d", a.status)
	}
	has("ana", page, "No se ha guardado nada: hay 2 campos que revisar", "Minúsculas, cifras y guiones sueltos",
		"Cada hecho necesita una fecha (AAAA-MM-DD) y un título.", `value="Not A Slug"`)
	lacks("ana", page, "Lower-case letters", "Each event needs")
	page = html.UnescapeString(en.multipart("/admin/cases/new", "/admin/cases/new", refused, nil).body)
	has("bob", page, "Nothing was saved: 2 fields need attention", "Lower-case letters", "Each event needs a date")

	// The translators' screens.
	page = read(es, "/admin/translations?lang=fr&state=all")
	has("ana", page, "<title>Traducciones · ", "necesita traducción (falta o está desactualizada)", "de ", "textos por traducir")
	lacks("ana", page, "texts to translate", ">Show</button>")
	page = read(es, "/admin/translations/case/"+itoa(cases[0].ID)+"/fr")
	has("ana", page, "Traducir: ", "Guardar la traducción", "Deje un campo vacío para mostrar ahí el original.")
	has("bob", read(en, "/admin/translations/case/"+itoa(cases[0].ID)+"/fr"), "Translate: ", "Save the translation")

	// An admin gives a new account its language.
	a = en.post("/admin/users", "/admin/users", url.Values{"email": {"carla@example.org"}, "role": {"viewer"}, "lang": {"es"},
		"password": {testPassword}})
	if a.status != http.StatusSeeOther {
		t.Fatalf("adding an account: %d\n%s", a.status, a.body)
	}
	has("bob", read(en, a.location), "Account carla@example.org added.")
	if carla, err := h.db.StaffUserByEmail(ctx, "carla@example.org"); err != nil || carla.Lang != "es" {
		t.Errorf("the new account: %+v, %v; want it in Spanish", carla, err)
	}
	carla := h.browser()
	carla.login("carla@example.org")
	has("carla", read(carla, "/admin/"), `<html lang="es"`, "Acciones abiertas")

	// Bob chooses Spanish on his account page: the next page says so in
	// Spanish, and so does every page after.
	has("bob", read(en, "/admin/account"), "Language of the staff pages", `<option value="es" lang="es">Español</option>`)
	a = en.post("/admin/account", "/admin/account/language", url.Values{"lang": {"es"}})
	if a.status != http.StatusSeeOther || !strings.HasPrefix(a.location, "/admin/account?") {
		t.Fatalf("choosing Spanish: %d → %q", a.status, a.location)
	}
	page = read(en, a.location)
	has("bob", page, `<html lang="es"`, "Las páginas del equipo están ahora en español.", "Idioma de las páginas del equipo",
		`<option value="es" lang="es" selected>Español</option>`)
	has("bob", read(en, "/admin/"), "Acciones abiertas")
	if log, err := h.db.AuditLog(ctx, store.AuditFilter{Action: "user.language"}); err != nil || len(log) != 1 || log[0].UserEmail != "bob@example.org" {
		t.Errorf("the change's audit entry: %+v, %v", log, err)
	}
	// A mistyped address is answered in his language too.
	if a := en.get("/admin/no-such-page"); a.status != http.StatusNotFound || !strings.Contains(a.body, "Esa página no existe") {
		t.Errorf("a page that does not exist: %d\n%s", a.status, a.body)
	}
	// A language without a staff catalogue is refused, in his language.
	a = en.post("/admin/account", "/admin/account/language", url.Values{"lang": {"xx"}})
	if page := html.UnescapeString(a.body); a.status != http.StatusBadRequest || !strings.Contains(page, "Elija un idioma.") {
		t.Errorf("an unknown language: %d\n%s", a.status, page)
	}
	// Without the form token nothing changes.
	if a := en.do("POST", "/admin/account/language", url.Values{"lang": {"en"}}); a.status != http.StatusForbidden {
		t.Errorf("a change without the form token: %d", a.status)
	}
	has("bob", read(en, "/admin/"), `<html lang="es"`)

	// Before sign-in, the browser's language among the staff ones.
	stranger := h.browser()
	has("stranger", read(stranger, "/admin/login", "Accept-Language", "es-MX,es;q=0.9"), `<html lang="es"`, "Iniciar sesión", "Contraseña")
	page = read(stranger, "/admin/login", "Accept-Language", "de-DE,de;q=0.9")
	has("stranger", page, `<html lang="en"`, "Sign in", "Password")
	a = stranger.do("POST", "/admin/login", url.Values{"email": {"ana@example.org"}, "password": {"wrong password!"}}, "Accept-Language", "es")
	has("stranger", html.UnescapeString(a.body), "El correo electrónico o la contraseña no son correctos")
}

// TestNotesKeepTheirArguments: a flash note travels in the URL as its key
// and arguments, numbers as numbers, and is said in the reader's language.
func TestNotesKeepTheirArguments(t *testing.T) {
	cat, err := staffCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	note := say("flash.user-added", "Email", "a=b@example.org")
	got, ok := decodeNote(encodeNote(note)).(msg)
	if !ok || got.Key != note.Key || len(got.Args) != 2 || got.Args[1] != "a=b@example.org" {
		t.Fatalf("decoded %#v, want %#v", got, note)
	}
	if s := text(cat.Localizer("es"), got); s != "Cuenta a=b@example.org añadida." {
		t.Errorf("in Spanish: %q", s)
	}
	counted, _ := decodeNote(encodeNote(say("label.people", "Count", 1))).(msg)
	if s := text(cat.Localizer("en"), counted); s != "1 person" {
		t.Errorf("a counted note: %q", s)
	}
	// Words that are no key pass as they are.
	if s := text(cat.Localizer("es"), decodeNote("Saved, as before.")); s != "Saved, as before." {
		t.Errorf("plain words: %q", s)
	}
}
