// Package throttle slows down guessing: it counts failed attempts per key
// (an SSH client's address, a CLI user trying enable secrets) and tells
// each new attempt how long to wait before it may be judged. Attempts of
// one throttled key are serialised through a reserved time slot, so more
// connections or sessions buy no more guesses; past a queue of MaxQueue an
// attempt is refused without being judged.
//
// The table of keys is bounded (MaxTracked, stalest evicted first) and a
// key is forgotten after Forget without failures. It imports no project
// package, so both the SSH server (sys/) and the CLI (cli/) share it.
package throttle

import (
	"sync"
	"time"
)

// Params is a schedule: Free failures are judged at once; after that the
// next attempt waits Base, doubling per further failure up to Max.
type Params struct {
	Free       int
	Base, Max  time.Duration
	MaxQueue   time.Duration // a wait beyond this: refused unjudged
	Forget     time.Duration // a key quiet this long starts afresh
	MaxTracked int
}

// Default is the schedule of SSH logins and enable secrets: 5 free
// failures, then 2 s, 4 s, ... 30 s, at most 2 minutes queued.
var Default = Params{Free: 5, Base: 2 * time.Second, Max: 30 * time.Second,
	MaxQueue: 2 * time.Minute, Forget: 15 * time.Minute, MaxTracked: 4096}

// Verdict is what the throttle says about one attempt.
type Verdict uint8

const (
	Now     Verdict = iota // judge the attempt at once
	After                  // judge it after the returned delay
	Refused                // too many attempts queued: refuse without judging
)

func (v Verdict) String() string { return [...]string{"now", "after", "refused"}[v] }

// Throttle counts failures per key K. It is safe for concurrent use.
type Throttle[K comparable] struct {
	p   Params
	mu  sync.Mutex
	now func() time.Time
	m   map[K]*failures
}

type failures struct {
	n      int
	last   time.Time // last failure
	nextAt time.Time // the earliest moment the next attempt may be judged
}

// New returns a throttle with schedule p.
func New[K comparable](p Params) *Throttle[K] {
	return &Throttle[K]{p: p, now: time.Now, m: map[K]*failures{}}
}

// Admit reserves a slot for an attempt of k and says how long it must
// wait first.
func (t *Throttle[K]) Admit(k K) (Verdict, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	f := t.m[k]
	if f != nil && now.Sub(f.last) > t.p.Forget {
		delete(t.m, k)
		f = nil
	}
	if f == nil || f.n < t.p.Free {
		return Now, 0
	}
	d := t.p.Base << min(f.n-t.p.Free, 4)
	d = min(d, t.p.Max)
	slot := f.nextAt
	if slot.Before(now) {
		slot = now
	}
	slot = slot.Add(d)
	wait := slot.Sub(now)
	if wait > t.p.MaxQueue {
		return Refused, 0
	}
	f.nextAt = slot
	return After, wait
}

// Fail records a failed attempt of k and returns the failures so far.
func (t *Throttle[K]) Fail(k K) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	f := t.m[k]
	if f == nil {
		if len(t.m) >= t.p.MaxTracked {
			t.evictLocked(now)
		}
		f = &failures{}
		t.m[k] = f
	}
	f.n++
	f.last = now
	return f.n
}

// Len is the number of keys tracked.
func (t *Throttle[K]) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.m)
}

// evictLocked makes room: forgotten entries first, else the stalest one.
func (t *Throttle[K]) evictLocked(now time.Time) {
	var oldest K
	var oldestAt time.Time
	for k, f := range t.m {
		if now.Sub(f.last) > t.p.Forget {
			delete(t.m, k)
			continue
		}
		if oldestAt.IsZero() || f.last.Before(oldestAt) {
			oldest, oldestAt = k, f.last
		}
	}
	if len(t.m) >= t.p.MaxTracked {
		delete(t.m, oldest)
	}
}
