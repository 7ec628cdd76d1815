package engine

import (
	"net/netip"
	"strings"
	"testing"
	"time"
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
