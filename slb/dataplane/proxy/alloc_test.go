package proxy

import (
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"sipslb/slb/config"
	"sipslb/slb/dataplane/mmsg"
	"sipslb/slb/dialog"
	"sipslb/slb/latency"
	"sipslb/slb/pool"
)

// Every path of Handle allocates nothing.
func TestHandleAllocatesNothing(t *testing.T) {
	f := newFixture(t, testConfig(func(c *config.Config) { c.Virtuals[0].Ports[0].RecordRoute = true }))
	fwd := f.handle(invite("alloc@example.com"), client)
	var resp []byte
	{
		var vias []string
		for _, line := range strings.Split(string(fwd.Out), "\r\n") {
			if strings.HasPrefix(line, "Via:") {
				vias = append(vias, line)
			}
		}
		resp = []byte("SIP/2.0 200 OK\r\n" + strings.Join(vias, "\r\n") + "\r\n" +
			"From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>;tag=b1\r\nCall-ID: alloc@example.com\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n")
	}
	byeFromServer := []byte(msg(`
BYE sip:alice@198.51.100.7:5062 SIP/2.0
Via: SIP/2.0/UDP 192.0.2.11:5060;branch=z9hG4bK-s1
Route: <sip:192.0.2.100:5060;lr>
From: <sip:bob@example.com>;tag=b1
To: <sip:alice@example.com>;tag=a1
Call-ID: alloc@example.com
CSeq: 2 BYE
Max-Forwards: 70
Content-Length: 0

`))
	empty := newFixture(t, testConfig(func(c *config.Config) { c.Reals[0].Weight, c.Reals[1].Weight = 0, 0 }))
	off := newFixture(t, testConfig(func(c *config.Config) { c.Virtuals[0].Ports[0].NoSIPSwitch = true }))
	tests := []struct {
		name string
		f    *fixture
		pkt  []byte
		src  netip.AddrPort
		want Verdict
	}{
		{"INVITE, pinned after its first run", f, []byte(invite("alloc-new@example.com")), client, Forwarded},
		{"in-dialog BYE", f, []byte(request("BYE", "alloc@example.com", "b1")), client, Forwarded},
		{"REGISTER", f, []byte(request("REGISTER", "reg@example.com", "")), client, Forwarded},
		{"response", f, resp, rs1Addr, Forwarded},
		{"request from server", f, byeFromServer, rs1Addr, Forwarded},
		{"483", f, []byte(strings.Replace(invite("x"), "Max-Forwards: 70", "Max-Forwards: 0", 1)), client, Answered},
		{"503", empty, []byte(invite("x")), client, Answered},
		{"sip-switch off", off, []byte(invite("x")), client, Forwarded},
		{"ping", f, []byte("\r\n\r\n"), client, Answered},
		{"garbage", f, []byte("\x00\x01garbage"), client, Dropped},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := make([]byte, 0, OutCap)
			if r := tc.f.fwd.Handle(tc.f.st, tc.f.vp, tc.pkt, tc.src, t0, out); r.Verdict != tc.want {
				t.Fatalf("verdict %v (%v), want %v", r.Verdict, r.Reason, tc.want)
			}
			n := testing.AllocsPerRun(200, func() {
				tc.f.fwd.Handle(tc.f.st, tc.f.vp, tc.pkt, tc.src, t0, out)
			})
			if n != 0 {
				t.Errorf("%v allocations per message, want 0", n)
			}
		})
	}

	// A fresh Call-ID per message: the new-dialog path (Call-ID hashed,
	// Maglev pick, pin), not only the pinned one above.
	t.Run("new INVITE each time", func(t *testing.T) {
		fresh := make([][]byte, 300)
		for i := range fresh {
			fresh[i] = []byte(invite(fmt.Sprintf("alloc-fresh-%d@example.com", i)))
		}
		out := make([]byte, 0, OutCap)
		before, i := f.st.Dialogs.Len(), 0
		n := testing.AllocsPerRun(200, func() {
			if r := f.fwd.Handle(f.st, f.vp, fresh[i], client, t0, out); r.Verdict != Forwarded {
				t.Fatalf("verdict %v (%v)", r.Verdict, r.Reason)
			}
			i++
		})
		if n != 0 {
			t.Errorf("%v allocations per new dialog, want 0", n)
		}
		if got := f.st.Dialogs.Len() - before; got != i {
			t.Errorf("%d dialog entries made by %d new Call-IDs: the new-dialog path was not measured", got, i)
		}
	})
}

// loop is a worker on a real loopback socket between a client socket and
// a server socket.
type loop struct {
	vip    netip.AddrPort
	client *net.UDPConn
	server *net.UDPConn
	state  atomic.Pointer[pool.State]
	conn   *net.UDPConn
	done   chan error
	w      *Worker
}

func startLoop(t testing.TB, block int) *loop { return startLoopWake(t, block, 0) }

// startLoopWake is startLoop with the worker's idle wake interval set
// (0: the default).
func startLoopWake(t testing.TB, block int, wake time.Duration) *loop {
	t.Helper()
	ip := func(h int) netip.Addr { return netip.AddrFrom4([4]byte{127, 31, byte(block), byte(h)}) }
	l := &loop{vip: netip.AddrPortFrom(ip(100), 5060), done: make(chan error, 1)}
	var err error
	if l.server, err = net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip(11), 5060))); err != nil {
		t.Fatal(err)
	}
	if l.client, err = net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip(1), 5062))); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*net.UDPConn{l.server, l.client} {
		c.SetReadBuffer(8 << 20)
		c.SetWriteBuffer(8 << 20)
	}
	c := config.New()
	c.Dialog.MaxEntries = 4096
	c.Reals = []*config.RealServer{{Name: "rs1", Addr: ip(11), Weight: 1, Ports: []*config.RealPort{{Port: 5060, Role: config.RoleBoth}}}}
	c.Virtuals = []*config.VirtualServer{{Name: "v", Addr: ip(100), Ports: []*config.VirtualPort{{Port: 5060, Binds: []config.Bind{{Real: "rs1", Port: 5060}}}}}}
	reg := pool.NewRegistry(1)
	reg.SetDialogs(dialog.New(c.Dialog.MaxEntries, 0, 0))
	l.state.Store(pool.Build(c, func(string, uint16, *config.RealPort) bool { return true }, reg))
	if l.conn, err = mmsg.Listen(l.vip); err != nil {
		t.Fatal(err)
	}
	mc, err := mmsg.New(l.conn, DefaultBatch)
	if err != nil {
		t.Fatal(err)
	}
	w := NewWorker(mc, l.vip, &l.state, 0)
	if wake > 0 {
		w.SetWake(wake)
	}
	l.w = w
	go func() { l.done <- w.Run() }()
	t.Cleanup(func() {
		l.conn.Close()
		<-l.done
		l.client.Close()
		l.server.Close()
	})
	return l
}

// latency reads the VIP port's latency histogram, every worker summed.
func (l *loop) latency() *latency.Counts {
	t := l.state.Load().VPorts[l.vip].Stats.Read()
	return &t.Latency
}

// pump sends total datagrams (cycling through pkts) from the client to
// the VIP and reads what reaches the server, in windows of 256 so that no
// socket buffer overflows; it returns how many the server received.
func (l *loop) pump(t testing.TB, pkts [][]byte, total int, buf []byte) int {
	got := 0
	deadline := time.Now().Add(60 * time.Second)
	for sent := 0; sent < total && time.Now().Before(deadline); {
		win := min(256, total-sent)
		for i := range win {
			if _, err := l.client.WriteToUDPAddrPort(pkts[(sent+i)%len(pkts)], l.vip); err != nil {
				t.Fatal(err)
			}
		}
		sent += win
		want := got + win
		l.server.SetReadDeadline(time.Now().Add(2 * time.Second))
		for got < want {
			if _, _, err := l.server.ReadFromUDPAddrPort(buf); err != nil {
				break // a loss; the caller compares counts
			}
			got++
		}
	}
	return got
}

func loopPackets(n int) [][]byte {
	pkts := make([][]byte, n)
	for i := range pkts {
		p := invite(fmt.Sprintf("loop-%d@example.com", i))
		p = strings.ReplaceAll(p, "198.51.100.7:5062", "127.31.200.1:5062")
		pkts[i] = []byte(p)
	}
	return pkts
}

// 100k datagrams through the real socket loop (recvmmsg, Handle, the
// latency histogram, sendmmsg) cost about zero heap allocations each.
func TestSocketLoopAllocatesNothing(t *testing.T) {
	l := startLoop(t, 200)
	pkts := loopPackets(1000)
	buf := make([]byte, 70000)
	l.pump(t, pkts, 2000, buf) // warm up: pools, dialog table, poller
	const total = 100_000
	lat0 := l.latency().Count()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	got := l.pump(t, pkts, total, buf)
	runtime.ReadMemStats(&after)
	if got < total*99/100 {
		t.Fatalf("server received %d of %d datagrams", got, total)
	}
	// every datagram sent was timed: the histogram was on the measured path
	if n := l.latency().Count() - lat0; n < uint64(got) {
		t.Fatalf("latency histogram counted %d of %d forwarded datagrams", n, got)
	}
	per := float64(after.Mallocs-before.Mallocs) / float64(got)
	t.Logf("%d datagrams forwarded, %d mallocs in the process, %.5f per datagram", got, after.Mallocs-before.Mallocs, per)
	if per >= 0.01 {
		t.Errorf("%.4f allocations per forwarded datagram, want about zero (< 0.01)", per)
	}
}
