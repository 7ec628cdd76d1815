package engine

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"sipslb/slb/dataplane/live"
)

// DefaultStallAfter is how long a data path goroutine may show no sign of
// life before Alive reports it, unless Options.StallAfter says otherwise.
const DefaultStallAfter = 5 * time.Second

// beat is one goroutine Alive watches: a data path worker, the rebuilder
// or the dialog sweeper.
type beat struct {
	name  string
	heart *live.Heart
	// done is closed when the goroutine is meant to stop (its socket or
	// link is being closed); it is then no longer judged. nil: never.
	done <-chan struct{}
	// failed holds why a worker stopped while it was still wanted.
	failed atomic.Pointer[string]

	// seen is the heart's value at the last check and seenAt the
	// monotonic time that check first saw it. A heart stores wall-clock
	// UnixNano (the data path's own time base), so its age cannot be
	// judged against the wall clock: a forward clock step would make every
	// worker look wedged. Alive judges only whether the value changed, on
	// its own monotonic clock. Guarded by aliveMu.
	seen   int64
	seenAt time.Time
}

// aliveMu serialises Alive's bookkeeping (beat.seen, seenAt). Only Alive
// takes it, and it waits for nothing while holding it.
var aliveMu sync.Mutex

func newBeat(name string, h *live.Heart, done <-chan struct{}) *beat {
	return &beat{name: name, heart: h, done: done}
}

func (b *beat) fail(err error) {
	msg := err.Error()
	b.failed.Store(&msg)
}

func (b *beat) stopping() bool {
	if b.done == nil {
		return false
	}
	select {
	case <-b.done:
		return true
	default:
		return false
	}
}

// check reports a goroutine that stopped, or whose heart has not changed
// for longer than stall, measured on the monotonic clock from the check
// that first saw its current value (so a beat is noticed at most one
// check interval late; the watchdog checks every quarter period).
// Called with aliveMu held.
func (b *beat) check(now time.Time, stall time.Duration) error {
	if b.stopping() {
		return nil
	}
	if msg := b.failed.Load(); msg != nil {
		return fmt.Errorf("%s stopped: %s", b.name, *msg)
	}
	if v := b.heart.Last(); v != b.seen || b.seenAt.IsZero() {
		b.seen, b.seenAt = v, now
	}
	if age := now.Sub(b.seenAt); age > stall {
		return fmt.Errorf("%s has not run for %v (limit %v)", b.name, age.Round(time.Millisecond), stall)
	}
	return nil
}

// wake is how often idle goroutines beat: a quarter of the stall limit,
// so that one late wake-up is never taken for a wedge.
func (e *Engine) wake() time.Duration { return e.stallAfter / 4 }

// Alive proves the data path is running: every proxy and DSR worker, the
// routing-state rebuilder and the dialog sweeper went round its loop
// within the stall limit (an idle worker wakes to do so). The error names
// each one that did not, or that stopped while its socket was still
// configured. It never waits on the engine (its one lock is its own), so
// a wedged engine cannot stall the systemd watchdog's check. Time is
// measured on the monotonic clock: wall-clock steps do not matter.
func (e *Engine) Alive() error {
	aliveMu.Lock()
	defer aliveMu.Unlock()
	now := time.Now() // carries the monotonic reading Sub uses
	var errs []error
	for _, b := range *e.beats.Load() {
		if err := b.check(now, e.stallAfter); err != nil {
			errs = append(errs, err)
		}
	}
	for _, b := range []*beat{e.rebuildBeat, e.sweepBeat} {
		if err := b.check(now, e.stallAfter); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// publishBeats makes the current workers the ones Alive watches. Called
// with e.mu held whenever listeners or the DSR link change.
func (e *Engine) publishBeats() {
	var bs []*beat
	for _, l := range e.listeners {
		bs = append(bs, l.beats...)
	}
	if cur := e.dsr.cur.Load(); cur != nil && cur.beat != nil {
		bs = append(bs, cur.beat)
	}
	if b := e.inl.beatOf(); b != nil {
		bs = append(bs, b)
	}
	e.beats.Store(&bs)
}

// runWorker drives a data path worker's loop until step fails. A failure
// while b.done is still open is a worker lost: it is logged and Alive
// reports it from then on.
func (e *Engine) runWorker(b *beat, step func() error) {
	for {
		if err := step(); err != nil {
			if !b.stopping() {
				b.fail(err)
				e.log.Error("data path worker stopped while its socket is configured", "worker", b.name, "err", err)
			}
			return
		}
		if e.wedge.Load() && e.wedge.CompareAndSwap(true, false) {
			e.log.Warn("test hook: data path worker wedged on purpose", "worker", b.name)
			select {
			case <-b.done:
			case <-e.stop:
			}
		}
	}
}

// WedgeWorker is fault injection for tests of the watchdog: the next data
// path worker to go round its loop (an idle one wakes within a quarter of
// the stall limit) stops working, as if stuck, until its socket is closed
// or the engine stops. Only the daemon's test hook (SIPSLB_TEST_WEDGE)
// calls it.
func (e *Engine) WedgeWorker() { e.wedge.Store(true) }
