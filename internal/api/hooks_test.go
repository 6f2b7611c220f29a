package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"vigil/internal/api"
	"vigil/internal/demo"
	"vigil/internal/model"
	"vigil/internal/store"
	"vigil/internal/testutil"
)

// receiver is a webhook receiver started by a test: it checks each
// delivery's signature and keeps what it was sent.
type receiver struct {
	t      *testing.T
	srv    *httptest.Server
	secret string
	mu     sync.Mutex
	got    []map[string]any // each delivery's one object
	keys   map[string]int   // idempotency key -> times received
	status int              // what it answers; 0: 200
}

func newReceiver(t *testing.T, secret string) *receiver {
	r := &receiver{t: t, secret: secret, keys: map[string]int{}}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		if sig := req.Header.Get("X-Vigil-Signature"); sig != api.Sign(r.secret, body) {
			t.Errorf("signature %q does not match the body under the secret", sig)
		}
		var items []map[string]any
		if err := json.Unmarshal(body, &items); err != nil || len(items) != 1 {
			t.Errorf("body %s: want an array of one object (%v)", body, err)
			return
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		key, _ := items[0]["idempotency_key"].(string)
		if key == "" || key != req.Header.Get("X-Vigil-Delivery") {
			t.Errorf("idempotency key %q, header %q", key, req.Header.Get("X-Vigil-Delivery"))
		}
		if r.status != 0 {
			w.WriteHeader(r.status)
			return
		}
		r.keys[key]++
		r.got = append(r.got, items[0])
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// received lists the type of each delivery received, in order.
func (r *receiver) received() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, it := range r.got {
		for k := range it {
			if k != "idempotency_key" {
				out = append(out, k)
			}
		}
	}
	return out
}

func hooksOn(st api.HookStore, now func() time.Time) *api.Hooks {
	return api.NewHooks(api.HookOptions{Store: st, BaseURL: "https://vigil.example.org", Now: now})
}

// drain sends what is due until nothing is.
func drain(t *testing.T, h *api.Hooks) {
	t.Helper()
	for range 100 {
		n, err := h.DeliverDue(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	t.Fatal("deliveries never ran out")
}

// TestWebhooksDeliverEachEvent: a signature, an outreach, a sign-up, the
// confirmations, an unsubscription and an erasure reach the receiver,
// signed, shaped as Action Network shapes them; a crash between the
// commit and the send loses nothing.
func TestWebhooksDeliverEachEvent(t *testing.T) {
	forEachStore(t, func(t *testing.T, st apiStore) {
		ctx := context.Background()
		now := testutil.Now
		if _, err := demo.Install(ctx, st, now.Add(-48*time.Hour)); err != nil {
			t.Fatal(err)
		}
		rcv := newReceiver(t, "a shared secret of some length")
		if err := st.CreateWebhook(ctx, &model.Webhook{URL: rcv.srv.URL, Secret: rcv.secret, Created: now}); err != nil {
			t.Fatal(err)
		}
		sig, err := st.Participate(ctx, store.Participate{ActionSlug: demo.DeportationsSlug, Now: now,
			Supporter:     model.Supporter{Email: "ana@example.org", Name: "Ana Pérez", Country: "VE", Lang: "es"},
			Participation: model.Participation{Comment: "Libérenlos"}})
		if err != nil {
			t.Fatal(err)
		}
		// The process stops here, before any send: a worker started
		// later finds every event.
		if _, _, err := st.ConfirmParticipation(ctx, sig.ParticipationID, now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Participate(ctx, store.Participate{ActionSlug: demo.CanadaSlug, Now: now.Add(2 * time.Minute),
			Supporter:     model.Supporter{Email: "ana@example.org", Lang: "es"},
			Participation: model.Participation{Subject: "Withdraw C-2", Letter: "Dear Minister"}}); err != nil {
			t.Fatal(err)
		}
		sub, err := st.Subscribe(ctx, store.Subscribe{Supporter: model.Supporter{Email: "carla@example.org", Lang: "fr"},
			Consent: model.Consent{Key: "newsletter", Text: "News", Source: "/subscribe"}, Now: now.Add(3 * time.Minute)},
			func(store.Subscribed) ([]model.OutboxMessage, error) { return nil, nil })
		if err != nil {
			t.Fatal(err)
		}
		if err := st.ConfirmSupporter(ctx, sub.SupporterID, now.Add(4*time.Minute), model.Consent{}); err != nil {
			t.Fatal(err)
		}
		if err := st.Unsubscribe(ctx, sub.SupporterID, now.Add(5*time.Minute)); err != nil {
			t.Fatal(err)
		}
		drain(t, hooksOn(st, func() time.Time { return now.Add(6 * time.Minute) }))
		want := []string{"osdi:signature", "vigil:confirmation", "osdi:outreach", "vigil:subscription", "vigil:confirmation",
			"vigil:unsubscription"}
		if got := rcv.received(); len(got) != len(want) || got[0] != want[0] || got[2] != want[2] || got[5] != want[5] {
			t.Fatalf("received %v, want %v", got, want)
		}
		signature := rcv.got[0]["osdi:signature"].(map[string]any)
		person := signature["person"].(map[string]any)
		email := person["email_addresses"].([]any)[0].(map[string]any)
		if signature["comments"] != "Libérenlos" || person["given_name"] != "Ana" || email["address"] != "ana@example.org" ||
			hrefs(signature, "osdi:petition")[0] == "" {
			t.Errorf("signature delivered: %v", signature)
		}
		if out := rcv.got[2]["osdi:outreach"].(map[string]any); out["message"] != "Dear Minister" || out["subject"] != "Withdraw C-2" {
			t.Errorf("outreach delivered: %v", out)
		}
		// Erased: the receiver is told to erase, and is sent nothing
		// personal.
		if err := st.EraseSupporter(ctx, sig.SupporterID, now.Add(7*time.Minute)); err != nil {
			t.Fatal(err)
		}
		drain(t, hooksOn(st, func() time.Time { return now.Add(8 * time.Minute) }))
		last := rcv.got[len(rcv.got)-1]
		erasure, ok := last["vigil:erasure"].(map[string]any)
		if !ok || erasure["identifiers"].([]any)[0] != "vigil:"+itoa(sig.SupporterID) {
			t.Fatalf("erasure delivered: %v", last)
		}
		if raw, _ := json.Marshal(last); bytes.Contains(raw, []byte("ana@example.org")) || bytes.Contains(raw, []byte("Ana")) {
			t.Errorf("the erasure carries personal data: %s", raw)
		}
		for key, n := range rcv.keys {
			if n != 1 {
				t.Errorf("delivery %s received %d times", key, n)
			}
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestWebhookClaimedThenCrashed: a worker that claimed deliveries and died
// before sending leaves them to the next once its lease runs out; they
// arrive with the same idempotency key.
func TestWebhookClaimedThenCrashed(t *testing.T) {
	st := testutil.SQLite(t)
	ctx := context.Background()
	now := testutil.Now
	if _, err := demo.Install(ctx, st, now.Add(-48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	rcv := newReceiver(t, "another shared secret")
	if err := st.CreateWebhook(ctx, &model.Webhook{URL: rcv.srv.URL, Secret: rcv.secret, Created: now}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Participate(ctx, store.Participate{ActionSlug: demo.DeportationsSlug, Now: now,
		Supporter: model.Supporter{Email: "dana@example.org", Lang: "en"}}); err != nil {
		t.Fatal(err)
	}
	claimed, err := st.ClaimDeliveries(ctx, now, now.Add(2*time.Minute), 10) // and the worker dies
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claimed %v, %v", claimed, err)
	}
	drain(t, hooksOn(st, func() time.Time { return now.Add(time.Minute) }))
	if len(rcv.got) != 0 {
		t.Fatal("sent under another worker's lease")
	}
	drain(t, hooksOn(st, func() time.Time { return now.Add(3 * time.Minute) }))
	if got := rcv.received(); len(got) != 1 || rcv.keys[claimed[0].IdempotencyKey()] != 1 {
		t.Errorf("after the lease: %v %v", got, rcv.keys)
	}
}

// TestWebhookRetriesThenFails: a receiver that refuses is tried again
// after a wait, eight times, then the delivery is failed with its status;
// the admin can send it again.
func TestWebhookRetriesThenFails(t *testing.T) {
	st := testutil.SQLite(t)
	ctx := context.Background()
	now := testutil.Now
	if _, err := demo.Install(ctx, st, now.Add(-48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	rcv := newReceiver(t, "a third shared secret")
	rcv.status = http.StatusServiceUnavailable
	w := &model.Webhook{URL: rcv.srv.URL, Secret: rcv.secret, Created: now}
	if err := st.CreateWebhook(ctx, w); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Participate(ctx, store.Participate{ActionSlug: demo.DeportationsSlug, Now: now,
		Supporter: model.Supporter{Email: "eli@example.org", Lang: "en"}}); err != nil {
		t.Fatal(err)
	}
	clock := now
	h := hooksOn(st, func() time.Time { return clock })
	var waits []time.Duration
	for range 12 {
		drain(t, h)
		ds, err := st.Deliveries(ctx, w.ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		d := ds[0]
		if d.State == model.DeliveryFailed {
			if d.Attempts != 9 || d.LastStatus != http.StatusServiceUnavailable {
				t.Errorf("failed after %d attempts, status %d", d.Attempts, d.LastStatus)
			}
			break
		}
		if d.State != model.DeliveryQueued || d.LastStatus != http.StatusServiceUnavailable {
			t.Fatalf("after a refusal: %+v", d)
		}
		waits = append(waits, d.NextAttempt.Sub(clock))
		clock = d.NextAttempt
	}
	if len(waits) != 8 || waits[0] != 30*time.Second || waits[7] != 12*time.Hour {
		t.Errorf("waits %v", waits)
	}
	rcv.status = 0
	ds, _ := st.Deliveries(ctx, w.ID, 1)
	if err := st.ResendDelivery(ctx, ds[0].ID, clock); err != nil {
		t.Fatal(err)
	}
	drain(t, h)
	if got := rcv.received(); len(got) != 1 {
		t.Errorf("after resending: %v", got)
	}
}

// TestWebhooksTwoInstancesSendOnce: two instances on one PostgreSQL, each
// with its worker, send every delivery once between them.
func TestWebhooksTwoInstancesSendOnce(t *testing.T) {
	url := testutil.Postgres(t)
	keys := testutil.Keys(t)
	a, b := testutil.PostgresStoreAt(t, url, keys), testutil.PostgresStoreAt(t, url, keys)
	ctx := context.Background()
	now := testutil.Now
	if _, err := demo.Install(ctx, a, now.Add(-48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	rcv := newReceiver(t, "the shared secret of two")
	if err := a.CreateWebhook(ctx, &model.Webhook{URL: rcv.srv.URL, Secret: rcv.secret, Created: now}); err != nil {
		t.Fatal(err)
	}
	const n = 60
	for i := range n {
		st := a
		if i%2 == 1 {
			st = b
		}
		if _, err := st.Participate(ctx, store.Participate{ActionSlug: demo.DeportationsSlug, Now: now,
			Supporter: model.Supporter{Email: "p" + strconv.Itoa(i) + "@example.org", Lang: "en"}}); err != nil {
			t.Fatal(err)
		}
	}
	clock := func() time.Time { return now.Add(time.Minute) }
	var wg sync.WaitGroup
	for _, st := range []apiStore{a, b} {
		for range 2 {
			h := hooksOn(st, clock)
			wg.Go(func() {
				for {
					k, err := h.DeliverDue(ctx)
					if err != nil {
						t.Error(err)
						return
					}
					if k == 0 {
						return
					}
				}
			})
		}
	}
	wg.Wait()
	drain(t, hooksOn(a, clock))
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	if len(rcv.keys) != n {
		t.Errorf("%d deliveries received, want %d", len(rcv.keys), n)
	}
	for key, times := range rcv.keys {
		if times != 1 {
			t.Errorf("%s received %d times", key, times)
		}
	}
}
