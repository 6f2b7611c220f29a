package groupcommit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"vigil/internal/model"
	"vigil/internal/store"
)

// TestBatchesGatherUnderLoad: while a commit is in flight, requests gather
// into the next batch; each gets its own answer, none before its commit.
func TestBatchesGatherUnderLoad(t *testing.T) {
	var mu sync.Mutex
	var sizes []int
	committed := map[string]bool{}
	q := Start(50, func(batch []*Request) {
		time.Sleep(5 * time.Millisecond) // a commit's fsync
		mu.Lock()
		defer mu.Unlock()
		sizes = append(sizes, len(batch))
		for _, r := range batch {
			if r.P.ActionSlug == "closed" {
				r.Err = errors.New("closed")
				continue
			}
			committed[r.P.Supporter.Email] = true
			r.Res = store.Participated{SupporterID: int64(len(committed))}
		}
	})
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Go(func() {
			slug := "open"
			if i%20 == 0 {
				slug = "closed"
			}
			res, err := q.Submit(context.Background(), store.Participate{ActionSlug: slug,
				Supporter: model.Supporter{Email: fmt.Sprintf("s%d@example.org", i)}})
			if slug == "closed" && err == nil {
				t.Errorf("request %d: a refused request was answered as stored", i)
			}
			if slug == "open" && (err != nil || res.SupporterID == 0) {
				t.Errorf("request %d: %+v %v", i, res, err)
			}
		})
	}
	wg.Wait()
	q.Stop()
	total, most := 0, 0
	for _, n := range sizes {
		total += n
		most = max(most, n)
	}
	if total != 200 || most > 50 {
		t.Errorf("batches %v: %d requests, largest %d; want 200, at most 50", sizes, total, most)
	}
	if len(committed) != 190 {
		t.Errorf("%d participations committed, want 190", len(committed))
	}
	if len(sizes) >= 200 {
		t.Errorf("%d batches for 200 concurrent requests: nothing gathered", len(sizes))
	}
	if _, err := q.Submit(context.Background(), store.Participate{}); !errors.Is(err, ErrClosed) {
		t.Errorf("after Stop: %v, want ErrClosed", err)
	}
	q.Stop() // twice is fine
}
