package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"vigil/internal/api"
	"vigil/internal/i18n"
	"vigil/internal/model"
	"vigil/internal/secret"
	"vigil/internal/store"
)

// addUser creates a staff account. The password comes on standard input so
// that it never shows in the process list or the shell history.
func addUser(ctx context.Context, env *environment) error {
	email, err := secret.NormaliseEmail(env.cfg.Email)
	if err != nil {
		return fmt.Errorf("--email %q: not a valid email address", env.cfg.Email)
	}
	role := model.Role(env.cfg.Role)
	if !role.Valid() {
		return fmt.Errorf("--role %q: want one of %v", env.cfg.Role, model.Roles)
	}
	staff, err := i18n.LoadStaff()
	if err != nil {
		return err
	}
	if !staff.Has(env.cfg.StaffLang) {
		return fmt.Errorf("--lang %q: the staff pages are written in %s", env.cfg.StaffLang, strings.Join(staff.Languages(), ", "))
	}
	line, err := bufio.NewReader(env.stdin).ReadString('\n')
	if err != nil && line == "" {
		return errors.New("no password on standard input: e.g. read -rs PW && printf '%s\\n' \"$PW\" | vigil user add --email … --role …")
	}
	password := strings.TrimRight(line, "\r\n")
	if err := secret.CheckPasswordPolicy(password); err != nil {
		return fmt.Errorf("password: %w", err)
	}
	hash, err := secret.HashPassword(password)
	if err != nil {
		return err
	}
	db, _, err := openStore(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	u := model.StaffUser{Email: email, Role: role, Lang: env.cfg.StaffLang, PasswordHash: hash, Created: time.Now()}
	ctx = store.WithActor(ctx, model.Actor{Email: "command line", At: u.Created})
	if err := db.CreateStaffUser(ctx, &u); errors.Is(err, model.ErrConflict) {
		return fmt.Errorf("there is already a staff account for %s", email)
	} else if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "staff account %s added with role %s, reading the staff pages in %s\n", email, role, u.Lang)
	return nil
}

// unlockUser forgets a staff account's failed sign-ins from every client
// network, for its owner locked out by their own typos (others' wrong
// passwords lock only the networks they come from).
func unlockUser(ctx context.Context, env *environment) error {
	email, err := secret.NormaliseEmail(env.cfg.Email)
	if err != nil {
		return fmt.Errorf("--email %q: not a valid email address", env.cfg.Email)
	}
	db, _, err := openStore(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := db.StaffUserByEmail(ctx, email)
	if errors.Is(err, model.ErrNotFound) {
		return fmt.Errorf("there is no staff account for %s", email)
	} else if err != nil {
		return err
	}
	ctx = store.WithActor(ctx, model.Actor{Email: "command line", At: time.Now()})
	if err := db.UnlockStaffUser(ctx, u.ID); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "staff account %s unlocked\n", email)
	return nil
}

// demoEmail is the staff account the demo makes so that the admin can be
// tried at once.
const demoEmail = "admin@demo.invalid"

// demoStaff adds an admin account with a fresh random password to a demo
// installation that has no staff yet, and says so in the log.
func demoStaff(ctx context.Context, env *environment, db store.Store) error {
	users, err := db.StaffUsers(ctx)
	if err != nil || len(users) > 0 {
		return err
	}
	password := secret.RandomPassword()
	hash, err := secret.HashPassword(password)
	if err != nil {
		return err
	}
	u := model.StaffUser{Email: demoEmail, Role: model.RoleAdmin, PasswordHash: hash, Created: time.Now()}
	if err := db.CreateStaffUser(store.WithActor(ctx, model.Actor{Email: "demo", At: u.Created}), &u); err != nil {
		return err
	}
	env.log.Warn("demo staff account created: sign in at /admin/ (shown once; add your own with vigil user add)",
		"email", demoEmail, "password", password)
	// The hash took 64 MiB; give it back now, or the heap would be allowed
	// to grow to twice that before the next collection and the demo would
	// sit at 100+ MiB for nothing.
	debug.FreeOSMemory()
	return nil
}

// addAPIKey makes a key for the API and prints it once, on the last line
// of the output; the database keeps only its hash.
func addAPIKey(ctx context.Context, env *environment) error {
	name := strings.TrimSpace(env.cfg.KeyName)
	if name == "" || len(name) > 100 {
		return errors.New("--name: say what the key is for (1 to 100 characters), e.g. --name \"CRM sync\"")
	}
	scopes, err := model.ParseScopes(env.cfg.Scope)
	if err != nil {
		return fmt.Errorf("--scope %q: %w", env.cfg.Scope, err)
	}
	db, _, err := openStore(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	key, hash := api.NewKey()
	k := model.APIKey{Name: name, Hash: hash, Scopes: scopes, Created: time.Now(), CreatedBy: "command line"}
	ctx = store.WithActor(ctx, model.Actor{Email: "command line", At: k.Created})
	if err := db.CreateAPIKey(ctx, &k); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "API key %d %q added with scopes %s. It is shown once; send it in the OSDI-API-Token header:\n%s\n",
		k.ID, name, model.JoinScopes(scopes), key)
	return nil
}

// addWebhook registers a receiver of webhooks.
func addWebhook(ctx context.Context, env *environment) error {
	if err := api.CheckReceiverURL(env.cfg.HookURL); err != nil {
		return fmt.Errorf("--url %q: %w", env.cfg.HookURL, err)
	}
	if len(env.cfg.HookSecret) < 16 {
		return errors.New("--secret: at least 16 characters, shared with the receiver only (VIGIL_WEBHOOK_SECRET keeps it out of the process list)")
	}
	events, err := model.ParseEvents(env.cfg.HookEvents)
	if err != nil {
		return fmt.Errorf("--events %q: %w", env.cfg.HookEvents, err)
	}
	db, _, err := openStore(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	w := model.Webhook{URL: strings.TrimSpace(env.cfg.HookURL), Secret: env.cfg.HookSecret, Events: events,
		Created: time.Now(), CreatedBy: "command line"}
	ctx = store.WithActor(ctx, model.Actor{Email: "command line", At: w.Created})
	if err := db.CreateWebhook(ctx, &w); err != nil {
		return err
	}
	which := "every event"
	if len(events) > 0 {
		which = strings.Join(events, ", ")
	}
	fmt.Fprintf(env.stdout, "webhook %d added: %s receives %s\n", w.ID, w.URL, which)
	return nil
}
