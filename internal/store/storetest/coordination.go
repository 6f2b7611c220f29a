package storetest

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"vigil/internal/store"
)

// RunCoordination checks that two instances on one database hear each
// other's changes and never run the same exclusive job at once. a and b
// may be the same store where the database serves one process.
func RunCoordination(t *testing.T, a, b Store) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	heard := make(chan store.Change, 10)
	go b.Listen(ctx, func(c store.Change) { heard <- c })

	// The listener may need a moment to start: announce until heard.
	deadline := time.After(5 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
wait:
	for {
		if err := a.Announce(ctx, store.CountsChanged); err != nil {
			t.Fatal(err)
		}
		select {
		case c := <-heard:
			if c != store.CountsChanged {
				t.Fatalf("heard %q, want counts", c)
			}
			break wait
		case <-tick.C:
		case <-deadline:
			t.Fatal("an announcement was not heard within 5 s")
		}
	}
	for len(heard) > 0 {
		<-heard
	}
	if err := a.Announce(ctx, store.ContentChanged); err != nil {
		t.Fatal(err)
	}
	select {
	case c := <-heard:
		if c != store.ContentChanged && c != store.CountsChanged {
			t.Errorf("heard %q", c)
		}
	case <-time.After(5 * time.Second):
		t.Error("a content change was not heard")
	}

	// Exclusive: while a runs the job, b does not.
	var running atomic.Int32
	inside := make(chan struct{})
	release := make(chan struct{})
	done := make(chan bool)
	go func() {
		ran, err := a.Exclusive(ctx, "purge", func(context.Context) error {
			running.Add(1)
			close(inside)
			<-release
			return nil
		})
		if err != nil {
			t.Error(err)
		}
		done <- ran
	}()
	<-inside
	ran, err := b.Exclusive(ctx, "purge", func(context.Context) error {
		running.Add(1)
		return nil
	})
	if err != nil || ran {
		t.Errorf("a second instance ran the job while the first held it: %v %v", ran, err)
	}
	if ran, _ := b.Exclusive(ctx, "another-job", func(context.Context) error { return nil }); !ran {
		t.Error("a different job was blocked")
	}
	close(release)
	if !<-done {
		t.Error("the first instance did not run the job")
	}
	if ran, _ := b.Exclusive(ctx, "purge", func(context.Context) error { return nil }); !ran {
		t.Error("the job cannot run again once released")
	}
	if running.Load() != 1 {
		t.Errorf("the job ran %d times at once", running.Load())
	}
}
