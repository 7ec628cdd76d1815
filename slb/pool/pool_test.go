package pool

import (
	"net/netip"
	"testing"

	"sipslb/slb/config"
	"sipslb/slb/dialog"
	"sipslb/slb/hash"
	"sipslb/slb/reason"
)

func cfg() *config.Config {
	c := config.New()
	for i, n := range []string{"a", "b", "c"} {
		c.Reals = append(c.Reals, &config.RealServer{Name: n, Addr: netip.AddrFrom4([4]byte{192, 0, 2, byte(10 + i)}), Weight: 1,
			Ports: []*config.RealPort{{Port: 5060, Role: config.RoleBoth}}})
	}
	c.Reals[0].Ports[0].Role = config.RoleProxy
	c.Reals[1].Ports[0].Role = config.RoleRegistrar
	c.Reals[2].Weight = 3
	c.Virtuals = []*config.VirtualServer{{Name: "v", Addr: netip.MustParseAddr("192.0.2.100"), Ports: []*config.VirtualPort{{Port: 5060,
		Binds: []config.Bind{{Real: "a", Port: 5060}, {Real: "b", Port: 5060}, {Real: "c", Port: 5060}}}}}}
	return c
}

func all(string, uint16, *config.RealPort) bool { return true }

func names(g Group) []string {
	var out []string
	for _, s := range g.Servers {
		out = append(out, s.Real)
	}
	return out
}

func TestGroupsAndWeights(t *testing.T) {
	reg := NewRegistry(1)
	reg.SetDialogs(dialog.New(100, 1, 0))
	st := Build(cfg(), all, reg)
	vp := st.VPorts[netip.MustParseAddrPort("192.0.2.100:5060")]
	for _, tc := range []struct {
		kind GroupKind
		want string
	}{{GroupProxy, "[a c]"}, {GroupRegistrar, "[b c]"}, {GroupAny, "[a b c]"}} {
		if got := names(vp.Groups[tc.kind]); sprint(got) != tc.want {
			t.Errorf("%v group %v, want %v", tc.kind, got, tc.want)
		}
	}
	// c has weight 3 against a's 1: about 75% of the proxy group.
	g := vp.Groups[GroupProxy]
	if s := g.Share(g.Servers[1]); s < 0.70 || s > 0.80 {
		t.Errorf("weight-3 server owns %.3f of the proxy table, want ~0.75", s)
	}
	n := 0
	for i := range 10000 {
		s, _, _ := g.pick(hash.KeyString(string(rune(i))+"x@y"), nil, NoServer)
		if s.Real == "c" {
			n++
		}
	}
	if n < 7000 || n > 8000 {
		t.Errorf("weight-3 server got %d of 10000 picks", n)
	}
}

func TestIDsSurviveRebuildsAndAreNotReusedWhileNamed(t *testing.T) {
	reg := NewRegistry(1)
	dt := dialog.New(100, 1, 0)
	reg.SetDialogs(dt)
	st := Build(cfg(), all, reg)
	idA := st.ByAddr[netip.MustParseAddrPort("192.0.2.10:5060")].ID
	dt.Put(1, idA, 1<<62)
	c := cfg()
	c.Reals = c.Reals[1:] // remove a
	c.Virtuals[0].Ports[0].Binds = c.Virtuals[0].Ports[0].Binds[1:]
	Build(c, all, reg)
	c2 := cfg()
	c2.Reals[0].Name = "a2" // a new server
	c2.Virtuals[0].Ports[0].Binds[0].Real = "a2"
	st2 := Build(c2, all, reg)
	if id := st2.ByAddr[netip.MustParseAddrPort("192.0.2.10:5060")].ID; id == idA {
		t.Errorf("new server got id %d, still named by a dialog of the removed one", id)
	}
	if st2.ByAddr[netip.MustParseAddrPort("192.0.2.12:5060")].ID != st.ByAddr[netip.MustParseAddrPort("192.0.2.12:5060")].ID {
		t.Error("an unchanged server changed id across rebuilds")
	}
}

func sprint(s []string) string {
	out := "["
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out + "]"
}

// pick passes over the avoided server for the keys it owns, spreads them
// over the others, leaves every other key where an unavoiding pick puts
// it, and takes the avoided server only when it is the last one with room.
func TestPickAvoiding(t *testing.T) {
	reg := NewRegistry(1)
	dt := dialog.New(100, 1, 0)
	reg.SetDialogs(dt)
	st := Build(cfg(), all, reg)
	g := st.VPorts[netip.MustParseAddrPort("192.0.2.100:5060")].Groups[GroupAny] // a, b, c (weight 3)
	a := g.Servers[0]
	moved := map[string]int{}
	for i := range 3000 {
		k := hash.KeyString(string(rune(i)) + "avoid@y")
		want, _, _ := g.pick(k, dt, NoServer)
		got, _, why := g.pick(k, dt, a.ID)
		switch {
		case got == nil || why != reason.OK:
			t.Fatalf("key %d: no pick (%v)", i, why)
		case want != a && got != want:
			t.Fatalf("key %d: moved from %s to %s although %s was not avoided", i, want.Real, got.Real, want.Real)
		case got == a:
			t.Fatalf("key %d: picked the avoided server", i)
		case want == a:
			moved[got.Real]++
		}
	}
	if moved["b"] == 0 || moved["c"] == 0 {
		t.Errorf("a's keys went to %v, want both b and c", moved)
	}
	// The only server with room is taken even when avoided.
	c := cfg()
	c.Reals[1].MaxConn, c.Reals[2].MaxConn = 1, 1
	st = Build(c, all, reg)
	g = st.VPorts[netip.MustParseAddrPort("192.0.2.100:5060")].Groups[GroupAny]
	dt.Put(1, g.Servers[1].ID, 1<<62)
	dt.Put(2, g.Servers[2].ID, 1<<62)
	if got, _, _ := g.pick(hash.KeyString("last@y"), dt, g.Servers[0].ID); got != g.Servers[0] {
		t.Errorf("picked %v, want the avoided server, the only one with room", got)
	}
	if got, _, why := g.pick(hash.KeyString("last@y"), dt, NoServer); got != g.Servers[0] || why != reason.OK {
		t.Errorf("pick avoiding nobody = %v %v", got, why)
	}
}
