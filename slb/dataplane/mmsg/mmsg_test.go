package mmsg

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"

	"golang.org/x/net/ipv4"
)

func pair(t testing.TB, a, b string) (*Conn, *net.UDPConn, netip.AddrPort) {
	t.Helper()
	uc, err := Listen(netip.MustParseAddrPort(a))
	if err != nil {
		t.Fatal(err)
	}
	peer, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort(b)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { uc.Close(); peer.Close() })
	c, err := New(uc, 8)
	if err != nil {
		t.Fatal(err)
	}
	return c, peer, netip.MustParseAddrPort(a)
}

func TestRoundTrip(t *testing.T) {
	for _, tc := range []struct{ name, conn, peer string }{
		{"ipv4", "127.31.210.1:5060", "127.31.210.2:5062"},
		{"ipv6", "[::1]:25320", "[::1]:25321"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, peer, addr := pair(t, tc.conn, tc.peer)
			peerAddr := netip.MustParseAddrPort(tc.peer)
			for _, p := range []string{"one", "two", "three"} {
				if _, err := peer.WriteToUDPAddrPort([]byte(p), addr); err != nil {
					t.Fatal(err)
				}
			}
			ms := make([]Msg, 8)
			for i := range ms {
				ms[i].Buf = make([]byte, 100)
			}
			got := 0
			deadline := time.Now().Add(5 * time.Second)
			var texts []string
			for got < 3 && time.Now().Before(deadline) {
				n, err := recv(c, ms)
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range ms[:n] {
					if m.Addr != peerAddr {
						t.Errorf("source %v, want %v", m.Addr, peerAddr)
					}
					texts = append(texts, string(m.Buf[:m.N]))
				}
				got += n
			}
			if len(texts) != 3 || texts[0] != "one" || texts[2] != "three" {
				t.Fatalf("received %q", texts)
			}
			// Send back, with one message of the wrong family in the middle.
			wrong := netip.MustParseAddrPort("[2001:db8::1]:5060")
			if addr.Addr().Is6() {
				wrong = netip.MustParseAddrPort("192.0.2.1:5060")
			}
			out := []Msg{{Buf: []byte("a"), N: 1, Addr: peerAddr}, {Buf: []byte("x"), N: 1, Addr: wrong}, {Buf: []byte("b"), N: 1, Addr: peerAddr}}
			failed := make([]bool, 3)
			nfail, err := c.Send(out, failed)
			if err != nil || nfail != 1 || !failed[1] || failed[0] || failed[2] {
				t.Fatalf("Send: failed %d %v, err %v", nfail, failed, err)
			}
			buf := make([]byte, 10)
			peer.SetReadDeadline(time.Now().Add(5 * time.Second))
			for _, want := range []string{"a", "b"} {
				n, from, err := peer.ReadFromUDPAddrPort(buf)
				if err != nil || string(buf[:n]) != want || from.Port() != addr.Port() {
					t.Fatalf("peer got %q from %v (%v), want %q", buf[:n], from, err, want)
				}
			}
		})
	}
}

func TestRecvSendAllocateNothing(t *testing.T) {
	c, peer, addr := pair(t, "127.31.210.3:5060", "127.31.210.4:5062")
	peerAddr := netip.MustParseAddrPort("127.31.210.4:5062")
	ms := make([]Msg, 8)
	for i := range ms {
		ms[i].Buf = make([]byte, 100)
	}
	pkt := []byte("hello")
	buf := make([]byte, 100)
	out := []Msg{{Buf: pkt, N: len(pkt), Addr: peerAddr}}
	peer.SetReadDeadline(time.Now().Add(10 * time.Second))
	n := testing.AllocsPerRun(500, func() {
		peer.WriteToUDPAddrPort(pkt, addr)
		if _, err := recv(c, ms); err != nil {
			t.Fatal(err)
		}
		c.Send(out, nil)
		peer.ReadFromUDPAddrPort(buf)
	})
	if n != 0 {
		t.Errorf("%v allocations per round trip, want 0", n)
	}
}

func TestListenFreebind(t *testing.T) {
	// 192.0.2.1 (TEST-NET-1) is on no interface: only IP_FREEBIND lets
	// us bind it. Nothing is sent to it.
	uc, err := Listen(netip.MustParseAddrPort("192.0.2.1:5060"))
	if err != nil {
		t.Fatalf("binding a non-local VIP: %v", err)
	}
	uc.Close()
}

func TestListenReusePort(t *testing.T) {
	a := netip.MustParseAddrPort("127.31.210.5:5060")
	c1, err := Listen(a)
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Close()
	c2, err := Listen(a)
	if err != nil {
		t.Fatalf("second SO_REUSEPORT socket: %v", err)
	}
	c2.Close()
	plain, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.31.210.6:5060")))
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if c3, err := Listen(netip.MustParseAddrPort("127.31.210.6:5060")); err == nil {
		c3.Close()
		t.Fatal("bound a port held by a socket without SO_REUSEPORT")
	}
}

// BenchmarkXNetReadBatch is the reason this package exists: x/net's
// ReadBatch allocates a *net.UDPAddr and its IP for every datagram.
func BenchmarkXNetReadBatch(b *testing.B) {
	uc, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.31.210.7:5060")))
	if err != nil {
		b.Fatal(err)
	}
	defer uc.Close()
	peer, _ := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.31.210.8:5062")))
	defer peer.Close()
	pc := ipv4.NewPacketConn(uc)
	ms := make([]ipv4.Message, 1)
	ms[0].Buffers = [][]byte{make([]byte, 100)}
	dst := netip.MustParseAddrPort("127.31.210.7:5060")
	b.ReportAllocs()
	for b.Loop() {
		peer.WriteToUDPAddrPort([]byte("x"), dst)
		pc.ReadBatch(ms, 0)
	}
}

func BenchmarkRecv(b *testing.B) {
	c, peer, addr := pair(b, "127.31.210.9:5060", "127.31.210.10:5062")
	ms := make([]Msg, 1)
	ms[0].Buf = make([]byte, 100)
	b.ReportAllocs()
	for b.Loop() {
		peer.WriteToUDPAddrPort([]byte("x"), addr)
		recv(c, ms)
	}
}

// Serve hands every batch to its handler until the handler says stop,
// lets it Send from inside, and returns the deadline error when nothing
// more comes.
func TestServe(t *testing.T) {
	c, peer, addr := pair(t, "127.31.210.11:5060", "127.31.210.12:5062")
	ms := make([]Msg, 8)
	for i := range ms {
		ms[i].Buf = make([]byte, 100)
	}
	var got []string
	echo := func(n int) bool {
		for _, m := range ms[:n] {
			got = append(got, string(m.Buf[:m.N]))
			if _, err := c.Send([]Msg{{Buf: m.Buf, N: m.N, Addr: m.Addr}}, nil); err != nil {
				t.Errorf("Send inside Serve: %v", err)
			}
		}
		return len(got) < 3
	}
	for _, p := range []string{"one", "two", "three"} {
		peer.WriteToUDPAddrPort([]byte(p), addr)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if err := c.Serve(ms, echo); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if len(got) != 3 || got[0] != "one" || got[2] != "three" {
		t.Fatalf("served %q", got)
	}
	buf := make([]byte, 10)
	peer.SetReadDeadline(time.Now().Add(5 * time.Second))
	for _, want := range got {
		n, from, err := peer.ReadFromUDPAddrPort(buf)
		if err != nil || string(buf[:n]) != want || from != addr {
			t.Fatalf("echo %q from %v (%v), want %q", buf[:n], from, err, want)
		}
	}
	c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if err := c.Serve(ms, echo); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("idle Serve returned %v, want a deadline error", err)
	}
}

// recv reads one batch: a Serve whose handler stops after the first. The
// handler of each Conn is made once (batches), so a recv allocates nothing
// and the allocation test measures Serve itself.
func recv(c *Conn, ms []Msg) (int, error) {
	b := batches[c]
	if b == nil {
		b = &oneBatch{}
		b.h = func(n int) bool { b.got = n; return false }
		batches[c] = b
	}
	err := c.Serve(ms, b.h)
	return b.got, err
}

type oneBatch struct {
	got int
	h   func(int) bool
}

var batches = map[*Conn]*oneBatch{}
