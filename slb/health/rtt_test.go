package health

import (
	"net/netip"
	"testing"
	"time"

	"sipslb/slb/status"
)

// TestRTTHistogram: every answered probe (accepted or rejected) adds its
// round-trip time to the target's histogram, no sooner than the server
// answered; a probe that got no answer adds nothing.
func TestRTTHistogram(t *testing.T) {
	t.Parallel()
	const delay = 30 * time.Millisecond
	slow := func(code int) policy {
		return func(_ int, req request, _ []request) []reply {
			return []reply{{msg: answer(req, code), delay: delay}}
		}
	}
	p, _ := startProber(t)
	ok := Key{Real: "ok", Port: 5060}
	rejected := Key{Real: "rejected", Port: 5060}
	closed := Key{Real: "closed", Port: 5060}
	checks := map[Key]Check{
		ok:       testCheck(netip.MustParseAddrPort("127.77.50.1:5060"), "127.77.51.1"),
		rejected: testCheck(netip.MustParseAddrPort("127.77.50.2:5060"), "127.77.51.2"),
		closed:   testCheck(netip.MustParseAddrPort("127.77.50.3:5060"), "127.77.51.3"),
	}
	newResponder(t, "127.77.50.1:5060", slow(200))
	newResponder(t, "127.77.50.2:5060", slow(503))
	mustUpdate(t, p, checks)
	waitFor(t, 10*time.Second, "three answered probes each", func() bool {
		st := p.Status()
		return st[ok].ProbesOK >= 3 && st[rejected].ProbesFailed >= 3 && st[closed].ProbesFailed >= 3
	})
	st := p.Status() // one reading under the prober's lock: results and histogram agree
	for _, k := range []Key{ok, rejected} {
		h := st[k].RTT
		if n, booked := h.Count(), st[k].ProbesOK+st[k].ProbesFailed; n != booked || n == 0 {
			t.Errorf("%s: %d round trips for %d results, all answers", k, n, booked)
		}
		for i, b := range status.RTTBounds {
			if b < delay && h.Counts[i] != 0 {
				t.Errorf("%s: %d round trips at or below %v, the server waits %v", k, h.Counts[i], b, delay)
			}
		}
		if h.Sum < time.Duration(h.Count())*delay {
			t.Errorf("%s: sum %v below %d × %v", k, h.Sum, h.Count(), delay)
		}
	}
	if h := st[closed].RTT; h.Count() != 0 || h.Sum != 0 {
		t.Errorf("closed port: %d round trips (sum %v), want none: ICMP unreachable is no answer", h.Count(), h.Sum)
	}
}
