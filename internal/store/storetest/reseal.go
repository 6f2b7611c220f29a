package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"maps"
	"reflect"
	"strings"
	"testing"

	"vigil/internal/model"
	"vigil/internal/secret"
	"vigil/internal/store"
	"vigil/internal/store/sqlcore"
)

// NewDatabase makes a fresh, empty database for one test and returns how to
// open it, migrated, with given keys: each call opens the same database
// again, as an instance restarted with another key file would.
type NewDatabase func(t *testing.T) func(keys *secret.Keys) DumpStore

// RunReseal runs the key rotation tests.
func RunReseal(t *testing.T, newDB NewDatabase) {
	t.Run("RetiresOldKeys", func(t *testing.T) { testResealRetiresOldKeys(t, newDB) })
	t.Run("LeavesWhatItCannotOpen", func(t *testing.T) { testResealLeavesWhatItCannotOpen(t, newDB) })
}

// keyLine is a line of a key file with a fresh random key.
func keyLine(prefix string) string {
	key := make([]byte, secret.KeySize)
	rand.Read(key)
	return prefix + " " + base64.RawURLEncoding.EncodeToString(key) + "\n"
}

func parseKeys(t *testing.T, lines ...string) *secret.Keys {
	t.Helper()
	keys, err := secret.Parse([]byte(strings.Join(lines, "")))
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// sealedIDs counts, in the database itself, the values of every column
// named *sealed by their first byte (the id of the key that sealed them).
func sealedIDs(t *testing.T, d store.Dumper) map[byte]int {
	t.Helper()
	counts := map[byte]int{}
	for _, rows := range DumpRows(t, d) {
		for _, r := range rows {
			for col, v := range r {
				if b, ok := v.([]byte); ok && strings.HasSuffix(col, "sealed") && len(b) > 0 {
					counts[b[0]]++
				}
			}
		}
	}
	return counts
}

// testResealRetiresOldKeys rotates the seal key and the index key of a
// whole installation: after vigil reseal no value is under the old seal
// key, and a key file without it opens everything and finds every
// supporter, as the installation read before.
func testResealRetiresOldKeys(t *testing.T, newDB NewDatabase) {
	ctx := context.Background()
	// Two rows a batch: every table takes several.
	defer func(n int) { sqlcore.ResealBatch = n }(sqlcore.ResealBatch)
	sqlcore.ResealBatch = 2
	index1, index2, token := keyLine("index"), keyLine("index"), keyLine("token")
	seal1, seal2 := keyLine("seal 1"), keyLine("seal 2")
	before := parseKeys(t, index1, token, seal1)
	open := newDB(t)
	a := open(before)
	fx := FillDump(t, a, before)
	// A copy, as it was, to read the answers from.
	refKeys := parseKeys(t, index1, token, seal1, seal2)
	ref := newDB(t)(refKeys)
	dumpCopy(t, ref, a)

	ids := sealedIDs(t, a)
	total := ids[1]
	if len(ids) != 1 || total < 20 {
		t.Fatalf("the installation's sealed values by key: %v, want many under key 1 only", ids)
	}
	if got, err := a.SealedKeyIDs(ctx); err != nil || !maps.Equal(got, ids) {
		t.Fatalf("SealedKeyIDs = %v, %v; the database holds %v", got, err, ids)
	}

	// The new seal key is added, the index key replaced (Vigil stopped),
	// and Reseal interrupted after its first batch of two supporters.
	rotating := open(parseKeys(t, index2, token, seal1, seal2))
	stopped, stop := context.WithCancel(ctx)
	batches := 0
	rep, err := rotating.Reseal(stopped, func(p store.ResealProgress) {
		batches++
		stop()
	})
	if !errors.Is(err, context.Canceled) || batches != 1 || rep.Resealed == 0 {
		t.Fatalf("interrupted reseal: %d batches, %+v, %v; want it stopped after one, having resealed some", batches, rep, err)
	}
	if got, _ := rotating.SealedKeyIDs(ctx); got[1] == 0 || got[2] == 0 || got[1]+got[2] != total {
		t.Fatalf("after an interrupted reseal: %v, want %d values under keys 1 and 2", got, total)
	}
	first := rep

	// Run again: it finishes what is left.
	var tables []string
	rep, err = rotating.Reseal(ctx, func(p store.ResealProgress) {
		if len(tables) == 0 || tables[len(tables)-1] != p.Table {
			tables = append(tables, p.Table)
		}
	})
	if err != nil || first.Resealed+rep.Resealed != total || rep.Changed != 0 || rep.Unreadable != 0 ||
		first.Reindexed+rep.Reindexed != len(fx.Emails) {
		t.Fatalf("reseal: %+v, %v; want %d values resealed in all (%d before) and %d supporters re-indexed (%d before)",
			rep, err, total, first.Resealed, len(fx.Emails), first.Reindexed)
	}
	t.Logf("resealed %d values (%d in the first batch), then the tables %v; re-indexed %d supporters",
		total, first.Resealed, tables, first.Reindexed+rep.Reindexed)
	if got := sealedIDs(t, rotating); len(got) != 1 || got[2] != total {
		t.Fatalf("the database holds sealed values by key %v, want all %d under key 2", got, total)
	}
	if got, err := rotating.SealedKeyIDs(ctx); err != nil || len(got) != 1 || got[2] != total {
		t.Fatalf("SealedKeyIDs = %v, %v", got, err)
	}

	// Again: nothing left to do.
	if rep, err := rotating.Reseal(ctx, nil); err != nil || !reflect.DeepEqual(rep, store.ResealReport{}) {
		t.Fatalf("a second reseal: %+v, %v; want nothing done", rep, err)
	}

	// Key 1 and the old index key are gone from the key file: everything
	// opens, every supporter is found by their address.
	after := parseKeys(t, index2, token, seal2)
	retired := open(after)
	want := resealedOutbox{Store: ref, t: t, got: retired, wantKeys: refKeys, gotKeys: after}
	compareThroughStore(t, "resealed, old keys removed", want, retired, after, fx)
}

// resealedOutbox reads want, except that an outbox message comes with the
// sealed body got holds once both open to the same message: resealing
// changes the bytes, not what they say.
type resealedOutbox struct {
	Store
	t                 *testing.T
	got               Store
	wantKeys, gotKeys *secret.Keys
}

func (r resealedOutbox) OutboxMessage(ctx context.Context, id int64) (model.OutboxMessage, error) {
	w, err := r.Store.OutboxMessage(ctx, id)
	if err != nil || len(w.Sealed) == 0 {
		return w, err
	}
	g, err := r.got.OutboxMessage(ctx, id)
	if err != nil {
		return w, nil // compareThroughStore reports it
	}
	wp, werr := r.wantKeys.Open(w.Sealed, secret.AD("outbox", "sealed", w.MessageID))
	gp, gerr := r.gotKeys.Open(g.Sealed, secret.AD("outbox", "sealed", g.MessageID))
	if werr != nil || gerr != nil || !bytes.Equal(wp, gp) {
		r.t.Errorf("outbox message %d: resealed it opens as %q (%v), it was %q (%v)", id, gp, gerr, wp, werr)
		return w, nil
	}
	w.Sealed = g.Sealed
	return w, nil
}

// testResealLeavesWhatItCannotOpen: values sealed under a key the key
// file lacks are counted and named, and left as they are.
func testResealLeavesWhatItCannotOpen(t *testing.T, newDB NewDatabase) {
	ctx := context.Background()
	index, token := keyLine("index"), keyLine("token")
	open := newDB(t)
	keys := parseKeys(t, index, token, keyLine("seal 1"))
	a := open(keys)
	FillDump(t, a, keys)
	want := DumpRows(t, a)
	total := sealedIDs(t, a)[1]

	wrong := open(parseKeys(t, index, token, keyLine("seal 3")))
	rep, err := wrong.Reseal(ctx, nil)
	if err != nil || rep.Resealed != 0 || rep.Unreadable != total || len(rep.Unopened) == 0 ||
		!strings.Contains(rep.Unopened[0], "unknown seal key id 1") {
		t.Fatalf("reseal without the key: %+v, %v; want %d values unreadable, named", rep, err, total)
	}
	CompareRows(t, "after a reseal without the key", want, DumpRows(t, a))
}
