package mmsg

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"runtime"
	"testing"
	"time"

	"golang.org/x/net/ipv4"
)

func pair(t testing.TB, a, b string) (*Conn, *net.UDPConn, netip.AddrPort) {
	t.Helper()
	c, err := Listen(netip.MustParseAddrPort(a), 8)
	if err != nil {
		t.Fatal(err)
	}
	peer, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort(b)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); peer.Close() })
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
				n, err := c.Recv(ms)
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
		if _, err := c.Recv(ms); err != nil {
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
	uc, err := Listen(netip.MustParseAddrPort("192.0.2.1:5060"), 8)
	if err != nil {
		t.Fatalf("binding a non-local VIP: %v", err)
	}
	uc.Close()
}

func TestListenReusePort(t *testing.T) {
	a := netip.MustParseAddrPort("127.31.210.5:5060")
	c1, err := Listen(a, 8)
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Close()
	c2, err := Listen(a, 8)
	if err != nil {
		t.Fatalf("second SO_REUSEPORT socket: %v", err)
	}
	c2.Close()
	plain, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.31.210.6:5060")))
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if c3, err := Listen(netip.MustParseAddrPort("127.31.210.6:5060"), 8); err == nil {
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
		c.Recv(ms)
	}
}

// A Recv asleep in the kernel returns ErrClosed when the Conn is closed
// (shutdown wakes it), and so does every call after.
func TestCloseWakesRecv(t *testing.T) {
	c, err := Listen(netip.MustParseAddrPort("127.31.210.11:5060"), 4)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetRecvTimeout(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	ms := []Msg{{Buf: make([]byte, 100)}}
	done := make(chan error, 1)
	go func() { _, err := c.Recv(ms); done <- err }()
	time.Sleep(100 * time.Millisecond) // let it fall asleep in recvmmsg
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("blocked Recv returned %v, want ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not wake a Recv blocked in the kernel")
	}
	if _, err := c.Recv(ms); !errors.Is(err, ErrClosed) {
		t.Errorf("Recv after Close: %v", err)
	}
	out := []Msg{{Buf: []byte("x"), N: 1, Addr: netip.MustParseAddrPort("127.31.210.12:5060")}}
	if _, err := c.Send(out, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("Send after Close: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// With nothing to read, Recv returns a deadline error after the receive
// timeout (the worker's heartbeat wake-up) and still reads afterwards.
func TestRecvTimeout(t *testing.T) {
	c, peer, addr := pair(t, "127.31.210.13:5060", "127.31.210.14:5062")
	if err := c.SetRecvTimeout(50 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	ms := []Msg{{Buf: make([]byte, 100)}}
	if n, err := c.Recv(ms); !errors.Is(err, os.ErrDeadlineExceeded) || n != 0 {
		t.Fatalf("idle Recv = %d, %v; want a deadline error", n, err)
	}
	peer.WriteToUDPAddrPort([]byte("late"), addr)
	if n, err := c.Recv(ms); err != nil || n != 1 || string(ms[0].Buf[:ms[0].N]) != "late" {
		t.Fatalf("Recv after a timeout = %d, %v", n, err)
	}
}

// Every open Conn holds one P more (threads.go), and closing gives it back.
func TestConnsReservePs(t *testing.T) {
	base := runtime.GOMAXPROCS(0)
	var cs []*Conn
	for i := range 3 {
		c, err := Listen(netip.MustParseAddrPort("127.31.210.15:5060"), 1)
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
		if got := runtime.GOMAXPROCS(0); got != base+i+1 {
			t.Fatalf("%d conns open: GOMAXPROCS %d, want %d", i+1, got, base+i+1)
		}
	}
	for _, c := range cs {
		c.Close()
	}
	if got := runtime.GOMAXPROCS(0); got != base {
		t.Errorf("all closed: GOMAXPROCS %d, want %d", got, base)
	}
}
