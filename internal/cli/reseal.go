package cli

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"vigil/internal/store"
)

const resealSummary = "Seal every personal value again under the key file's newest seal key, and re-index supporters " +
	"under its index key, so that an old key can be removed (see docs/operations.md, Rotating keys). " +
	"Safe to run while Vigil serves, and to run again."

// resealPasses bounds the passes of vigil reseal: a pass that met values
// another writer changed meanwhile is followed by one that checks them.
const resealPasses = 3

func reseal(ctx context.Context, env *environment) error {
	// openStore would make a new key file where none is: no use here, and
	// a new file beside the data would be taken for its own later.
	if _, err := os.Stat(env.cfg.KeyPath()); err != nil {
		return fmt.Errorf("key file: %w (vigil reseal needs the key file that sealed the data, with the new key added)", err)
	}
	db, keys, err := openStore(ctx, env)
	if err != nil {
		return err
	}
	defer db.Close()
	current := keys.CurrentSealID()
	before, err := db.SealedKeyIDs(ctx)
	if err != nil {
		return err
	}
	env.log.Info("resealing", "db", showDB(env.cfg.DB), "current_seal_key", current, "sealed_values_by_key", byKey(before))
	start := time.Now()
	var total store.ResealReport
	for pass := 1; pass <= resealPasses; pass++ {
		last := ""
		rep, err := db.Reseal(ctx, func(p store.ResealProgress) {
			if p.Table != last || p.Rows%50000 == 0 {
				env.log.Debug("resealing", "table", p.Table, "rows_read", p.Rows)
				last = p.Table
			}
		})
		total.Resealed += rep.Resealed
		total.Reindexed += rep.Reindexed
		total.Unreadable, total.Unopened = rep.Unreadable, rep.Unopened
		if err != nil {
			return fmt.Errorf("reseal (run it again: it goes on from what is done): %w", err)
		}
		env.log.Info("reseal pass done", "pass", pass, "resealed", rep.Resealed, "reindexed", rep.Reindexed,
			"changed_meanwhile", rep.Changed, "unreadable", rep.Unreadable)
		if rep.Changed == 0 {
			break
		}
	}
	after, err := db.SealedKeyIDs(ctx)
	if err != nil {
		return err
	}
	env.log.Info("reseal done", "took", time.Since(start).Round(time.Millisecond), "resealed", total.Resealed,
		"reindexed", total.Reindexed, "sealed_values_by_key", byKey(after))
	if total.Unreadable > 0 {
		return fmt.Errorf("%d sealed values do not open with this key file (the key that sealed them is not in it, "+
			"or they were altered); they are left as they are: %s", total.Unreadable, strings.Join(total.Unopened, "; "))
	}
	var stale []string
	for id, n := range after {
		if id != current && n > 0 {
			stale = append(stale, fmt.Sprintf("%d under key %d", n, id))
		}
	}
	if len(stale) > 0 {
		slices.Sort(stale)
		return fmt.Errorf("values are still sealed under an old key (%s): an instance still running with the old key file "+
			"sealed them; restart every instance with this key file, then run vigil reseal again", strings.Join(stale, ", "))
	}
	var retired []string
	for _, id := range keys.SealKeyIDs() {
		if id != current {
			retired = append(retired, strconv.Itoa(int(id)))
		}
	}
	fmt.Fprintf(env.stdout, "Every sealed value is under seal key %d.\n", current)
	if len(retired) > 0 {
		fmt.Fprintf(env.stdout, "Seal key %s is no longer used: remove its line from the key file of every instance "+
			"(keep the old key file with the backups made before now, which need it).\n", strings.Join(retired, ", "))
	}
	return nil
}

// byKey formats counts by key id for a log line: "1:120 2:4".
func byKey(counts map[byte]int) string {
	ids := make([]int, 0, len(counts))
	for id := range counts {
		ids = append(ids, int(id))
	}
	slices.Sort(ids)
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprintf("%d:%d", id, counts[byte(id)])
	}
	return strings.Join(parts, " ")
}
