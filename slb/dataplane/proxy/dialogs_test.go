package proxy

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"sipslb/slb/config"
	"sipslb/slb/dataplane/mmsg"
	"sipslb/slb/dialog"
	"sipslb/slb/hash"
	"sipslb/slb/pool"
	"sipslb/slb/reason"
)

// placed is the dialogs placed on each real port of f, by name, and on
// its VIP port.
func (f *fixture) placed() (map[string]uint64, uint64) {
	m := map[string]uint64{}
	for _, s := range f.vp.Servers {
		m[s.Real] = s.Stats.Dialogs.Load()
	}
	return m, f.vp.Stats.Read().Dialogs
}

// A dialog is placed once per new dialog-table entry: N INVITEs of fresh
// Call-IDs are N dialogs on the servers they went to and on the VIP port;
// retransmissions, in-dialog requests, REGISTER and OPTIONS place none; a
// dialog re-pinned away from a lost server is placed again, on its new
// server.
func TestDialogsPlacedCounted(t *testing.T) {
	f := newFixture(t, testConfig())
	want := map[string]uint64{}
	var ids []string
	const n = 100
	for i := range n {
		id := fmt.Sprintf("placed-%d@example.com", i)
		ids = append(ids, id)
		r := f.handle(invite(id), client)
		if r.Verdict != Forwarded {
			t.Fatalf("INVITE %d: %v", i, r.Reason)
		}
		want[r.Server.Real]++
	}
	check := func(when string) {
		t.Helper()
		got, vport := f.placed()
		var sum uint64
		for _, s := range f.vp.Servers {
			sum += got[s.Real]
			if got[s.Real] != want[s.Real] {
				t.Errorf("%s: %s placed %d, want %d", when, s.Real, got[s.Real], want[s.Real])
			}
		}
		if vport != sum {
			t.Errorf("%s: VIP port placed %d, its servers %d", when, vport, sum)
		}
	}
	check("after 100 INVITEs")
	if want["rs1"] == 0 || want["rs2"] == 0 {
		t.Fatalf("calls not spread: %v", want)
	}

	for _, id := range ids[:10] {
		f.handle(invite(id), client) // retransmission
		for _, m := range []string{"ACK", "BYE", "INFO"} {
			f.handle(request(m, id, "b1"), client)
		}
		f.handle(request("INVITE", id, "b1"), client) // re-INVITE
	}
	f.handle(request("REGISTER", "reg-placed@example.com", ""), client)
	f.handle(request("OPTIONS", "opt-placed@example.com", ""), client)
	check("after in-dialog traffic, REGISTER and OPTIONS")

	sub := f.handle(request("SUBSCRIBE", "sub-placed@example.com", ""), client)
	want[sub.Server.Real]++
	check("after a SUBSCRIBE")

	// rs1 is found down and back: each of its dialogs that sends again is
	// re-pinned to rs2, a dialog placed there.
	rs1 := f.vp.Servers[0]
	f.st.Dialogs.Lose(rs1.ID)
	moved := 0
	for _, id := range ids {
		if k, _, _ := f.st.Dialogs.Get(hash.KeyString(id), t0); k == rs1.ID {
			if r := f.handle(request("BYE", id, "b1"), client); r.Server.Real != "rs2" {
				t.Fatalf("lost dialog went to %s", r.Server.Real)
			}
			moved++
		}
	}
	if moved == 0 {
		t.Fatal("no dialog of rs1 to move")
	}
	want["rs2"] += uint64(moved)
	check("after re-pinning rs1's lost dialogs")
}

// Stateless and sip-switch-off ports keep no dialog table: they place no
// dialogs (the MIB's definition), however many calls they carry.
func TestNoDialogTableNoDialogsPlaced(t *testing.T) {
	for name, edit := range map[string]func(*config.Config){
		"stateless":      func(c *config.Config) { c.Virtuals[0].Ports[0].Stateless = true },
		"sip-switch off": func(c *config.Config) { c.Virtuals[0].Ports[0].NoSIPSwitch = true },
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, testConfig(edit))
			for i := range 20 {
				if r := f.handle(invite(fmt.Sprintf("nt-%d", i)), client); r.Verdict != Forwarded {
					t.Fatal(r.Reason)
				}
			}
			got, vport := f.placed()
			if vport != 0 || got["rs1"] != 0 || got["rs2"] != 0 {
				t.Errorf("placed: VIP port %d, servers %v; want none", vport, got)
			}
		})
	}
}

// A client request dropped after its server was chosen is a drop of that
// server as well as of the VIP port; one refused before any choice
// (max-conn, no server) is not.
func TestDropsForRealServer(t *testing.T) {
	f := newFixture(t, testConfig())
	// Rewriting adds our Via: an INVITE that just fits a datagram no
	// longer does.
	base := len(invite("big@example.com", "X-Pad: "))
	pkt := invite("big@example.com", "X-Pad: "+strings.Repeat("p", MaxOut-10-base))
	if len(pkt) != MaxOut-10 {
		t.Fatalf("test bug: INVITE of %d bytes", len(pkt))
	}
	r := f.handle(pkt, client)
	if r.Verdict != Dropped || r.Reason != reason.OutTooLarge || r.Server == nil {
		t.Fatalf("oversized INVITE: %v %v server %v", r.Verdict, r.Reason, r.Server)
	}
	if n := r.Server.Stats.Drops.Load(); n != 1 {
		t.Errorf("%s counts %d drops, want 1", r.Server.Real, n)
	}
	g := newFixture(t, testConfig(func(c *config.Config) { c.Reals[0].MaxConn, c.Reals[1].MaxConn = 1, 1 }))
	g.handle(invite("a"), client)
	g.handle(invite("b"), client)
	if r := g.handle(invite("c"), client); r.Reason != reason.MaxConn {
		t.Fatalf("all full: %v", r.Reason)
	}
	for _, s := range g.vp.Servers {
		if n := s.Stats.Drops.Load(); n != 0 {
			t.Errorf("max-conn refusal counted as a drop of %s", s.Real)
		}
	}
}

// The worker counts a datagram the kernel refuses (here: an IPv6 server
// behind an IPv4 VIP socket) as a send-error of the VIP port and a drop of
// the server it was for; the other server's datagrams go out.
func TestSendErrorIsDropOfItsServer(t *testing.T) {
	const block = 203
	ip := func(h int) netip.Addr { return netip.AddrFrom4([4]byte{127, 31, block, byte(h)}) }
	vipA := netip.AddrPortFrom(ip(100), 5060)
	srv, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip(12), 5060)))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	cl, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip(1), 5062)))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	c := config.New()
	c.Dialog.MaxEntries = 1024
	c.Reals = []*config.RealServer{
		{Name: "rs6", Addr: netip.MustParseAddr("2001:db8::6"), Weight: 1, Ports: []*config.RealPort{{Port: 5060, Role: config.RoleBoth}}},
		{Name: "rs4", Addr: ip(12), Weight: 1, Ports: []*config.RealPort{{Port: 5060, Role: config.RoleBoth}}},
	}
	c.Virtuals = []*config.VirtualServer{{Name: "v", Addr: ip(100), Ports: []*config.VirtualPort{{Port: 5060,
		Binds: []config.Bind{{Real: "rs6", Port: 5060}, {Real: "rs4", Port: 5060}}}}}}
	reg := pool.NewRegistry(1)
	reg.SetDialogs(dialog.New(c.Dialog.MaxEntries, 0, 0))
	var state atomic.Pointer[pool.State]
	state.Store(pool.Build(c, func(string, uint16, *config.RealPort) bool { return true }, reg))
	conn, err := mmsg.Listen(vipA)
	if err != nil {
		t.Fatal(err)
	}
	mc, err := mmsg.New(conn, DefaultBatch)
	if err != nil {
		t.Fatal(err)
	}
	w := NewWorker(mc, vipA, &state, 0)
	done := make(chan error, 1)
	go func() { done <- w.Run() }()
	defer func() { conn.Close(); <-done }()

	const calls = 40
	for i := range calls {
		p := strings.ReplaceAll(invite(fmt.Sprintf("se-%d@example.com", i)), "198.51.100.7:5062", ip(1).String()+":5062")
		p = strings.ReplaceAll(p, "192.0.2.100", ip(100).String())
		if _, err := cl.WriteToUDPAddrPort([]byte(p), vipA); err != nil {
			t.Fatal(err)
		}
	}
	vp := state.Load().VPorts[vipA]
	rs6, rs4 := vp.Servers[0], vp.Servers[1]
	deadline := time.Now().Add(5 * time.Second)
	for rs6.Stats.Requests.Load()+rs4.Stats.Requests.Load() < calls && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // the batch's send
	got := 0
	srv.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	buf := make([]byte, 70000)
	for {
		if _, _, err := srv.ReadFromUDPAddrPort(buf); err != nil {
			break
		}
		got++
	}
	sendErrs := vp.Stats.Read().Drops[reason.SendError]
	if rs6.Stats.Requests.Load() == 0 || got == 0 {
		t.Fatalf("calls not spread: rs6 %d, rs4 received %d", rs6.Stats.Requests.Load(), got)
	}
	if d := rs6.Stats.Drops.Load(); d != rs6.Stats.Requests.Load() || d != sendErrs {
		t.Errorf("rs6: %d drops for %d requests, VIP port send-error %d; want all equal", d, rs6.Stats.Requests.Load(), sendErrs)
	}
	if d := rs4.Stats.Drops.Load(); d != 0 || uint64(got) != rs4.Stats.Requests.Load() {
		t.Errorf("rs4: %d drops, received %d of %d", d, got, rs4.Stats.Requests.Load())
	}
}
