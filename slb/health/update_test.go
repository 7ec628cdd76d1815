package health

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"sipslb/slb/status"
)

// TestProbesSpreadOverInterval: 20 targets with one interval probe one after
// another across it, not in a burst.
func TestProbesSpreadOverInterval(t *testing.T) {
	t.Parallel()
	const n = 20
	const interval = 500 * time.Millisecond
	r := newResponder(t, "127.77.40.1:5060", always(200))
	p, _ := startProber(t)
	checks := map[Key]Check{}
	for i := range n {
		c := testCheck(r.addr, "127.77.40.2")
		c.Interval = interval
		checks[Key{Real: fmt.Sprintf("rs%02d", i), Port: 5060}] = c
	}
	mustUpdate(t, p, checks)
	// Measure two whole intervals after the first round.
	time.Sleep(interval + interval/2)
	from := time.Now()
	time.Sleep(2 * interval)
	to := time.Now()
	var times []time.Time
	for _, req := range r.requests() {
		if !req.at.Before(from) && req.at.Before(to) {
			times = append(times, req.at)
		}
	}
	if len(times) < 2*n-6 || len(times) > 2*n+6 {
		t.Fatalf("%d probes in two intervals, want about %d", len(times), 2*n)
	}
	// Evenly spaced, a window of interval/10 holds 2 probes; a burst would
	// put all 20 in one.
	window := interval / 10
	most := 0
	for i := range times {
		k := 0
		for j := i; j < len(times) && times[j].Sub(times[i]) < window; j++ {
			k++
		}
		most = max(most, k)
	}
	if most > n/2 {
		t.Errorf("%d probes within %v; want them spread (about 2)", most, window)
	}
	t.Logf("%d probes in %v, at most %d in any %v window", len(times), to.Sub(from), most, window)
}

// TestUpdate covers live reconfiguration.
func TestUpdate(t *testing.T) {
	t.Parallel()
	r := newResponder(t, "127.77.41.1:5060", always(200))
	other := newResponder(t, "127.77.41.3:5060", always(503))
	p, log := startProber(t)
	a := Key{Real: "a", Port: 5060}
	b := Key{Real: "b", Port: 5060}
	ca := testCheck(r.addr, "127.77.41.2")
	cb := testCheck(r.addr, "127.77.41.2")
	mustUpdate(t, p, map[Key]Check{a: ca, b: cb})
	waitFor(t, 5*time.Second, "both up", func() bool { return stateOf(p, a) == status.Up && stateOf(p, b) == status.Up })

	// Changed parameters, same target: state and counters stay.
	before := p.Status()[a]
	ca.Fall, ca.Rise, ca.Accept = 2, 1, Codes(200, 202)
	ca.Timeout = 150 * time.Millisecond
	mustUpdate(t, p, map[Key]Check{a: ca, b: cb})
	after := p.Status()[a]
	if after.State != status.Up || after.ProbesSent < before.ProbesSent || !after.LastChange.Equal(before.LastChange) {
		t.Fatalf("reconfigured target lost its state: before %+v after %+v", before, after)
	}

	// The new parameters apply: 200 is no longer accepted, and Fall=2
	// failing probes take it to Failing.
	ca.Accept = Codes(202)
	mustUpdate(t, p, map[Key]Check{a: ca, b: cb})
	waitFor(t, 5*time.Second, "a failing", func() bool { return stateOf(p, a) == status.Failing })
	if st := p.Status()[a]; st.ConsecutiveFailures != 2 || st.LastResult.Code != 200 {
		t.Errorf("failing after %d failures (%v), want 2 on code 200", st.ConsecutiveFailures, st.LastResult)
	}

	// Admin disable: AdminDisabled at once, not eligible, no probes.
	ca.Disabled = true
	mustUpdate(t, p, map[Key]Check{a: ca, b: cb})
	if stateOf(p, a) != status.Disabled || p.Healthy(a) {
		t.Fatalf("disabled: state %v healthy %v", stateOf(p, a), p.Healthy(a))
	}
	time.Sleep(testTimeout) // let a probe already out finish
	sent := p.Status()[a].ProbesSent
	time.Sleep(3 * testInterval)
	if st := p.Status()[a]; st.ProbesSent != sent || st.State != status.Disabled {
		t.Fatalf("disabled target probed: %d -> %d probes, state %v", sent, st.ProbesSent, st.State)
	}

	// Re-enable: Unknown (eligible), then the first probe decides.
	ca.Disabled = false
	ca.Accept = Codes(200)
	mustUpdate(t, p, map[Key]Check{a: ca, b: cb})
	if stateOf(p, a) != status.Unknown || !p.Healthy(a) {
		t.Fatalf("re-enabled: state %v healthy %v", stateOf(p, a), p.Healthy(a))
	}
	waitFor(t, 5*time.Second, "a up again", func() bool { return stateOf(p, a) == status.Up })

	// A new target address starts over.
	cb.Target = other.addr
	mustUpdate(t, p, map[Key]Check{a: ca, b: cb})
	if st := p.Status()[b]; st.State != status.Unknown || st.ProbesSent != 0 || st.Target != other.addr {
		t.Fatalf("moved target kept old state: %+v", st)
	}
	waitFor(t, 5*time.Second, "b failing at its new address", func() bool { return stateOf(p, b) == status.Failing })

	// An invalid set changes nothing and names the bad key.
	bad := ca
	bad.Timeout = bad.Interval
	err := p.Update(map[Key]Check{a: bad})
	if err == nil || !strings.Contains(err.Error(), "a:5060") {
		t.Fatalf("Update with a bad check: %v", err)
	}
	if len(p.Status()) != 2 {
		t.Fatalf("failed update changed the targets: %v", p.Status())
	}

	// Removal stops probing at once and makes no more events.
	waitEvents(t, log, 8)
	mustUpdate(t, p, map[Key]Check{a: ca})
	if _, ok := p.Status()[b]; ok || p.Healthy(b) {
		t.Fatal("removed target still reported")
	}
	nb, nEvents := len(other.requests()), len(log.events())
	time.Sleep(3 * testInterval)
	if got := len(other.requests()); got > nb+1 { // one may have been in flight
		t.Errorf("removed target still probed: %d -> %d", nb, got)
	}
	for _, ev := range log.events()[nEvents:] {
		if ev.Key == b {
			t.Errorf("event after removal: %+v", ev)
		}
	}

	want := []string{
		"a unknown>up", "b unknown>up", "a up>failing", "a failing>disabled",
		"a disabled>unknown", "a unknown>up", "b up>unknown", "b unknown>failing",
	}
	var got []string
	for _, ev := range waitEvents(t, log, len(want)) {
		got = append(got, fmt.Sprintf("%s %v>%v", ev.Key.Real, ev.From, ev.To))
	}
	if !sameEvents(got, want) {
		t.Errorf("events\n got %q\nwant %q (per key order)", got, want)
	}
}

// sameEvents compares per-key sequences: the order between keys depends on
// scheduling, the order within one key does not.
func sameEvents(got, want []string) bool {
	split := func(evs []string) map[string][]string {
		m := map[string][]string{}
		for _, e := range evs {
			k, _, _ := strings.Cut(e, " ")
			m[k] = append(m[k], e)
		}
		return m
	}
	g, w := split(got), split(want)
	if len(g) != len(w) {
		return false
	}
	for k, ws := range w {
		if strings.Join(g[k], ",") != strings.Join(ws, ",") {
			return false
		}
	}
	return true
}

// TestCloseStopsEverything: after Close no probe goes out, no event is
// delivered and Update fails.
func TestCloseStopsEverything(t *testing.T) {
	t.Parallel()
	r := newResponder(t, "127.77.42.1:5060", silent)
	log := &eventLog{}
	p := New(Options{Logger: slog.New(slog.NewTextHandler(t.Output(), nil)), OnEvent: log.add})
	k := Key{Real: "rs", Port: 5060}
	c := testCheck(r.addr, "127.77.42.2")
	c.Timeout = 180 * time.Millisecond
	mustUpdate(t, p, map[Key]Check{k: c})
	waitFor(t, 5*time.Second, "a probe out", func() bool { return len(r.requests()) >= 1 })
	start := time.Now()
	p.Close() // a probe is in flight: Close must not wait for its timeout
	if took := time.Since(start); took > c.Timeout/2+50*time.Millisecond {
		t.Errorf("Close took %v", took)
	}
	n, evs := len(r.requests()), len(log.events())
	time.Sleep(3 * testInterval)
	if len(r.requests()) != n || len(log.events()) != evs {
		t.Errorf("activity after Close: probes %d -> %d, events %d -> %d", n, len(r.requests()), evs, len(log.events()))
	}
	if err := p.Update(map[Key]Check{k: c}); err != ErrClosed {
		t.Errorf("Update after Close = %v", err)
	}
	if len(p.Status()) != 0 {
		t.Error("Status after Close not empty")
	}
}

// TestOnEventMayCallBack: the callback can read and reconfigure the prober.
func TestOnEventMayCallBack(t *testing.T) {
	t.Parallel()
	r := newResponder(t, "127.77.43.1:5060", always(200))
	k := Key{Real: "rs", Port: 5060}
	c := testCheck(r.addr, "127.77.43.2")
	var p *Prober
	seen := make(chan status.Health, 4)
	p = New(Options{Logger: slog.New(slog.NewTextHandler(t.Output(), nil)), OnEvent: func(ev Event) {
		seen <- p.Status()[ev.Key].State
		if ev.To == status.Up {
			d := c
			d.Disabled = true
			p.Update(map[Key]Check{k: d})
		}
	}})
	t.Cleanup(p.Close)
	mustUpdate(t, p, map[Key]Check{k: c})
	waitFor(t, 5*time.Second, "disabled from the callback", func() bool { return stateOf(p, k) == status.Disabled })
	select {
	case s := <-seen:
		if s != status.Up {
			t.Errorf("Status in callback: %v", s)
		}
	case <-time.After(time.Second):
		t.Fatal("no callback")
	}
}
