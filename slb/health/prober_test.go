package health

import (
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"sipslb/slb/status"
)

// Short timing for loopback tests; bounds below leave wide margins.
const (
	testInterval = 200 * time.Millisecond
	testTimeout  = 100 * time.Millisecond
)

type eventLog struct {
	mu  sync.Mutex
	evs []Event
}

func (l *eventLog) add(ev Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.evs = append(l.evs, ev)
}

func (l *eventLog) events() []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Event(nil), l.evs...)
}

func startProber(t *testing.T) (*Prober, *eventLog) {
	t.Helper()
	log := &eventLog{}
	p := New(Options{
		Logger:  slog.New(slog.NewTextHandler(t.Output(), nil)),
		OnEvent: log.add,
	})
	t.Cleanup(p.Close)
	return p, log
}

func testCheck(target netip.AddrPort, local string) Check {
	c := defaultCheck(target)
	c.Interval, c.Timeout = testInterval, testTimeout
	c.LocalAddr = netip.MustParseAddr(local)
	return c
}

// waitFor polls cond until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitEvents waits until at least n events were delivered: OnEvent runs
// on the dispatcher, a moment after Status shows the new state.
func waitEvents(t *testing.T, log *eventLog, n int) []Event {
	t.Helper()
	waitFor(t, 5*time.Second, fmt.Sprintf("%d events", n), func() bool { return len(log.events()) >= n })
	return log.events()
}

func mustUpdate(t *testing.T, p *Prober, checks map[Key]Check) {
	t.Helper()
	if err := p.Update(checks); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func stateOf(p *Prober, k Key) status.Health { return p.Status()[k].State }

func transitions(evs []Event) string {
	s := ""
	for _, ev := range evs {
		s += fmt.Sprintf("%v>%v ", ev.From, ev.To)
	}
	return s
}

func TestFirstResultDecides(t *testing.T) {
	t.Parallel()
	reg := func(c Check) Check { c.Method = MethodRegister; return c }
	strict := func(c Check) Check { c.Method, c.ChallengeHealthy = MethodRegister, false; return c }
	accept := func(codes string) func(Check) Check {
		return func(c Check) Check { c.Accept, _ = ParseCodes(codes); return c }
	}
	provisional := func(_ int, req request, _ []request) []reply {
		return []reply{{msg: answer(req, 100)}, {msg: answer(req, 200), delay: 20 * time.Millisecond}}
	}
	garbageFirst := func(_ int, req request, _ []request) []reply {
		return []reply{{msg: []byte("not sip at all")}, {msg: answer(req, 200), delay: 20 * time.Millisecond}}
	}
	tests := []struct {
		name   string
		policy policy // nil: nobody listens
		modify func(Check) Check
		state  status.Health
		result Result
	}{
		{"options 200 is up", always(200), nil, status.Up, Result{Kind: ResultAccepted, Code: 200}},
		{"options 503 is failing", always(503), nil, status.Failing, Result{Kind: ResultRejected, Code: 503}},
		{"options 401 is failing", always(401), nil, status.Failing, Result{Kind: ResultRejected, Code: 401}},
		{"register 401 challenge is healthy by default", always(401), reg, status.Up, Result{Kind: ResultAccepted, Code: 401}},
		{"register 407 challenge is healthy by default", always(407), reg, status.Up, Result{Kind: ResultAccepted, Code: 407}},
		{"register 401 with challenge-healthy off", always(401), strict, status.Failing, Result{Kind: ResultRejected, Code: 401}},
		{"register 200 with challenge-healthy off", always(200), strict, status.Up, Result{Kind: ResultAccepted, Code: 200}},
		{"accepted range", always(404), accept("200-299,404"), status.Up, Result{Kind: ResultAccepted, Code: 404}},
		{"outside accepted range", always(405), accept("200-299,404"), status.Failing, Result{Kind: ResultRejected, Code: 405}},
		{"provisional then 200 is up", provisional, nil, status.Up, Result{Kind: ResultAccepted, Code: 200}},
		{"garbage is skipped", garbageFirst, nil, status.Up, Result{Kind: ResultAccepted, Code: 200}},
		{"provisional alone is down", always(100), nil, status.Down, Result{Kind: ResultTimeout}},
		{"silence is down", silent, nil, status.Down, Result{Kind: ResultTimeout}},
		{"closed port is down by icmp", nil, nil, status.Down, Result{Kind: ResultUnreachable}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			addr := netip.MustParseAddrPort(fmt.Sprintf("127.77.10.%d:5060", i+1))
			local := fmt.Sprintf("127.77.11.%d", i+1)
			var r *responder
			if tt.policy != nil {
				r = newResponder(t, addr.String(), tt.policy)
			}
			c := testCheck(addr, local)
			if tt.modify != nil {
				c = tt.modify(c)
			}
			p, log := startProber(t)
			k := Key{Real: "rs", Port: 5060}
			start := time.Now()
			mustUpdate(t, p, map[Key]Check{k: c})
			if !p.Healthy(k) || stateOf(p, k) != status.Unknown {
				t.Fatalf("new target: state %v, healthy %v; want unknown and eligible", stateOf(p, k), p.Healthy(k))
			}
			waitFor(t, 5*time.Second, "first result", func() bool { return stateOf(p, k) != status.Unknown })
			took := time.Since(start)
			st := p.Status()[k]
			if st.State != tt.state || st.LastResult.Kind != tt.result.Kind || st.LastResult.Code != tt.result.Code {
				t.Fatalf("state %v result %+v (%s), want %v %+v", st.State, st.LastResult, st.LastError, tt.state, tt.result)
			}
			if p.Healthy(k) != tt.state.Eligible() {
				t.Errorf("Healthy = %v in state %v", p.Healthy(k), st.State)
			}
			// The first probe goes out within one interval; its result
			// ends Unknown at once. Wide margin for a loaded box.
			if limit := c.Interval + c.Timeout + 2*time.Second; took > limit {
				t.Errorf("left unknown after %v, want within %v", took, limit)
			}
			evs := waitEvents(t, log, 1)
			if len(evs) != 1 || evs[0].From != status.Unknown || evs[0].To != tt.state || evs[0].Key != k ||
				evs[0].Result != st.LastResult {
				t.Errorf("events %+v, want one unknown>%v with the result", evs, tt.state)
			}
			if r != nil && len(r.requests()) == 0 {
				t.Error("responder saw no probe")
			}
		})
	}
}

// TestICMPFailsBeforeTimeout: a closed port fails the probe when the ICMP
// error arrives, not when the timeout expires.
func TestICMPFailsBeforeTimeout(t *testing.T) {
	t.Parallel()
	c := testCheck(netip.MustParseAddrPort("127.77.12.1:5060"), "127.77.12.2")
	c.Interval, c.Timeout = 2*time.Second, 1900*time.Millisecond
	p, _ := startProber(t)
	k := Key{Real: "closed", Port: 5060}
	mustUpdate(t, p, map[Key]Check{k: c})
	waitFor(t, 5*time.Second, "first result", func() bool { return stateOf(p, k) != status.Unknown })
	st := p.Status()[k]
	if st.State != status.Down || st.LastResult.Kind != ResultUnreachable {
		t.Fatalf("state %v result %v, want down by icmp-unreachable", st.State, st.LastResult)
	}
	if st.LastResult.RTT > c.Timeout/2 {
		t.Errorf("icmp result after %v; the timeout is %v", st.LastResult.RTT, c.Timeout)
	}
	if !strings.Contains(st.LastError, "refused") {
		t.Errorf("last error %q, want connection refused", st.LastError)
	}
}

// recordingTransport wraps the UDP transport and records its dials, standing
// in for the DSR transport that will replace it.
type recordingTransport struct {
	mu    sync.Mutex
	dials []netip.Addr
}

func (rt *recordingTransport) Dial(target netip.AddrPort, local netip.Addr) (Conn, error) {
	rt.mu.Lock()
	rt.dials = append(rt.dials, local)
	rt.mu.Unlock()
	return UDPTransport{}.Dial(target, local)
}

// TestTransportIsPluggable: the prober dials through Options.Transport, once
// per target and again when the source address changes.
func TestTransportIsPluggable(t *testing.T) {
	t.Parallel()
	r := newResponder(t, "127.77.13.1:5060", always(200))
	rt := &recordingTransport{}
	p := New(Options{Transport: rt, Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	t.Cleanup(p.Close)
	k := Key{Real: "rs", Port: 5060}
	c := testCheck(r.addr, "127.77.13.2")
	mustUpdate(t, p, map[Key]Check{k: c})
	waitFor(t, 5*time.Second, "up", func() bool { return stateOf(p, k) == status.Up })
	c.LocalAddr = netip.MustParseAddr("127.77.13.3")
	mustUpdate(t, p, map[Key]Check{k: c})
	waitFor(t, 5*time.Second, "a probe from the new source", func() bool {
		reqs := r.requests()
		return strings.Contains(reqs[len(reqs)-1].header("Via"), "127.77.13.3:")
	})
	rt.mu.Lock()
	defer rt.mu.Unlock()
	want := []netip.Addr{netip.MustParseAddr("127.77.13.2"), netip.MustParseAddr("127.77.13.3")}
	if !slices.Equal(rt.dials, want) {
		t.Errorf("dials %v, want %v", rt.dials, want)
	}
	if stateOf(p, k) != status.Up {
		t.Errorf("source change lost the state: %v", stateOf(p, k))
	}
}

// TestIPv6: probes over ::1 with bracketed URIs come up.
func TestIPv6(t *testing.T) {
	t.Parallel()
	r := newResponder(t, "[::1]:0", always(200))
	c := testCheck(r.addr, "::1")
	p, _ := startProber(t)
	k := Key{Real: "v6", Port: r.addr.Port()}
	mustUpdate(t, p, map[Key]Check{k: c})
	waitFor(t, 5*time.Second, "up", func() bool { return stateOf(p, k) == status.Up })
	if got, want := r.requests()[0].requestLine(), "OPTIONS sip:"+r.addr.String()+" SIP/2.0"; got != want {
		t.Errorf("request line %q, want %q", got, want)
	}
}
