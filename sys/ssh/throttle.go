package ssh

import (
	"net/netip"
	"sync"
	"time"
)

// Throttle parameters: five failures are free (a mistyped password or
// two does not slow an admin down); after them the next attempt waits at
// least 2 s, doubling up to 30 s.
const (
	freeFailures = 5
	baseDelay    = 2 * time.Second
	maxDelay     = 30 * time.Second
	maxQueue     = 2 * time.Minute // beyond this an attempt is refused unanswered
	forgetAfter  = 15 * time.Minute
	maxTracked   = 4096
)

// throttle counts failed logins per source address and hands out waiting
// times. Attempts from one throttled address are serialised through
// nextAt, so opening more connections does not buy more guesses.
type throttle struct {
	mu  sync.Mutex
	now func() time.Time
	m   map[netip.Addr]*failures
}

type failures struct {
	n      int
	last   time.Time // last failure
	nextAt time.Time // the earliest moment the next attempt may be judged
}

func newThrottle() *throttle {
	return &throttle{now: time.Now, m: map[netip.Addr]*failures{}}
}

// verdict is what the throttle says about one attempt.
type verdict uint8

const (
	admitNow     verdict = iota // judge the attempt at once
	admitAfter                  // judge it after the returned delay
	admitRefused                // too many attempts queued: refuse without judging
)

// admit reserves a slot for an attempt from a and says how long it must
// wait first.
func (t *throttle) admit(a netip.Addr) (verdict, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	f := t.m[a]
	if f != nil && now.Sub(f.last) > forgetAfter {
		delete(t.m, a)
		f = nil
	}
	if f == nil || f.n < freeFailures {
		return admitNow, 0
	}
	d := baseDelay << min(f.n-freeFailures, 4)
	d = min(d, maxDelay)
	slot := f.nextAt
	if slot.Before(now) {
		slot = now
	}
	slot = slot.Add(d)
	wait := slot.Sub(now)
	if wait > maxQueue {
		return admitRefused, 0
	}
	f.nextAt = slot
	return admitAfter, wait
}

// fail records a failed attempt from a and returns the failures so far.
func (t *throttle) fail(a netip.Addr) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	f := t.m[a]
	if f == nil {
		if len(t.m) >= maxTracked {
			t.evictLocked(now)
		}
		f = &failures{}
		t.m[a] = f
	}
	f.n++
	f.last = now
	return f.n
}

// evictLocked makes room: forgotten entries first, else the stalest one.
func (t *throttle) evictLocked(now time.Time) {
	var oldest netip.Addr
	var oldestAt time.Time
	for a, f := range t.m {
		if now.Sub(f.last) > forgetAfter {
			delete(t.m, a)
			continue
		}
		if oldestAt.IsZero() || f.last.Before(oldestAt) {
			oldest, oldestAt = a, f.last
		}
	}
	if len(t.m) >= maxTracked {
		delete(t.m, oldest)
	}
}
