package health

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"sipslb/slb/status"
)

// TestDownByICMPWithinFall: an Up target whose server goes away is Down after
// exactly Fall refused probes, each failing at once, so the detection time is
// about Fall intervals, with no timeout on top.
func TestDownByICMPWithinFall(t *testing.T) {
	t.Parallel()
	r := newResponder(t, "127.77.30.1:5060", always(200))
	c := testCheck(r.addr, "127.77.30.2")
	c.Fall = 3
	p, log := startProber(t)
	k := Key{Real: "rs", Port: 5060}
	mustUpdate(t, p, map[Key]Check{k: c})
	waitFor(t, 5*time.Second, "up", func() bool { return stateOf(p, k) == status.Up })

	r.close()
	closed := time.Now()
	waitFor(t, 5*time.Second, "down", func() bool { return stateOf(p, k) == status.Down })
	took := time.Since(closed)
	st := p.Status()[k]
	if st.LastResult.Kind != ResultUnreachable || st.ConsecutiveFailures != c.Fall {
		t.Fatalf("down after %d failures, last %+v; want %d icmp-unreachable", st.ConsecutiveFailures, st.LastResult, c.Fall)
	}
	// Worst case fall × interval; wide margin for two noisy cores.
	if limit := time.Duration(c.Fall)*c.Interval + 2*time.Second; took > limit {
		t.Errorf("down %v after the server closed, want within %v", took, limit)
	}
	if got := transitions(waitEvents(t, log, 2)); got != "unknown>up up>down " {
		t.Errorf("transitions %q", got)
	}
}

// TestFlappingIsDampened: a server alternating good and bad answers neither
// leaves Up (Fall=2 never reached) nor, once Failing, comes back (Rise=2 never
// reached).
func TestFlappingIsDampened(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		codes  []int // answered in turn, from the first probe
		settle status.Health
	}{
		{"up stays up", []int{200, 503}, status.Up},
		{"failing stays failing", []int{503, 200}, status.Failing},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newResponder(t, fmt.Sprintf("127.77.31.%d:5060", i+1), alternate(tt.codes...))
			c := testCheck(r.addr, fmt.Sprintf("127.77.32.%d", i+1))
			c.Fall, c.Rise = 2, 2
			p, log := startProber(t)
			k := Key{Real: "flap", Port: 5060}
			mustUpdate(t, p, map[Key]Check{k: c})
			waitFor(t, 10*time.Second, "ten probes answered", func() bool {
				st := p.Status()[k]
				return st.ProbesOK+st.ProbesFailed >= 10
			})
			st := p.Status()[k]
			if st.State != tt.settle {
				t.Fatalf("state %v, want %v", st.State, tt.settle)
			}
			if st.ProbesOK < 4 || st.ProbesFailed < 4 {
				t.Fatalf("%d good, %d bad probes: the responder did not alternate", st.ProbesOK, st.ProbesFailed)
			}
			want := fmt.Sprintf("unknown>%v ", tt.settle)
			if got := transitions(waitEvents(t, log, 1)); got != want {
				t.Errorf("transitions %q, want %q", got, want)
			}
		})
	}
}

// TestRiseAfterRecovery: a Failing server that recovers is Up after exactly
// Rise good probes.
func TestRiseAfterRecovery(t *testing.T) {
	t.Parallel()
	const bad = 3
	r := newResponder(t, "127.77.33.1:5060", func(n int, req request, _ []request) []reply {
		if n < bad {
			return []reply{{msg: answer(req, 500)}}
		}
		return []reply{{msg: answer(req, 200)}}
	})
	c := testCheck(r.addr, "127.77.33.2")
	c.Rise = 3
	p, log := startProber(t)
	k := Key{Real: "rs", Port: 5060}
	var upAt Status
	mustUpdate(t, p, map[Key]Check{k: c})
	waitFor(t, 10*time.Second, "up", func() bool {
		upAt = p.Status()[k]
		return upAt.State == status.Up
	})
	if upAt.ProbesOK != uint64(c.Rise) || upAt.ProbesFailed != bad {
		t.Errorf("up after %d good and %d bad probes, want %d and %d", upAt.ProbesOK, upAt.ProbesFailed, c.Rise, bad)
	}
	if got := transitions(waitEvents(t, log, 2)); got != "unknown>failing failing>up " {
		t.Errorf("transitions %q", got)
	}
}

// TestStaleAnswersNeverCount: answers that do not belong to the probe in
// flight are ignored and counted, so a server that answers late, replays an
// older transaction, or gets any one identifier wrong is never marked Up.
func TestStaleAnswersNeverCount(t *testing.T) {
	t.Parallel()
	// withPrevious answers the current probe but takes the named header from
	// the probe before it.
	withPrevious := func(header string) policy {
		return func(n int, req request, history []request) []reply {
			if n == 0 {
				return nil
			}
			prev := history[n-1]
			msg := answer(req, 200)
			cur, old := req.header(header), prev.header(header)
			return []reply{{msg: bytes.Replace(msg, []byte(cur), []byte(old), 1)}}
		}
	}
	tests := []struct {
		name   string
		policy policy
	}{
		{"late", func(_ int, req request, _ []request) []reply {
			return []reply{{msg: answer(req, 200), delay: testTimeout + testInterval/4}}
		}},
		{"replay of the previous probe", func(n int, req request, history []request) []reply {
			if n == 0 {
				return nil
			}
			return []reply{{msg: answer(history[n-1], 200)}}
		}},
		{"replay of the first probe", func(n int, req request, history []request) []reply {
			if n == 0 {
				return nil
			}
			return []reply{{msg: answer(history[0], 200)}}
		}},
		{"old branch", withPrevious("Via")},
		{"old call-id", withPrevious("Call-ID")},
		{"old cseq", withPrevious("CSeq")},
		{"wrong cseq method", func(_ int, req request, _ []request) []reply {
			msg := bytes.Replace(answer(req, 200), []byte(" OPTIONS\r\n"), []byte(" INVITE\r\n"), 1)
			return []reply{{msg: msg}}
		}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newResponder(t, fmt.Sprintf("127.77.34.%d:5060", i+1), tt.policy)
			c := testCheck(r.addr, fmt.Sprintf("127.77.35.%d", i+1))
			c.Rise = 1
			p, log := startProber(t)
			k := Key{Real: "stale", Port: 5060}
			mustUpdate(t, p, map[Key]Check{k: c})
			waitFor(t, 10*time.Second, "six probes and four stale answers", func() bool {
				st := p.Status()[k]
				return st.ProbesFailed >= 6 && st.StaleResponses >= 4
			})
			st := p.Status()[k]
			if st.State != status.Down || st.ProbesOK != 0 || st.LastResult.Kind != ResultTimeout {
				t.Fatalf("state %v, %d good probes, last %+v; want down by timeout", st.State, st.ProbesOK, st.LastResult)
			}
			for _, ev := range log.events() {
				if ev.To == status.Up {
					t.Fatalf("marked up: %+v", ev)
				}
			}
			// One probe in flight: the requests came one interval apart.
			reqs := r.requests()
			for j := 1; j < len(reqs); j++ {
				if gap := reqs[j].at.Sub(reqs[j-1].at); gap < c.Interval/2 {
					t.Errorf("probes %d and %d only %v apart", j-1, j, gap)
				}
			}
			if !strings.Contains(r.requests()[0].header("Via"), "rport") {
				t.Error("probe without rport")
			}
		})
	}
}

// TestProbesOnTheWire checks the probes a target receives over a run: valid
// headers, fresh identifiers per probe, CSeq counting up, Via naming the
// source the responder saw.
func TestProbesOnTheWire(t *testing.T) {
	t.Parallel()
	r := newResponder(t, "127.77.36.1:5060", always(200))
	c := testCheck(r.addr, "127.77.36.2")
	p, _ := startProber(t)
	k := Key{Real: "rs", Port: 5060}
	mustUpdate(t, p, map[Key]Check{k: c})
	waitFor(t, 5*time.Second, "five probes", func() bool { return len(r.requests()) >= 5 })
	reqs := r.requests()
	seen := map[string]string{}
	var cseq0 int
	for i, req := range reqs {
		if req.requestLine() != "OPTIONS sip:127.77.36.1:5060 SIP/2.0" {
			t.Errorf("request line %q", req.requestLine())
		}
		var host string
		var port int
		var branch string
		if _, err := fmt.Sscanf(strings.ReplaceAll(strings.ReplaceAll(req.header("Via"), ":", " "), ";", " "),
			"SIP/2.0/UDP %s %d branch=%s", &host, &port, &branch); err != nil {
			t.Fatalf("via %q: %v", req.header("Via"), err)
		}
		if host != "127.77.36.2" || !strings.HasPrefix(branch, "z9hG4bK") {
			t.Errorf("via %q", req.header("Via"))
		}
		var n int
		fmt.Sscanf(req.header("CSeq"), "%d", &n)
		if i == 0 {
			cseq0 = n
		} else if n != cseq0+i {
			t.Errorf("probe %d: CSeq %d, want %d", i, n, cseq0+i)
		}
		for name, v := range map[string]string{
			"branch": branch, "call-id": req.header("Call-ID"), "from": req.header("From"),
		} {
			if other, dup := seen[v]; dup {
				t.Errorf("probe %d repeats %s %q (also %s)", i, name, v, other)
			}
			seen[v] = name
		}
		for h, want := range map[string]string{"Max-Forwards": "70", "User-Agent": "sipslb", "Content-Length": "0"} {
			if got := req.header(h); got != want {
				t.Errorf("%s = %q", h, got)
			}
		}
		if !strings.HasPrefix(req.header("Contact"), "<sip:sipslb@127.77.36.2:") {
			t.Errorf("contact %q", req.header("Contact"))
		}
	}
}

// TestDialErrorIsSendError: a source address the host does not own makes
// every probe a send error with the reason kept for show output.
func TestDialErrorIsSendError(t *testing.T) {
	t.Parallel()
	c := testCheck(netip.MustParseAddrPort("127.77.37.1:5060"), "127.77.37.2")
	c.LocalAddr = netip.MustParseAddr("192.0.2.1") // TEST-NET-1: not ours, so bind fails
	p, _ := startProber(t)
	k := Key{Real: "rs", Port: 5060}
	mustUpdate(t, p, map[Key]Check{k: c})
	waitFor(t, 5*time.Second, "down", func() bool { return stateOf(p, k) == status.Down })
	st := p.Status()[k]
	if st.LastResult.Kind != ResultSendError || !strings.Contains(st.LastError, "192.0.2.1") {
		t.Fatalf("last %+v error %q", st.LastResult, st.LastError)
	}
}
