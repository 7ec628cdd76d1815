package ssh

import (
	"net/netip"
	"testing"
	"time"
)

// TestThrottle walks one address through the schedule on a fake clock.
func TestThrottle(t *testing.T) {
	now := time.Unix(1000, 0)
	th := newThrottle()
	th.now = func() time.Time { return now }
	a := netip.MustParseAddr("192.0.2.7")
	b := netip.MustParseAddr("192.0.2.8")
	for i := 1; i <= 5; i++ {
		if v, d := th.admit(a); v != admitNow || d != 0 {
			t.Fatalf("attempt %d before 5 failures: %v %v", i, v, d)
		}
		if n := th.fail(a); n != i {
			t.Fatalf("fail count %d, want %d", n, i)
		}
	}
	steps := []struct {
		name    string
		advance time.Duration
		fail    bool
		want    verdict
		wait    time.Duration
	}{
		{"6th attempt waits 2s", 0, true, admitAfter, 2 * time.Second},
		{"after 6 failures 4s, queued behind nothing", 10 * time.Second, true, admitAfter, 4 * time.Second},
		{"7 failures: 8s", 10 * time.Second, true, admitAfter, 8 * time.Second},
		{"8: 16s", 20 * time.Second, true, admitAfter, 16 * time.Second},
		{"9: capped at 30s", 20 * time.Second, true, admitAfter, 30 * time.Second},
		{"parallel attempt queues behind the last", 0, false, admitAfter, 60 * time.Second},
		{"and the next", 0, false, admitAfter, 90 * time.Second},
		{"and the next", 0, false, admitAfter, 120 * time.Second},
		{"queue too long: refused unjudged", 0, false, admitRefused, 0},
		{"forgotten after 15 quiet minutes", 16 * time.Minute, false, admitNow, 0},
	}
	for _, st := range steps {
		now = now.Add(st.advance)
		v, d := th.admit(a)
		if v != st.want || d != st.wait {
			t.Fatalf("%s: got %v %v, want %v %v", st.name, v, d, st.want, st.wait)
		}
		if st.fail {
			th.fail(a)
		}
		if v, _ := th.admit(b); v != admitNow {
			t.Fatalf("%s: another address is throttled", st.name)
		}
	}
}

// TestThrottleBounded: a flood of sources does not grow the table beyond
// maxTracked.
func TestThrottleBounded(t *testing.T) {
	th := newThrottle()
	for i := range maxTracked + 100 {
		th.fail(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}))
	}
	if len(th.m) > maxTracked {
		t.Errorf("%d addresses tracked, limit %d", len(th.m), maxTracked)
	}
}
