package engine

import (
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"sipslb/slb/config"
	"sipslb/slb/reason"
)

func cfgWith(vips ...string) *config.Config {
	c := config.New()
	c.Dialog.MaxEntries = 1024
	c.Health.Interval, c.Health.Timeout, c.Health.Retries, c.Health.Rise = 100*time.Millisecond, 50*time.Millisecond, 1, 1
	c.Reals = []*config.RealServer{
		{Name: "rs1", Addr: netip.MustParseAddr("127.31.220.11"), Weight: 1, Ports: []*config.RealPort{{Port: 5060, Role: config.RoleBoth}}},
		{Name: "rs2", Addr: netip.MustParseAddr("127.31.220.12"), Weight: 1, Ports: []*config.RealPort{{Port: 5060, Role: config.RoleBoth, NoKeepalive: true}}},
	}
	for i, v := range vips {
		c.Virtuals = append(c.Virtuals, &config.VirtualServer{Name: "v" + string(rune('a'+i)), Addr: netip.MustParseAddr(v),
			Ports: []*config.VirtualPort{{Port: 5060, Binds: []config.Bind{{Real: "rs1", Port: 5060}, {Real: "rs2", Port: 5060}}}}})
	}
	return c
}

func newEngine(t *testing.T) *Engine {
	e := NewWithOptions(nil, Options{Workers: 2})
	t.Cleanup(e.Close)
	return e
}

func TestApplyListenersAndKeepsSockets(t *testing.T) {
	e := newEngine(t)
	a := netip.MustParseAddrPort("127.31.220.100:5060")
	if err := e.Apply(cfgWith("127.31.220.100")); err != nil {
		t.Fatal(err)
	}
	l := e.listeners[a]
	if l == nil || len(l.conns) != 2 {
		t.Fatalf("listener %v", l)
	}
	first := l.conns[0]
	c := cfgWith("127.31.220.100")
	c.Reals[0].Weight = 5
	c.Reals[0].Ports[0].NoKeepalive = true // nothing answers probes here
	c.Reals[1].Disabled = true
	c.Virtuals[0].Ports[0].Binds = c.Virtuals[0].Ports[0].Binds[:1]
	if err := e.Apply(c); err != nil {
		t.Fatal(err)
	}
	if e.listeners[a] != l || e.listeners[a].conns[0] != first {
		t.Fatal("a bind/weight/disable change reopened the VIP's sockets")
	}
	if g := e.state.Load().VPorts[a].Groups[0]; len(g.Servers) != 1 || g.Servers[0].Weight != 5 {
		t.Errorf("routing state not swapped: %+v", g.Servers)
	}
	if err := e.Apply(cfgWith()); err != nil {
		t.Fatal(err)
	}
	if len(e.listeners) != 0 {
		t.Fatalf("removed VIP still listening")
	}
	// The port is free again.
	uc, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(a))
	if err != nil {
		t.Fatalf("socket of a removed VIP not closed: %v", err)
	}
	uc.Close()
}

func TestApplyIsAllOrNothing(t *testing.T) {
	e := newEngine(t)
	good := cfgWith("127.31.220.101")
	if err := e.Apply(good); err != nil {
		t.Fatal(err)
	}
	kept := e.listeners[netip.MustParseAddrPort("127.31.220.101:5060")]
	taken, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.31.220.103:5060")))
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	bad := cfgWith("127.31.220.101", "127.31.220.102", "127.31.220.103")
	err = e.Apply(bad)
	if err == nil || !strings.Contains(err.Error(), "127.31.220.103:5060") {
		t.Fatalf("Apply with a port in use: %v", err)
	}
	if e.Config() != good {
		t.Error("failed Apply changed the running config")
	}
	if len(e.listeners) != 1 || e.listeners[netip.MustParseAddrPort("127.31.220.101:5060")] != kept {
		t.Errorf("failed Apply changed the listeners: %v", e.listeners)
	}
	// .102 was opened during the failed Apply and must be closed again.
	uc, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.MustParseAddrPort("127.31.220.102:5060")))
	if err != nil {
		t.Fatalf("listener opened by the failed Apply left open: %v", err)
	}
	uc.Close()
	if _, ok := e.state.Load().VPorts[netip.MustParseAddrPort("127.31.220.102:5060")]; ok {
		t.Error("failed Apply published routing state")
	}
}

// A health failure (ICMP port unreachable from a closed port) takes rs1
// out of the pool without any Apply; rs2 (keepalive off) stays.
func TestHealthEventRebuildsPool(t *testing.T) {
	e := newEngine(t)
	if err := e.Apply(cfgWith("127.31.220.104")); err != nil {
		t.Fatal(err)
	}
	a := netip.MustParseAddrPort("127.31.220.104:5060")
	deadline := time.Now().Add(10 * time.Second)
	for {
		g := e.state.Load().VPorts[a].Groups[0]
		if len(g.Servers) == 1 && g.Servers[0].Real == "rs2" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("rs1 (nothing listening) still in the pool after 10s: %d servers", len(g.Servers))
		}
		time.Sleep(20 * time.Millisecond)
	}
	st := e.Status()
	if h := st.Reals["rs1"].Ports[5060]; h.Health.Eligible() || h.LastResult == "" {
		t.Errorf("show server real for rs1: %+v", h)
	}
	routes, err := e.SIPHash("abc@host", "")
	if err != nil || len(routes) != 2 || routes[0].Real != "rs2" || routes[0].Via != "hash" {
		t.Errorf("SIPHash: %+v %v", routes, err)
	}
}

// The dsr data interface's frame counters reach the status snapshot, so
// show and SNMP can report drops that no VIP port counts.
func TestStatusCarriesDSRFrameCounters(t *testing.T) {
	e := newEngine(t)
	e.dsr.counters.Drop(reason.FrameShort)
	e.dsr.counters.Drop(reason.FrameShort)
	e.dsr.counters.Drop(reason.FrameNoVPort)
	e.dsr.counters.Fragments.Add(3)
	d := e.Status().DSR
	if d.Drops[reason.FrameShort] != 2 || d.Drops[reason.FrameNoVPort] != 1 || d.Fragments != 3 {
		t.Errorf("status DSR %+v, want short 2, no-vport 1, fragments 3", d)
	}
}

// TestInlinePortRefused: without raw sockets an inline port is refused
// with its reasons, and no proxy socket ever serves it (proxy mode would
// rewrite the SIP headers inline mode leaves alone).
func TestInlinePortRefused(t *testing.T) {
	e := newEngine(t)
	c := cfgWith("127.31.220.101")
	c.Virtuals[0].Ports[0].Inline = true
	err := e.Apply(c)
	if err == nil || !strings.Contains(err.Error(), "inline ports need raw sockets") {
		t.Fatalf("Apply: %v", err)
	}
	if len(e.listeners) != 0 {
		t.Fatalf("listeners opened: %v", e.listeners)
	}
	if got := wantedListeners(c); len(got) != 0 {
		t.Fatalf("an inline port wants a proxy socket: %v", got)
	}
}
