package delivery_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"vigil/internal/delivery"
	"vigil/internal/demo"
	"vigil/internal/i18n"
	"vigil/internal/model"
	"vigil/internal/notify"
	"vigil/internal/store"
)

// A signature's emails are stored as intents and composed by the worker
// when it sends them: in the signer's language, under the Message-ID fixed
// in the transaction, again after a failed read, and not at all once the
// participation is undone.
func TestWorkerComposesIntentsWhenSending(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	if _, err := demo.Install(ctx, e.db, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	c := &notify.Composer{Keys: e.keys, Cat: cat, BaseURL: "https://vigil.test", From: "Vigil <noreply@vigil.test>", Store: e.db}
	sign := func(email, lang, wantLang string) model.OutboxMessage {
		t.Helper()
		p := store.Participate{ActionSlug: "no-mass-deportations", Now: e.clock.Now(),
			Supporter: model.Supporter{Email: email, Name: "Ana Pérez", Country: "ES", Lang: lang}}
		p.Email = c.ParticipationEmail(lang)
		res, err := e.db.Participate(ctx, p)
		if err != nil {
			t.Fatalf("participate: %v", err)
		}
		ps, err := e.db.ParticipationsOf(ctx, res.SupporterID)
		if err != nil || len(ps) != 1 {
			t.Fatalf("participations of %s: %v, %v", email, ps, err)
		}
		m, err := e.db.OutboxMessage(ctx, outboxID(t, e.db, p.Email.MessageID))
		if err != nil {
			t.Fatal(err)
		}
		if !m.Intent() || m.Kind != notify.KindConfirm || m.Lang != wantLang || m.ParticipationID != ps[0].ID ||
			m.SupporterID != res.SupporterID || strings.Contains(string(m.Sealed), email) {
			t.Fatalf("outbox row of a signature: %+v; want a %s intent in %q for participation %d", m, notify.KindConfirm, wantLang, ps[0].ID)
		}
		return m
	}
	ana := sign("ana@example.org", "es", "es")
	ben := sign("ben@example.org", "en", "en")
	// A language without a catalogue gets the default one's.
	cai := sign("cai@example.org", "cy", "en")
	// Ben says it was not him before his email goes.
	if err := e.db.RemoveParticipation(ctx, ben.ParticipationID, time.Now()); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	sent := map[string]delivery.Message{}
	failReads := 1
	e.compose = func(ctx context.Context, m model.OutboxMessage) (delivery.Message, error) {
		mu.Lock()
		fail := m.ID == ana.ID && failReads > 0
		if fail {
			failReads--
		}
		mu.Unlock()
		if fail {
			return delivery.Message{}, errors.New("database is locked")
		}
		return c.Compose(ctx, m)
	}
	w := e.worker(funcSender(func(_ context.Context, id string, m delivery.Message) error {
		mu.Lock()
		defer mu.Unlock()
		sent[id] = m
		return nil
	}))
	e.run(w)

	// The failed read is retried later, not given up.
	r := e.waitRow(ana.ID, "retried", func(r model.OutboxMessage) bool { return r.State == model.MessageQueued && r.Attempts == 1 })
	if !strings.Contains(r.LastError, "composing") {
		t.Errorf("last error %q, want it to say composing failed", r.LastError)
	}
	e.clock.Advance(time.Hour)
	w.Wake()
	e.waitState(ana.ID, model.MessageSent)
	e.waitState(cai.ID, model.MessageSent)
	r = e.waitState(ben.ID, model.MessageFailed)
	if !strings.Contains(r.LastError, "nothing to send") {
		t.Errorf("Ben's row failed with %q, want nothing to send", r.LastError)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(sent) != 2 {
		t.Fatalf("%d emails sent, want Ana's and Cai's", len(sent))
	}
	if m := sent[cai.MessageID]; !strings.Contains(m.Subject, "Please confirm") {
		t.Errorf("Cai's email, in a language Vigil does not speak: subject %q, want English", m.Subject)
	}
	m, ok := sent[ana.MessageID]
	if !ok {
		t.Fatalf("Ana's email went under another Message-ID than %s", ana.MessageID)
	}
	// Ana's address is not confirmed: she is greeted without the name
	// typed beside it, which anyone could have written.
	if len(m.To) != 1 || m.To[0] != "ana@example.org" || strings.Contains(m.Text, "Ana Pérez") || !strings.Contains(m.Text, "Hola:") ||
		!strings.Contains(m.Text, "https://vigil.test/es/confirm/") || !strings.Contains(m.Subject, "confirma:") {
		t.Errorf("Ana's email: to %v, subject %q, text:\n%s", m.To, m.Subject, m.Text)
	}
	// Composed again, the email is the same: the links count from when
	// the intent was written.
	again, err := c.Compose(ctx, ana)
	if err != nil || again.Text != m.Text || again.Subject != m.Subject {
		t.Errorf("composed again: %v\n%s\nwant\n%s", err, again.Text, m.Text)
	}
}

// outboxID is the id of the outbox row under a Message-ID, read from a
// dump of the table: claiming the row would lease it away from the worker.
func outboxID(t *testing.T, db store.Dumper, messageID string) int64 {
	t.Helper()
	var id int64
	err := db.Dump(context.Background(), func(tx store.DumpTx) error {
		return tx.DumpTable(context.Background(), "outbox", func(r store.Row) error {
			if r["message_id"] == messageID {
				id = r["id"].(int64)
			}
			return nil
		})
	})
	if err != nil || id == 0 {
		t.Fatalf("outbox row %s: id %d, %v", messageID, id, err)
	}
	return id
}
