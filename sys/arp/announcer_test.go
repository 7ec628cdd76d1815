package arp

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mdlayher/arp"
	"github.com/mdlayher/ethernet"
)

// testOptions: one gratuitous ARP, no refresh during a test.
var testOptions = Options{GratuitousCount: 1, Refresh: time.Hour}

func newTest(t *testing.T, o Options) (*Announcer, *memConn) {
	t.Helper()
	c := newMemConn()
	a := New(c, lbMAC, selfIP, o)
	t.Cleanup(func() { a.Close() })
	return a, c
}

func TestHandle(t *testing.T) {
	tests := []struct {
		name  string
		frame func(t testing.TB) []byte
		want  Reason
		reply bool
		learn bool
	}{
		{name: "request for vip", frame: func(t testing.TB) []byte {
			return arpFrame(t, arp.OperationRequest, clientMAC, clientIP, ethernet.Broadcast, vipIP)
		}, want: Answered, reply: true},
		{name: "probe for vip from 0.0.0.0", frame: func(t testing.TB) []byte {
			return arpFrame(t, arp.OperationRequest, clientMAC, netip.IPv4Unspecified(), ethernet.Broadcast, vipIP)
		}, want: Answered, reply: true},
		{name: "request for someone else", frame: func(t testing.TB) []byte {
			return arpFrame(t, arp.OperationRequest, clientMAC, clientIP, ethernet.Broadcast, rsIP)
		}, want: IgnoredNotOurs},
		{name: "request for our own address is the kernel's", frame: func(t testing.TB) []byte {
			return arpFrame(t, arp.OperationRequest, clientMAC, clientIP, ethernet.Broadcast, selfIP)
		}, want: IgnoredNotOurs},
		{name: "reply from watched real", frame: func(t testing.TB) []byte {
			return arpFrame(t, arp.OperationReply, rsMAC, rsIP, lbMAC, selfIP)
		}, want: Learned, learn: true},
		{name: "request from watched real also teaches", frame: func(t testing.TB) []byte {
			return arpFrame(t, arp.OperationRequest, rsMAC, rsIP, ethernet.Broadcast, clientIP)
		}, want: Learned, learn: true},
		{name: "reply from a stranger", frame: func(t testing.TB) []byte {
			return arpFrame(t, arp.OperationReply, clientMAC, clientIP, lbMAC, selfIP)
		}, want: IgnoredReply},
		{name: "own frame", frame: func(t testing.TB) []byte {
			return arpFrame(t, arp.OperationRequest, lbMAC, selfIP, ethernet.Broadcast, vipIP)
		}, want: IgnoredOwn},
		{name: "real server answering for the vip", frame: func(t testing.TB) []byte {
			return arpFrame(t, arp.OperationReply, rsMAC, vipIP, clientMAC, clientIP)
		}, want: IgnoredConflict},
		{name: "truncated", frame: func(t testing.TB) []byte {
			return arpFrame(t, arp.OperationRequest, clientMAC, clientIP, ethernet.Broadcast, vipIP)[:20]
		}, want: IgnoredBad},
		{name: "ipv4 ethertype", frame: func(t testing.TB) []byte {
			b := arpFrame(t, arp.OperationRequest, clientMAC, clientIP, ethernet.Broadcast, vipIP)
			b[12], b[13] = 8, 0
			return b
		}, want: IgnoredBad},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, c := newTest(t, testOptions)
			a.Watch([]netip.Addr{rsIP})
			next(t, c) // the request Watch sends
			a.SetVIPs([]netip.Addr{vipIP})
			next(t, c) // the gratuitous ARP
			if diff := cmp.Diff(tt.want, a.handle(tt.frame(t), time.Now())); diff != "" {
				t.Fatalf("reason (-want +got):\n%s", diff)
			}
			if tt.reply {
				f, p := next(t, c)
				_, req := parse(t, tt.frame(t))
				if p.Operation != arp.OperationReply || !bytes.Equal(p.SenderHardwareAddr, lbMAC) || p.SenderIP != vipIP ||
					!bytes.Equal(p.TargetHardwareAddr, req.SenderHardwareAddr) || p.TargetIP != req.SenderIP ||
					!bytes.Equal(f.Destination, req.SenderHardwareAddr) || !bytes.Equal(f.Source, lbMAC) {
					t.Errorf("reply %+v in frame %v -> %v", p, f.Source, f.Destination)
				}
			} else {
				quiet(t, c, 50*time.Millisecond)
			}
			mac, ok := a.Lookup(rsIP)
			if ok != tt.learn || (ok && !bytes.Equal(mac[:], rsMAC)) {
				t.Errorf("Lookup(rs) = %x, %v; want learned=%v", mac, ok, tt.learn)
			}
		})
	}
}

// TestReadLoopCounts drives the socket loop, not handle directly.
func TestReadLoopCounts(t *testing.T) {
	a, c := newTest(t, testOptions)
	a.SetVIPs([]netip.Addr{vipIP})
	next(t, c)
	c.in <- arpFrame(t, arp.OperationRequest, clientMAC, clientIP, ethernet.Broadcast, vipIP)
	_, p := next(t, c)
	if p.Operation != arp.OperationReply {
		t.Fatalf("got %v", p.Operation)
	}
	deadline := time.Now().Add(5 * time.Second)
	for a.Counts()[Answered] != 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := a.Counts()[Answered]; n != 1 {
		t.Errorf("answered counted %d", n)
	}
}

func TestGratuitousBurst(t *testing.T) {
	a, c := newTest(t, Options{GratuitousCount: 3, GratuitousEvery: 20 * time.Millisecond, Refresh: time.Hour})
	a.SetVIPs([]netip.Addr{vipIP})
	for i := range 3 {
		f, p := next(t, c)
		if p.Operation != arp.OperationRequest || p.SenderIP != vipIP || p.TargetIP != vipIP ||
			!bytes.Equal(f.Destination, ethernet.Broadcast) || !bytes.Equal(p.SenderHardwareAddr, lbMAC) {
			t.Fatalf("gratuitous %d: %+v to %v", i, p, f.Destination)
		}
	}
	quiet(t, c, 100*time.Millisecond)
	// Setting the same set again is not a takeover: no new burst.
	a.SetVIPs([]netip.Addr{vipIP})
	quiet(t, c, 100*time.Millisecond)
}

func TestReleaseStopsBurstAndAnswers(t *testing.T) {
	a, c := newTest(t, Options{GratuitousCount: 1000, GratuitousEvery: 10 * time.Millisecond, Refresh: time.Hour})
	a.SetVIPs([]netip.Addr{vipIP})
	next(t, c)
	a.SetVIPs(nil)
	// Drain what was in flight, then nothing more.
	time.Sleep(30 * time.Millisecond)
	for len(c.out) > 0 {
		<-c.out
	}
	quiet(t, c, 100*time.Millisecond)
	if r := a.handle(arpFrame(t, arp.OperationRequest, clientMAC, clientIP, ethernet.Broadcast, vipIP), time.Now()); r != IgnoredNotOurs {
		t.Errorf("request for a released VIP: %v", r)
	}
	if a.owns(vipIP) {
		t.Error("still owns the released VIP")
	}
}

func TestRequestRateLimited(t *testing.T) {
	a, c := newTest(t, Options{RetryEvery: time.Hour, Refresh: time.Hour})
	for range 5 {
		a.Request(rsIP)
	}
	_, p := next(t, c)
	if p.Operation != arp.OperationRequest || p.TargetIP != rsIP || p.SenderIP != selfIP {
		t.Fatalf("request %+v", p)
	}
	quiet(t, c, 100*time.Millisecond)
}

func TestRefreshAndForget(t *testing.T) {
	a, c := newTest(t, Options{Refresh: 20 * time.Millisecond, Forget: 60 * time.Millisecond, RetryEvery: time.Millisecond})
	a.Watch([]netip.Addr{rsIP})
	next(t, c)
	a.handle(arpFrame(t, arp.OperationReply, rsMAC, rsIP, lbMAC, selfIP), time.Now())
	if _, ok := a.Lookup(rsIP); !ok {
		t.Fatal("not learned")
	}
	// Refresh keeps asking; with no answer the entry is forgotten.
	_, p := next(t, c)
	if p.TargetIP != rsIP {
		t.Fatalf("refresh asked for %v", p.TargetIP)
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if _, ok := a.Lookup(rsIP); !ok {
			break
		}
		time.Sleep(10 * time.Millisecond)
		for len(c.out) > 0 {
			<-c.out
		}
	}
	if _, ok := a.Lookup(rsIP); ok {
		t.Error("silent neighbour never forgotten")
	}
	// Unwatching drops it at once.
	a.handle(arpFrame(t, arp.OperationReply, rsMAC, rsIP, lbMAC, selfIP), time.Now())
	a.Watch(nil)
	if _, ok := a.Lookup(rsIP); ok {
		t.Error("unwatched neighbour still known")
	}
}

func TestLookupAllocs(t *testing.T) {
	a, c := newTest(t, testOptions)
	a.Watch([]netip.Addr{rsIP})
	next(t, c)
	a.handle(arpFrame(t, arp.OperationReply, rsMAC, rsIP, lbMAC, selfIP), time.Now())
	if n := testing.AllocsPerRun(1000, func() {
		if _, ok := a.Lookup(rsIP); !ok {
			t.Fatal("miss")
		}
	}); n != 0 {
		t.Errorf("Lookup allocates %v", n)
	}
}

func TestCloseSilences(t *testing.T) {
	a, c := newTest(t, Options{GratuitousCount: 1000, GratuitousEvery: 5 * time.Millisecond})
	a.SetVIPs([]netip.Addr{vipIP})
	next(t, c)
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	for len(c.out) > 0 {
		<-c.out
	}
	quiet(t, c, 50*time.Millisecond)
}

// owns reports whether ip is in the VIP set.
func (a *Announcer) owns(ip netip.Addr) bool {
	_, ok := (*a.vips.Load())[ip]
	return ok
}
