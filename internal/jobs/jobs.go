// Package jobs runs Vigil's background work inside `vigil serve`: closing
// actions at their deadline, reminding and purging unconfirmed supporters,
// emptying sent emails past their retention, erasing supporters inactive
// past theirs (once a day), and queueing confirmed appeals for their targets within each action's sending hours and daily
// cap.
package jobs

import (
	"context"
	"log/slog"
	"time"

	"vigil/internal/model"
	"vigil/internal/notify"
	"vigil/internal/store"
)

// Store is what the jobs ask of the database; the adapters (store/sqlite,
// store/postgres) provide it, and cli hands one in. Each method does what
// package store documents for it.
type Store interface {
	Exclusive(ctx context.Context, name string, fn func(context.Context) error) (bool, error)
	CloseExpired(ctx context.Context, now time.Time) (int, error)
	RemindUnconfirmed(ctx context.Context, before, now time.Time, compose func(store.Pending) (model.OutboxMessage, error)) (int, error)
	PurgeUnconfirmed(ctx context.Context, before, now time.Time) (int, error)
	DropSentBodies(ctx context.Context, sentBefore time.Time) (int, error)
	EraseInactive(ctx context.Context, before, now time.Time) (int, error)
	ActionsWithWaitingAppeals(ctx context.Context) ([]model.Action, error)
	QueueAppeals(ctx context.Context, q store.QueueAppeals, compose store.ComposeAppeals) (int, error)
}

// Mailer is the outbox worker (delivery.Worker): woken after a job
// queues email, it sends it now rather than at its next poll.
type Mailer interface {
	Wake()
}

// Pages is the public site's page cache (web.Server): told when a job
// changed what pages show (an action closed at its deadline), it renders
// them again.
type Pages interface {
	ContentChanged()
}

// Runner runs the jobs every Interval.
type Runner struct {
	Store         Store
	Composer      *notify.Composer
	Log           *slog.Logger
	Now           func() time.Time
	ReminderAfter time.Duration
	PurgeAfter    time.Duration
	// MailRetention is how long a sent email keeps its sealed body
	// (recipients and text); 0 keeps it.
	MailRetention time.Duration
	// RetentionMonths is how long a supporter is kept after their last
	// sign of life (model.RetentionLimit); 0 keeps everyone. The erasure
	// runs once a day (RetentionEvery).
	RetentionMonths int
	Interval        time.Duration // default one minute
	Mailer          Mailer        // may be nil
	Pages           Pages         // may be nil

	lastRetention time.Time // when this runner last erased inactive supporters
}

// RetentionEvery is how often the runner erases inactive supporters: once
// a day is enough for a limit counted in months, and keeps the query off
// the minute-by-minute jobs.
const RetentionEvery = 24 * time.Hour

// Run runs the jobs until ctx ends.
func (r *Runner) Run(ctx context.Context) error {
	interval := r.Interval
	if interval <= 0 {
		interval = time.Minute
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		r.Once(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Once runs every job one time, in one instance at a time when several
// share the database; errors are logged, and one job's failure does not
// stop the others. Work cut short by shutdown is not an error.
func (r *Runner) Once(ctx context.Context) {
	ran, err := r.Store.Exclusive(ctx, "background-jobs", func(ctx context.Context) error {
		r.once(ctx)
		return nil
	})
	if err != nil && ctx.Err() == nil {
		r.Log.Error("background jobs", "err", err)
	} else if !ran {
		r.Log.Debug("background jobs running in another instance")
	}
}

func (r *Runner) once(ctx context.Context) {
	now := r.Now()
	log := &quietOnShutdown{ctx: ctx, log: r.Log}
	if n, err := r.Store.CloseExpired(ctx, now); err != nil {
		log.Error("closing expired actions", "err", err)
	} else if n > 0 {
		r.Log.Info("actions closed at their deadline", "count", n)
		if r.Pages != nil {
			r.Pages.ContentChanged()
		}
	}
	if r.ReminderAfter > 0 {
		n, err := r.Store.RemindUnconfirmed(ctx, now.Add(-r.ReminderAfter), now, func(p store.Pending) (model.OutboxMessage, error) {
			return r.Composer.Reminder(p.Supporter, p.Action, p.Participation.ID, now)
		})
		if err != nil {
			log.Error("reminding unconfirmed supporters", "err", err)
		} else if n > 0 {
			r.Log.Info("reminders queued", "count", n)
			r.wake()
		}
	}
	if r.PurgeAfter > 0 {
		if n, err := r.Store.PurgeUnconfirmed(ctx, now.Add(-r.PurgeAfter), now); err != nil {
			log.Error("purging unconfirmed participations", "err", err)
		} else if n > 0 {
			r.Log.Info("unconfirmed participations purged", "count", n)
		}
	}
	if r.MailRetention > 0 {
		if n, err := r.Store.DropSentBodies(ctx, now.Add(-r.MailRetention)); err != nil {
			log.Error("dropping sent emails' bodies", "err", err)
		} else if n > 0 {
			r.Log.Info("sent emails past their retention emptied", "count", n)
		}
	}
	if r.RetentionMonths > 0 && (r.lastRetention.IsZero() || now.Sub(r.lastRetention) >= RetentionEvery) {
		// Erased one by one through EraseSupporter: webhook receivers are
		// told, counts kept. Running again erases nobody twice.
		n, err := r.Store.EraseInactive(ctx, model.RetentionLimit(now, r.RetentionMonths), now)
		if err != nil {
			log.Error("erasing inactive supporters", "err", err)
		} else {
			r.lastRetention = now
			if n > 0 {
				r.Log.Info("inactive supporters erased", "count", n, "months", r.RetentionMonths)
			}
		}
	}
	if n := r.queueAppeals(ctx, now, log); n > 0 {
		r.Log.Info("appeals queued for delivery", "count", n)
		r.wake()
	}
}

func (r *Runner) wake() {
	if r.Mailer != nil {
		r.Mailer.Wake()
	}
}

// queueAppeals queues waiting appeals of every action whose sending window
// is open now in its targets' time zone.
func (r *Runner) queueAppeals(ctx context.Context, now time.Time, log *quietOnShutdown) int {
	actions, err := r.Store.ActionsWithWaitingAppeals(ctx)
	if err != nil {
		log.Error("listing waiting appeals", "err", err)
		return 0
	}
	total := 0
	for _, a := range actions {
		// A closed action sends nothing more: its case may have ended
		// ("no further action is requested"). Its waiting appeals stay
		// recorded, undelivered.
		if !a.IsOpen(now) {
			continue
		}
		open, dayStart := SendingWindow(a, now)
		if !open {
			continue
		}
		digest := a.Delivery == model.DeliverDigest
		n, err := r.Store.QueueAppeals(ctx, store.QueueAppeals{
			ActionID: a.ID, Now: now, DayStart: dayStart, Cap: a.DailyCap, Digest: digest,
		}, func(a model.Action, t model.Target, letters []store.AppealLetter) ([]model.OutboxMessage, error) {
			if digest {
				m, err := r.Composer.Digest(a, t, letters, now)
				return []model.OutboxMessage{m}, err
			}
			msgs := make([]model.OutboxMessage, 0, len(letters))
			for _, l := range letters {
				m, err := r.Composer.Appeal(a, t, l.Supporter, l.Participation, now)
				if err != nil {
					return nil, err
				}
				msgs = append(msgs, m)
			}
			return msgs, nil
		})
		if err != nil {
			log.Error("queueing appeals", "action", a.Slug, "err", err)
			continue
		}
		total += n
	}
	return total
}

// SendingWindow reports whether now falls within the action's sending
// hours in its targets' time zone, and when today began there. An unknown
// time zone counts as UTC.
func SendingWindow(a model.Action, now time.Time) (open bool, dayStart time.Time) {
	loc, err := time.LoadLocation(a.TimeZone)
	if err != nil || a.TimeZone == "" {
		loc = time.UTC
	}
	local := now.In(loc)
	dayStart = time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	from, to := a.SendFromHour, a.SendToHour
	if to <= 0 || to > 24 {
		to = 24
	}
	h := local.Hour()
	if from <= to {
		open = h >= from && h < to
	} else { // a window across midnight, e.g. 22 to 6
		open = h >= from || h < to
	}
	return open, dayStart
}

// quietOnShutdown logs errors, except those caused by the context ending.
type quietOnShutdown struct {
	ctx context.Context
	log *slog.Logger
}

func (q *quietOnShutdown) Error(msg string, args ...any) {
	if q.ctx.Err() != nil {
		return
	}
	q.log.Error(msg, args...)
}
