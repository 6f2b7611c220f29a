package httpx

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Sign-ins are admitted in cheap steps before any password is hashed
// (argon2id: 64 MiB and both cores for a moment each; see BENCHMARKS.md,
// "Password hash"), so that a flood from one client costs little and
// never makes anyone else wait behind it:
//
//  1. at most maxSigninsInFlight sign-ins per client network at once,
//     waiting or hashing; more are refused at once;
//  2. a token from the network's bucket, taken before hashing (given back
//     when the password was right, or when nothing was hashed), so
//     concurrent guesses cannot all pass a check made before any of them
//     failed;
//  3. one password check at a time per network, then one of MaxHashing
//     slots for everyone, waited for briefly; when too many already wait,
//     the answer comes at once.
//
// The per-account lock (store.Staff.LoginFailed) is kept per account and
// client network too, so wrong passwords from one network never lock the
// account's owner out of another.
const (
	// MaxHashing is how many password checks may run at once: each holds
	// 64 MiB while it runs.
	MaxHashing = 2
	// maxHashQueue is how many sign-ins may wait for a hashing slot; the
	// next is answered at once rather than queued behind them.
	maxHashQueue = 8
	// maxHashWait bounds the wait for a slot, so a sign-in never hangs
	// behind a queue it cannot see.
	maxHashWait = 3 * time.Second
	// maxSigninsInFlight per client network: one checked, one waiting
	// its turn (two colleagues behind one office address).
	maxSigninsInFlight = 2
	// Failed sign-ins and codes per client network: enough for typos,
	// too few to try passwords across accounts. SigninBurst may fail at
	// once, then signinsPerMinute more each minute.
	signinsPerMinute = 10
	SigninBurst      = 10
	// maxSigninClients bounds the networks remembered (a few hundred
	// bytes each): staff sign in from a handful, so ten thousand is
	// already a flood, and beyond it the idle ones are forgotten.
	maxSigninClients = 10_000
)

// Why a sign-in was not admitted.
var (
	ErrSigninsTooMany  = errors.New("too many failed sign-ins from this network")
	ErrSigninsInFlight = errors.New("sign-ins from this network already in progress")
	ErrSigninsBusy     = errors.New("too many sign-ins at once")
)

// SigninGate admits sign-ins and bounds the password checks running at
// once. It lives in one instance's memory; the per-account locks are in
// the database, shared by every instance.
type SigninGate struct {
	mu      sync.Mutex
	clients map[netip.Prefix]*signinClient
	swept   time.Time
	waiting int           // sign-ins waiting for a slot
	slots   chan struct{} // password checks running
}

// signinClient is one client network's state.
type signinClient struct {
	tokens   *rate.Limiter
	inFlight int
	turn     chan struct{} // one password check at a time from a network
	seen     time.Time
}

// NewSigninGate makes a gate with no client network seen yet.
func NewSigninGate() *SigninGate {
	return &SigninGate{clients: map[netip.Prefix]*signinClient{}, slots: make(chan struct{}, MaxHashing)}
}

// Signin is one admitted attempt. End must be called once it is over.
type Signin struct {
	gate    *SigninGate
	client  *signinClient
	token   *rate.Reservation
	now     time.Time
	turn    bool // holds the network's turn
	slot    bool // holds a hashing slot
	counted bool // a guess was made: the token stays spent
}

// Admit lets one sign-in from a client network go on, or says why not;
// it neither waits nor hashes.
func (g *SigninGate) Admit(network netip.Prefix, now time.Time) (*Signin, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.sweep(now)
	c, ok := g.clients[network]
	if !ok {
		c = &signinClient{tokens: rate.NewLimiter(rate.Limit(signinsPerMinute/60.0), SigninBurst), turn: make(chan struct{}, 1)}
		g.clients[network] = c
	}
	c.seen = now
	if c.inFlight >= maxSigninsInFlight {
		return nil, ErrSigninsInFlight
	}
	token := c.tokens.ReserveN(now, 1)
	if !token.OK() || token.DelayFrom(now) > 0 {
		token.CancelAt(now)
		return nil, ErrSigninsTooMany
	}
	c.inFlight++
	return &Signin{gate: g, client: c, token: token, now: now}, nil
}

// sweep forgets networks idle for an hour, and when there are too many,
// every idle one: memory stays bounded whatever the flood.
func (g *SigninGate) sweep(now time.Time) {
	full := len(g.clients) >= maxSigninClients
	if !full && now.Sub(g.swept) < 10*time.Minute {
		return
	}
	for k, c := range g.clients {
		if c.inFlight == 0 && (full || now.Sub(c.seen) > time.Hour) {
			delete(g.clients, k)
		}
	}
	g.swept = now
}

// StartHashing waits for the network's turn, then for a hashing slot,
// briefly: ErrSigninsBusy when the queue is long or the wait too long.
func (a *Signin) StartHashing(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, maxHashWait)
	defer cancel()
	select {
	case a.client.turn <- struct{}{}:
		a.turn = true
	case <-ctx.Done():
		return ErrSigninsBusy
	}
	if err := a.gate.acquire(ctx); err != nil {
		return err
	}
	a.slot = true
	return nil
}

// Failed marks the attempt as a guess: its token is not given back.
// Nil-safe, as End is, for an attempt that was never admitted.
func (a *Signin) Failed() {
	if a != nil {
		a.counted = true
	}
}

// StopHashing gives the hashing slot and the network's turn back once the
// password work is done, before the database writes that follow.
func (a *Signin) StopHashing() {
	if a.slot {
		a.gate.release()
		a.slot = false
	}
	if a.turn {
		<-a.client.turn
		a.turn = false
	}
}

// End releases what the attempt holds and gives its token back unless it
// was a guess. The token is given back at the time it was taken: x/time
// restores only a reservation that is not yet due at the time given.
func (a *Signin) End() {
	if a == nil {
		return
	}
	a.StopHashing()
	a.gate.mu.Lock()
	defer a.gate.mu.Unlock()
	a.client.inFlight--
	if !a.counted {
		a.token.CancelAt(a.now)
	}
}

// StartHashing waits briefly for a hashing slot for work that is not a
// sign-in (a new account's first password); false when none came. A slot
// it gives is given back with DoneHashing.
func (g *SigninGate) StartHashing(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, maxHashWait)
	defer cancel()
	return g.acquire(ctx) == nil
}

// DoneHashing gives back the slot StartHashing gave.
func (g *SigninGate) DoneHashing() { g.release() }

// acquire waits for a hashing slot until ctx ends; ErrSigninsBusy at once
// when maxHashQueue already wait.
func (g *SigninGate) acquire(ctx context.Context) error {
	select {
	case g.slots <- struct{}{}:
		return nil
	default:
	}
	g.mu.Lock()
	if g.waiting >= maxHashQueue {
		g.mu.Unlock()
		return ErrSigninsBusy
	}
	g.waiting++
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		g.waiting--
		g.mu.Unlock()
	}()
	select {
	case g.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ErrSigninsBusy
	}
}

func (g *SigninGate) release() { <-g.slots }
