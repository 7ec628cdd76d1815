package dsr

// Effect tests of the VIP port keywords that change how a DSR port
// routes: no port P sip-switch and port P stateless (docs/cli.md, "Which
// tests cover which keyword").

import (
	"bytes"
	"fmt"
	"net/netip"
	"testing"

	"sipslb/slb/config"
	"sipslb/slb/pool"
	"sipslb/slb/reason"
	"sipslb/slb/sip"
)

// frameFrom is frame with another client address.
func frameFrom(src netip.AddrPort, payload []byte) []byte {
	return AppendUDPFrame(nil, &UDPFrame{Dst: ourMAC, Src: clMAC, From: src,
		To: netip.AddrPortFrom(vip, 5060), ID: 7}, payload)
}

// noSIPSwitchConfig is dsrConfig with rs2 a registrar only, and the VIP
// port with or without sip-switch.
func noSIPSwitchConfig(off bool) *config.Config {
	c := dsrConfig(func(p *config.VirtualPort) { p.NoSIPSwitch = off })
	c.Reals[1].Ports[0].Role = config.RoleRegistrar
	return c
}

// no port sip sip-switch on a DSR port: the client's IP:port picks the
// server (two calls from one address go to one server, whatever their
// Call-IDs), the choice is the routing decision's (pool.State.Route, which
// proxy mode asks too), server roles are ignored, and no
// dialog entry is made. The same traffic with sip-switch on is hashed by
// Call-ID (so this test fails if the keyword does nothing).
func TestNoSIPSwitchPicksByClientAddress(t *testing.T) {
	st := buildState(t, noSIPSwitchConfig(true))
	vp := st.VPorts[netip.AddrPortFrom(vip, 5060)]
	f := newForwarder()
	got := map[string]int{}
	for i := range 64 {
		src := netip.AddrPortFrom(client.Addr(), uint16(10000+i))
		first := f.Handle(st, realMACs, frameFrom(src, sipMsg("INVITE", fmt.Sprintf("a-%d@x", i), 0)), now)
		again := f.Handle(st, realMACs, frameFrom(src, sipMsg("INVITE", fmt.Sprintf("b-%d@x", i), 0)), now)
		if first.Server == nil || again.Server == nil {
			t.Fatalf("client %v: %v/%v then %v/%v", src, first.Verdict, first.Reason, again.Verdict, again.Reason)
		}
		if first.Server.Real != again.Server.Real {
			t.Fatalf("client %v: two calls went to %s and %s, want one server", src, first.Server.Real, again.Server.Real)
		}
		if mac := MAC(first.Out[0:6]); mac != realMACs[first.Server.Addr.Addr()] {
			t.Fatalf("client %v: frame to %x, not to %s's MAC", src, mac, first.Server.Real)
		}
		if d := st.Route(vp, &pool.Query{CallKey: uint64(i), Src: src, Method: sip.MethodInvite}, now); d.Server != first.Server {
			t.Fatalf("client %v: dsr chose %s, the routing decision %v", src, first.Server.Real, d.Server)
		}
		got[first.Server.Real]++
	}
	if len(got) != 3 {
		t.Errorf("64 client addresses went to %v, want all three servers (rs2, a registrar only, too: roles are ignored)", got)
	}
	if n := st.Dialogs.Len(); n != 0 {
		t.Errorf("sip-switch off made %d dialog entries", n)
	}

	// The control: with sip-switch on, the Call-ID picks (so calls from
	// one address spread), INVITEs never reach the registrar-only rs2,
	// and each INVITE pins a dialog.
	on := buildState(t, noSIPSwitchConfig(false))
	split := 0
	for i := range 64 {
		src := netip.AddrPortFrom(client.Addr(), uint16(10000+i))
		a := f.Handle(on, realMACs, frameFrom(src, sipMsg("INVITE", fmt.Sprintf("a-%d@x", i), 0)), now)
		b := f.Handle(on, realMACs, frameFrom(src, sipMsg("INVITE", fmt.Sprintf("b-%d@x", i), 0)), now)
		if a.Server.Real != b.Server.Real {
			split++
		}
		if a.Server.Real == "rs2" || b.Server.Real == "rs2" {
			t.Fatal("sip-switch on: an INVITE reached the registrar-only rs2")
		}
	}
	if split == 0 || on.Dialogs.Len() != 128 {
		t.Errorf("sip-switch on: %d of 64 addresses split their calls, %d dialogs; the control does not differ", split, on.Dialogs.Len())
	}
}

// no port sip sip-switch on a DSR port, fragmented datagram: the client's
// address picks the server, so a first fragment is forwarded even when
// its Call-ID line is in a later fragment (with sip-switch on it is
// dropped as frag-no-call-id, TestHandleVerdicts), and the rest follow.
func TestNoSIPSwitchFragmentsWithoutCallID(t *testing.T) {
	st := buildState(t, noSIPSwitchConfig(true))
	f := newForwarder()
	pad := "X-Pad: " + string(bytes.Repeat([]byte{'p'}, 2000)) + "\r\nCall-ID"
	whole := bytes.Replace(sipMsg("INVITE", "late@x", 1000), []byte("Call-ID"), []byte(pad), 1)
	ref := newForwarder().Handle(st, realMACs, frame(sipMsg("INVITE", "other@x", 0)), now)
	if ref.Server == nil {
		t.Fatalf("unfragmented INVITE: %v %v", ref.Verdict, ref.Reason)
	}
	want := realMACs[ref.Server.Addr.Addr()]
	frs := fragments(frame(whole), 1500)
	if len(frs) != 3 {
		t.Fatalf("%d fragments", len(frs))
	}
	for i, fr := range frs {
		r := f.Handle(st, realMACs, fr, now+int64(i))
		if r.Verdict != Forwarded {
			t.Fatalf("fragment %d: %v %v %v", i, r.Verdict, r.Reason, r.Frame)
		}
		if mac := MAC(r.Out[0:6]); mac != want {
			t.Errorf("fragment %d to %x, want %x (%s, the client address's server)", i, mac, want, ref.Server.Real)
		}
	}
	if n := st.VPorts[netip.AddrPortFrom(vip, 5060)].Stats.Read().Drops[reason.FragNoCallID]; n != 0 {
		t.Errorf("frag-no-call-id counted %d times", n)
	}
}

// port sip stateless on a DSR port: no dialog entry is made or read. Every
// message of a call goes where its Call-ID hashes, so when the server set
// changes, a call whose server left the table follows the new table
// instead of staying on its old server, as a pinned dialog does. Without
// stateless the same traffic fills the dialog table and sticks.
func TestStatelessMakesNoDialogs(t *testing.T) {
	const calls = 60
	for _, stateless := range []bool{true, false} {
		t.Run(fmt.Sprintf("stateless=%v", stateless), func(t *testing.T) {
			c := dsrConfig(func(p *config.VirtualPort) { p.Stateless = stateless })
			st := buildState(t, c)
			f := newForwarder()
			owner := map[string]string{}
			for i := range calls {
				id := fmt.Sprintf("stateless-%d@x", i)
				r := f.Handle(st, realMACs, frame(sipMsg("INVITE", id, 0)), now)
				if r.Server == nil {
					t.Fatalf("INVITE %s: %v %v", id, r.Verdict, r.Reason)
				}
				owner[id] = r.Server.Real
			}
			if n := st.Dialogs.Len(); stateless && n != 0 {
				t.Fatalf("stateless: %d dialog entries after %d INVITEs", n, calls)
			} else if !stateless && n != calls {
				t.Fatalf("stateful: %d dialog entries after %d INVITEs", n, calls)
			}
			// rs1 leaves the table (weight 0: no new calls).
			c.Reals[0].Weight = 0
			st2 := buildState(t, c)
			st2.Dialogs = st.Dialogs
			moved, onRS1 := 0, 0
			for id, was := range owner {
				r := f.Handle(st2, realMACs, frame(sipMsg("BYE", id, 0)), now+1)
				if r.Server == nil {
					t.Fatalf("BYE %s: %v %v", id, r.Verdict, r.Reason)
				}
				if was == "rs1" {
					onRS1++
					if r.Server.Real != "rs1" {
						moved++
					}
				} else if r.Server.Real != was {
					t.Errorf("BYE %s went to %s, its INVITE to %s (neither on rs1)", id, r.Server.Real, was)
				}
			}
			if onRS1 == 0 {
				t.Fatal("no call was on rs1")
			}
			if stateless && (moved != onRS1 || st.Dialogs.Len() != 0) {
				t.Errorf("stateless: %d of %d rs1 calls followed the new table, %d dialog entries", moved, onRS1, st.Dialogs.Len())
			}
			if !stateless && moved != 0 {
				t.Errorf("stateful: %d of %d rs1 calls left their pinned server", moved, onRS1)
			}
		})
	}
}
