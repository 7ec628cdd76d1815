package engine

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"sipslb/slb/dataplane/live"
)

func newStallEngine(t *testing.T, stall time.Duration) *Engine {
	e := NewWithOptions(nil, Options{Workers: 2, StallAfter: stall})
	t.Cleanup(e.Close)
	return e
}

// Idle workers (no traffic at all) stay alive well past the stall limit:
// they wake to beat.
func TestAliveWhileIdle(t *testing.T) {
	const stall = 500 * time.Millisecond // wide: -race on 2 busy cores
	e := newStallEngine(t, stall)
	if err := e.Apply(cfgWith("127.31.221.100", "127.31.221.101")); err != nil {
		t.Fatal(err)
	}
	if n := len(*e.beats.Load()); n != 4 {
		t.Fatalf("%d workers watched, want 4 (2 VIPs x 2 workers)", n)
	}
	for end := time.Now().Add(3 * stall); time.Now().Before(end); time.Sleep(stall / 10) {
		if err := e.Alive(); err != nil {
			t.Fatalf("idle engine not alive: %v", err)
		}
	}
}

// A wedged worker is named once the stall limit has passed; the others
// are not, and a removed VIP's workers are no longer judged.
func TestAliveNamesWedgedWorker(t *testing.T) {
	const stall = 500 * time.Millisecond
	e := newStallEngine(t, stall)
	if err := e.Apply(cfgWith("127.31.221.110")); err != nil {
		t.Fatal(err)
	}
	e.WedgeWorker()
	var err error
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(stall / 10) {
		if err = e.Alive(); err != nil {
			break
		}
	}
	if err == nil {
		t.Fatal("Alive still nil 5s after a worker was wedged")
	}
	msg := err.Error()
	if !strings.Contains(msg, "proxy worker ") || !strings.Contains(msg, " of 127.31.221.110:5060 has not run for ") {
		t.Errorf("Alive = %q", msg)
	}
	if n := strings.Count(msg, "has not run"); n != 1 {
		t.Errorf("%d goroutines reported, want the one wedged: %q", n, msg)
	}
	// Removing the VIP closes the wedged worker's socket: it is released,
	// and no longer judged.
	if err := e.Apply(cfgWith()); err != nil {
		t.Fatal(err)
	}
	if err := e.Alive(); err != nil {
		t.Errorf("after the VIP was removed: %v", err)
	}
}

// A worker whose socket fails while the VIP is still configured is
// reported as stopped.
func TestAliveReportsLostWorker(t *testing.T) {
	e := newStallEngine(t, time.Second)
	if err := e.Apply(cfgWith("127.31.221.120")); err != nil {
		t.Fatal(err)
	}
	e.mu.Lock()
	e.listeners[netip.MustParseAddrPort("127.31.221.120:5060")].conns[1].Close()
	e.mu.Unlock()
	var err error
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if err = e.Alive(); err != nil {
			break
		}
	}
	if err == nil || !strings.Contains(err.Error(), "proxy worker 1 of 127.31.221.120:5060 stopped: ") {
		t.Errorf("Alive = %v", err)
	}
}

// After Close nothing is judged.
func TestAliveAfterClose(t *testing.T) {
	e := NewWithOptions(nil, Options{Workers: 1, StallAfter: 50 * time.Millisecond})
	if err := e.Apply(cfgWith("127.31.221.130")); err != nil {
		t.Fatal(err)
	}
	e.Close()
	time.Sleep(150 * time.Millisecond)
	if err := e.Alive(); err != nil {
		t.Errorf("closed engine: %v", err)
	}
}

// TestAliveIgnoresWallClockSteps: hearts store wall-clock time, and a
// forward step of the clock (NTP after boot, an operator's date) must not
// look like a stalled worker; a heart that really stops is still reported
// once the stall limit has passed on the monotonic clock.
func TestAliveIgnoresWallClockSteps(t *testing.T) {
	const stall = 5 * time.Second
	var h live.Heart
	h.Init(time.Second)
	b := newBeat("proxy worker 1", &h, nil)
	mono := time.Now()
	aliveMu.Lock()
	defer aliveMu.Unlock()
	// The clock jumped an hour forward: the last beat's wall time is an
	// hour behind the clock, yet the worker is running.
	h.Beat(time.Now().Add(-time.Hour).UnixNano())
	if err := b.check(mono, stall); err != nil {
		t.Fatalf("after a forward clock step: %v", err)
	}
	// It keeps beating (with wall times from before the step, as after a
	// backward step): alive.
	for i := range 10 {
		h.Beat(time.Now().Add(-2 * time.Hour).Add(time.Duration(i) * time.Second).UnixNano())
		mono = mono.Add(time.Second)
		if err := b.check(mono, stall); err != nil {
			t.Fatalf("beating worker, check %d: %v", i, err)
		}
	}
	// It stops: reported once the limit has passed since its last beat was
	// seen, not before.
	mono = mono.Add(stall)
	if err := b.check(mono, stall); err != nil {
		t.Fatalf("at the limit: %v", err)
	}
	mono = mono.Add(time.Second)
	err := b.check(mono, stall)
	if err == nil || !strings.Contains(err.Error(), "proxy worker 1 has not run for 6s (limit 5s)") {
		t.Fatalf("stopped worker: %v", err)
	}
}
