package pool

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"sipslb/slb/config"
	"sipslb/slb/dialog"
	"sipslb/slb/hash"
	"sipslb/slb/reason"
	"sipslb/slb/sip"
	"sipslb/slb/stats"
)

const now = int64(1000 * time.Hour)

var (
	vipAddr = netip.MustParseAddrPort("192.0.2.100:5060")
	src     = netip.MustParseAddrPort("198.51.100.7:5062")
)

// rig is a State over cfg(): a (proxy), b (registrar), c (both, weight
// 3) bound to 192.0.2.100:5060, with a dialog table that outlives
// rebuilds, as the engine's does.
type rig struct {
	t    *testing.T
	reg  *Registry
	dt   *dialog.Table
	c    *config.Config
	down map[string]bool
	st   *State
	vp   *VPort
}

func newRig(t *testing.T, edit func(*config.Config)) *rig {
	r := &rig{t: t, reg: NewRegistry(1), dt: dialog.New(1000, 1, 0), c: cfg(), down: map[string]bool{}}
	r.reg.SetDialogs(r.dt)
	if edit != nil {
		edit(r.c)
	}
	r.build()
	return r
}

func (r *rig) build() {
	r.st = Build(r.c, func(real string, _ uint16, _ *config.RealPort) bool { return !r.down[real] }, r.reg)
	r.vp = r.st.VPorts[vipAddr]
}

func (r *rig) server(name string) *Server {
	for _, s := range r.vp.Servers {
		if s.Real == name {
			return s
		}
	}
	r.t.Fatalf("no server %s bound", name)
	return nil
}

func (r *rig) route(callID string, m sip.Method) Decision {
	return r.st.Route(r.vp, &Query{CallKey: hash.KeyString(callID), Src: src, Method: m}, now)
}

func (r *rig) real(name string) *config.RealServer {
	for _, x := range r.c.Reals {
		if x.Name == name {
			return x
		}
	}
	r.t.Fatalf("no real %s", name)
	return nil
}

// ownedBy returns a Call-ID the proxy group's table gives to server name.
func (r *rig) ownedBy(name string) string {
	g := &r.vp.Groups[GroupProxy]
	for i := range 10000 {
		id := fmt.Sprintf("owned-%d@%s", i, name)
		if g.Servers[g.Table.Lookup(hash.KeyString(id))].Real == name {
			return id
		}
	}
	r.t.Fatalf("no Call-ID owned by %s", name)
	return ""
}

func (r *rig) sh() *stats.Shard { return r.vp.Stats.Shard(0) }

// A new dialog is hashed to the key's owner and pinned for the TTL; its
// next requests follow the entry and refresh it, BYE and CANCEL to
// ShortTTL; a request that creates no dialog is hashed and pins nothing.
func TestRouteHashThenDialog(t *testing.T) {
	r := newRig(t, nil)
	id := r.ownedBy("a")
	d := r.route(id, sip.MethodInvite)
	if d.Server != r.server("a") || d.How != HowHash || d.Reason != reason.OK || d.Group != GroupProxy ||
		d.Overflow || d.Owner != d.Server || d.ByAddr || d.Key != hash.KeyString(id) {
		t.Fatalf("new INVITE: %+v", d)
	}
	if d.Write != WritePin || d.Exp != now+r.st.TTL {
		t.Fatalf("new INVITE writes %v until %d, want a pin until now+TTL", d.Write, d.Exp)
	}
	if _, _, ok := r.dt.Get(d.Key, now); ok {
		t.Fatal("Route wrote to the dialog table")
	}
	r.st.Apply(&d, r.sh())
	if sid, _, ok := r.dt.Get(d.Key, now); !ok || sid != r.server("a").ID {
		t.Fatal("Apply did not pin the dialog")
	}
	if n := r.server("a").Stats.Dialogs.Load(); n != 1 {
		t.Errorf("dialogs placed on a: %d, want 1", n)
	}

	for _, tc := range []struct {
		m   sip.Method
		exp int64
	}{{sip.MethodAck, now + r.st.TTL}, {sip.MethodInfo, now + r.st.TTL}, {sip.MethodInvite, now + r.st.TTL},
		{sip.MethodBye, now + ShortTTL}, {sip.MethodCancel, now + ShortTTL}} {
		d := r.route(id, tc.m)
		if d.Server != r.server("a") || d.How != HowDialog || d.Write != WriteRefresh || d.Exp != tc.exp {
			t.Errorf("%v in the dialog: %v to %v, write %v until %d, want dialog table to a, refresh until %d",
				tc.m, d.How, d.Server, d.Write, d.Exp, tc.exp)
		}
	}
	d = r.route(id, sip.MethodBye)
	r.st.Apply(&d, r.sh())
	if _, _, ok := r.dt.Get(d.Key, now+ShortTTL-1); !ok {
		t.Error("the entry is gone before ShortTTL after the BYE")
	}
	if _, _, ok := r.dt.Get(d.Key, now+ShortTTL+1); ok {
		t.Error("the entry outlives ShortTTL after the BYE")
	}
	if n := r.server("a").Stats.Dialogs.Load(); n != 1 {
		t.Errorf("dialogs placed on a after refreshes: %d, want 1", n)
	}

	for _, m := range []sip.Method{sip.MethodOptions, sip.MethodMessage, sip.MethodAck} {
		if d := r.route("lone@x", m); d.How != HowHash || d.Write != WriteNothing {
			t.Errorf("%v without a dialog: %v, write %v; want hash, no write", m, d.How, d.Write)
		}
	}
	for _, m := range []sip.Method{sip.MethodSubscribe, sip.MethodRefer} {
		if d := r.route("lone@x", m); d.Write != WritePin {
			t.Errorf("%v without a dialog: write %v, want a pin", m, d.Write)
		}
	}
}

// The dialog's server keeps it while bound and healthy, even disabled, at
// weight 0 or at max-conn.
func TestRouteDialogKeepsDrainingServer(t *testing.T) {
	r := newRig(t, nil)
	id := r.ownedBy("a")
	d := r.route(id, sip.MethodInvite)
	r.st.Apply(&d, r.sh())
	for name, edit := range map[string]func(*config.RealServer){
		"disabled": func(x *config.RealServer) { x.Disabled = true },
		"weight 0": func(x *config.RealServer) { x.Weight = 0 },
		"max-conn": func(x *config.RealServer) { x.MaxConn = 1 },
	} {
		r.c = cfg()
		edit(r.real("a"))
		r.build()
		if d := r.route(id, sip.MethodBye); d.How != HowDialog || d.Server.Real != "a" {
			t.Errorf("%s: %v to %v, want the dialog table to a", name, d.How, d.Server)
		}
		if d := r.route("new@x", sip.MethodInvite); name != "max-conn" && d.Server.Real == "a" {
			t.Errorf("%s: a new Call-ID went to a", name)
		}
	}
}

// A dialog whose server was lost (found down since it began), is down, or
// was unbound is hashed again, never back to that server even when it is
// up again and owns the key, and re-pinned, counted as placed.
func TestRouteLostServer(t *testing.T) {
	r := newRig(t, nil)
	a := r.server("a")
	id := r.ownedBy("a")
	d := r.route(id, sip.MethodInvite)
	r.st.Apply(&d, r.sh())

	r.dt.Lose(a.ID) // down event; the server is up again below
	d = r.route(id, sip.MethodAck)
	if d.How != HowRepin || d.Server == nil || d.Server == a || d.Stale != a || !d.Lost {
		t.Fatalf("lost dialog: %v to %v, stale %v lost %v; want re-pinned away from a", d.How, d.Server, d.Stale, d.Lost)
	}
	if d.Overflow || d.Owner != a {
		t.Errorf("lost dialog: overflow %v owner %v, want no overflow, owner a", d.Overflow, d.Owner)
	}
	if d.Write != WritePin || d.Exp != now+r.st.TTL {
		t.Errorf("lost dialog: write %v until %d, want a pin (even for an ACK)", d.Write, d.Exp)
	}
	placed := d.Server.Stats.Dialogs.Load()
	r.st.Apply(&d, r.sh())
	if sid, lost, ok := r.dt.Get(d.Key, now); !ok || lost || sid != d.Server.ID {
		t.Fatal("the dialog was not re-pinned")
	}
	if d.Server.Stats.Dialogs.Load() != placed+1 {
		t.Error("a re-pin is not counted as a dialog placed")
	}
	if d2 := r.route(id, sip.MethodBye); d2.How != HowDialog || d2.Server != d.Server {
		t.Errorf("after the re-pin: %v to %v", d2.How, d2.Server)
	}

	// Down (not yet lost): the same, Lost false.
	id3 := "down@x"
	r.dt.Put(hash.KeyString(id3), a.ID, now+int64(time.Hour))
	r.down["a"] = true
	r.build()
	if d := r.route(id3, sip.MethodBye); d.How != HowRepin || d.Server == nil || d.Server.Real == "a" || d.Lost || d.Stale == nil || d.Stale.Real != "a" {
		t.Errorf("dialog of a down server: %+v", d)
	}
	// Unbound: Stale is nil, the dialog is re-hashed.
	r.down["a"] = false
	r.c.Virtuals[0].Ports[0].Binds = r.c.Virtuals[0].Ports[0].Binds[1:]
	r.build()
	if d := r.route(id3, sip.MethodBye); d.How != HowRepin || d.Server == nil || d.Stale != nil {
		t.Errorf("dialog of an unbound server: %+v", d)
	}
}

// A full owner's new Call-IDs overflow to a server with room (Overflow,
// Owner); with every member full there is no server (max-conn), and an
// empty group has none either (no-server). Neither writes.
func TestRouteMaxConn(t *testing.T) {
	r := newRig(t, func(c *config.Config) { c.Reals[0].MaxConn, c.Reals[2].MaxConn = 1, 1 })
	a, c := r.server("a"), r.server("c")
	r.dt.Put(1, a.ID, now+int64(time.Hour))
	id := r.ownedBy("a")
	d := r.route(id, sip.MethodInvite)
	if d.How != HowHash || d.Server != c || !d.Overflow || d.Owner != a || d.Write != WritePin {
		t.Fatalf("owner at max-conn: %v to %v, overflow %v owner %v write %v; want hash to c, overflow from a",
			d.How, d.Server, d.Overflow, d.Owner, d.Write)
	}
	r.st.Apply(&d, r.sh())
	d = r.route("another@x", sip.MethodInvite)
	if d.Server != nil || d.How != HowNone || d.Reason != reason.MaxConn || d.Write != WriteNothing {
		t.Fatalf("every server full: %+v, want none, max-conn", d)
	}
	// The established dialog still finds its server at max-conn.
	if d := r.route(id, sip.MethodBye); d.How != HowDialog || d.Server != c {
		t.Errorf("dialog at a full server: %v to %v", d.How, d.Server)
	}

	r = newRig(t, func(c *config.Config) { c.Reals[0].Weight, c.Reals[2].Weight = 0, 0 })
	if d := r.route("x@y", sip.MethodInvite); d.Server != nil || d.How != HowNone || d.Reason != reason.NoServer {
		t.Errorf("empty group: %+v, want none, no-server", d)
	}
}

// A stateless port reads and writes no dialog table and enforces no
// max-conn: every message is hashed.
func TestRouteStateless(t *testing.T) {
	r := newRig(t, func(c *config.Config) {
		c.Virtuals[0].Ports[0].Stateless = true
		c.Reals[0].MaxConn = 1
	})
	a, c := r.server("a"), r.server("c")
	id := r.ownedBy("a")
	r.dt.Put(hash.KeyString(id), c.ID, now+int64(time.Hour)) // would send it to c
	r.dt.Put(1, a.ID, now+int64(time.Hour))                  // a is full
	for _, m := range []sip.Method{sip.MethodInvite, sip.MethodBye} {
		if d := r.route(id, m); d.How != HowHash || d.Server != a || d.Overflow || d.Write != WriteNothing {
			t.Errorf("stateless %v: %v to %v, overflow %v, write %v; want hash to a, no write", m, d.How, d.Server, d.Overflow, d.Write)
		}
	}
}

// sip-switch off: the client's address is the key, in the group of every
// bound port, whatever the Call-ID and method; no dialog table.
func TestRouteSIPSwitchOff(t *testing.T) {
	r := newRig(t, func(c *config.Config) { c.Virtuals[0].Ports[0].NoSIPSwitch = true })
	var first *Server
	for i, m := range []sip.Method{sip.MethodInvite, sip.MethodRegister, sip.MethodBye, sip.MethodOptions} {
		id := fmt.Sprintf("off-%d@x", i)
		r.dt.Put(hash.KeyString(id), r.server("b").ID, now+int64(time.Hour))
		d := r.route(id, m)
		if d.Group != GroupAny || !d.ByAddr || d.Key != AddrKey(src) || d.How != HowHash || d.Write != WriteNothing {
			t.Fatalf("sip-switch off %v: %+v", m, d)
		}
		if first == nil {
			first = d.Server
		} else if d.Server != first {
			t.Errorf("one client went to %v and %v", first, d.Server)
		}
	}
	moved := false
	for p := range uint16(50) {
		q := Query{CallKey: 1, Src: netip.AddrPortFrom(src.Addr(), 6000+p), Method: sip.MethodInvite}
		if r.st.Route(r.vp, &q, now).Server != first {
			moved = true
		}
	}
	if !moved {
		t.Error("50 client ports all went to one server")
	}
}

// REGISTER goes to the registrar group by its Call-ID, every time: a
// registration is no dialog, so it neither follows nor writes an entry.
func TestRouteRegisterToRegistrar(t *testing.T) {
	r := newRig(t, nil)
	id := "reg@x"
	r.dt.Put(hash.KeyString(id), r.server("a").ID, now+int64(time.Hour)) // a is proxy-only
	d := r.route(id, sip.MethodRegister)
	if d.Group != GroupRegistrar || d.How != HowHash || d.Write != WriteNothing || (d.Server.Real != "b" && d.Server.Real != "c") {
		t.Fatalf("REGISTER: %+v", d)
	}
	for i := range 200 {
		if d := r.route(fmt.Sprintf("reg-%d@x", i), sip.MethodRegister); d.Server.Role&config.RoleRegistrar == 0 {
			t.Fatalf("REGISTER went to %s, not a registrar", d.Server.Real)
		}
	}
	// max-conn counts the registrar's dialogs.
	r = newRig(t, func(c *config.Config) { c.Reals[1].MaxConn, c.Reals[2].MaxConn = 1, 1 })
	r.dt.Put(1, r.server("b").ID, now+int64(time.Hour))
	r.dt.Put(2, r.server("c").ID, now+int64(time.Hour))
	if d := r.route(id, sip.MethodRegister); d.Server != nil || d.Reason != reason.MaxConn {
		t.Errorf("REGISTER with every registrar full: %+v", d)
	}
}

// A client's response (DSR) follows the dialog's server or the hash and
// writes nothing; a message without a Call-ID (a DSR keepalive) is hashed
// by the client's address in the proxy group.
func TestRouteResponseAndNoCallID(t *testing.T) {
	r := newRig(t, nil)
	id := r.ownedBy("c")
	r.dt.Put(hash.KeyString(id), r.server("a").ID, now+int64(time.Hour))
	q := Query{CallKey: hash.KeyString(id), Src: src, Method: sip.MethodBye, Response: true}
	if d := r.st.Route(r.vp, &q, now); d.How != HowDialog || d.Server.Real != "a" || d.Write != WriteNothing {
		t.Errorf("response in a dialog: %+v", d)
	}
	q.CallKey, q.Method = hash.KeyString("resp-new@x"), sip.MethodInvite
	if d := r.st.Route(r.vp, &q, now); d.How != HowHash || d.Write != WriteNothing {
		t.Errorf("response to an INVITE without an entry: %+v", d)
	}
	r.dt.Lose(r.server("a").ID)
	q.CallKey, q.Method = hash.KeyString(id), sip.MethodBye
	if d := r.st.Route(r.vp, &q, now); d.How != HowRepin || d.Write != WriteNothing {
		t.Errorf("response in a lost dialog: %+v", d)
	}
	q = Query{NoCallID: true, Src: src, CallKey: 7}
	if d := r.st.Route(r.vp, &q, now); !d.ByAddr || d.Key != AddrKey(src) || d.Group != GroupProxy || d.Write != WriteNothing {
		t.Errorf("no Call-ID: %+v", d)
	}
}

// Refresh and Shorten renew entries of ports that keep dialogs, create
// none, and leave stateless and sip-switch-off ports alone.
func TestRefreshAndShorten(t *testing.T) {
	r := newRig(t, nil)
	k := hash.KeyString("ref@x")
	r.st.Refresh(r.vp, k, sip.MethodBye, now)
	if _, _, ok := r.dt.Get(k, now); ok {
		t.Fatal("Refresh created an entry")
	}
	r.dt.Put(k, r.server("a").ID, now+1)
	r.st.Refresh(r.vp, k, sip.MethodNotify, now)
	if _, _, ok := r.dt.Get(k, now+r.st.TTL-1); !ok {
		t.Error("Refresh of a NOTIFY did not extend the entry by the TTL")
	}
	r.st.Refresh(r.vp, k, sip.MethodBye, now)
	if _, _, ok := r.dt.Get(k, now+ShortTTL+1); ok {
		t.Error("Refresh of a BYE did not shorten the entry")
	}
	r.dt.Put(k, r.server("a").ID, now+r.st.TTL)
	r.st.Shorten(r.vp, k, now)
	if _, _, ok := r.dt.Get(k, now+ShortTTL+1); ok {
		t.Error("Shorten did not shorten the entry")
	}
	for _, edit := range []func(*config.VirtualPort){
		func(p *config.VirtualPort) { p.Stateless = true },
		func(p *config.VirtualPort) { p.NoSIPSwitch = true },
	} {
		r.c = cfg()
		edit(r.c.Virtuals[0].Ports[0])
		r.build()
		r.dt.Put(k, r.server("a").ID, now+r.st.TTL)
		r.st.Shorten(r.vp, k, now)
		r.st.Refresh(r.vp, k, sip.MethodBye, now)
		if _, _, ok := r.dt.Get(k, now+ShortTTL+1); !ok {
			t.Error("a port without dialogs shortened an entry")
		}
	}
}

// Route and Apply allocate nothing, for a new Call-ID (hash and pin) as
// for one in a dialog.
func TestRouteAllocatesNothing(t *testing.T) {
	r := newRig(t, nil)
	sh := r.sh()
	keys := make([]uint64, 512)
	for i := range keys {
		keys[i] = hash.KeyString(fmt.Sprintf("alloc-%d@x", i))
	}
	i := 0
	n := testing.AllocsPerRun(400, func() {
		q := Query{CallKey: keys[i%len(keys)], Src: src, Method: sip.MethodInvite}
		i++
		d := r.st.Route(r.vp, &q, now)
		r.st.Apply(&d, sh)
	})
	if n != 0 {
		t.Errorf("Route+Apply: %v allocations per message", n)
	}
	if r.dt.Len() != i {
		t.Errorf("%d entries after %d new Call-IDs: the new-dialog path was not measured", r.dt.Len(), i)
	}
}
