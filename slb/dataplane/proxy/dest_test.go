package proxy

import (
	"net/netip"
	"strings"
	"testing"

	"sipslb/slb/config"
	"sipslb/slb/reason"
)

// fromFarm is a BYE the real server rs1 sends toward a client, to the
// Request-URI uri (our Route on top, as a Record-Routed dialog has it).
func fromFarm(uri string) string {
	return msg(`
BYE ` + uri + ` SIP/2.0
Via: SIP/2.0/UDP 192.0.2.11:5060;branch=z9hG4bK-s1
Route: <sip:192.0.2.100:5060;lr>
From: <sip:bob@example.com>;tag=b1
To: <sip:alice@example.com>;tag=a1
Call-ID: dest@example.com
CSeq: 2 BYE
Max-Forwards: 70
Content-Length: 0

`)
}

// A request from the farm is never sent to an unspecified, broadcast or
// multicast address, nor to one of our own addresses: it is dropped and
// counted under bad-destination or loop. Before this rule, a Request-URI
// host of 0.0.0.0 (which the kernel delivers to the sending host: the VIP
// itself, from the VIP, so the request came back as a client's and was
// hashed into the farm) or 255.255.255.255 was forwarded.
func TestFarmRequestNeverToBadDestination(t *testing.T) {
	// A second virtual server, disabled: its address is ours all the same.
	f := newFixture(t, testConfig(func(c *config.Config) {
		c.Virtuals = append(c.Virtuals, &config.VirtualServer{Name: "off", Addr: netip.MustParseAddr("192.0.2.200"), Disabled: true,
			Ports: []*config.VirtualPort{{Port: 5060}}})
	}))
	for _, tc := range []struct {
		uri  string
		want reason.Reason
	}{
		{"sip:alice@0.0.0.0", reason.BadDestination},
		{"sip:alice@0.0.0.0:5060", reason.BadDestination},
		{"sip:alice@0.1.2.3:5062", reason.BadDestination},
		{"sip:alice@[::]:5062", reason.BadDestination},
		{"sip:alice@[::ffff:0.0.0.0]", reason.BadDestination},
		{"sip:alice@255.255.255.255", reason.BadDestination},
		{"sip:alice@255.255.255.255:5062", reason.BadDestination},
		{"sip:alice@[::ffff:255.255.255.255]", reason.BadDestination},
		{"sip:alice@224.0.0.1", reason.BadDestination},
		{"sip:alice@239.255.255.250:1900", reason.BadDestination},
		{"sip:alice@[ff02::1]", reason.BadDestination},
		{"sip:alice@192.0.2.100:5060", reason.Loop}, // our VIP port
		{"sip:alice@192.0.2.100:5070", reason.Loop}, // the VIP address, another port: the box
		{"sip:alice@192.0.2.100:22", reason.Loop},
		{"sip:alice@[::ffff:192.0.2.100]:5070", reason.Loop},
		{"sip:alice@192.0.2.200:5060", reason.Loop}, // a disabled virtual server's address
		{"sip:alice@127.0.0.1:5060", reason.Loop},   // loopback behind a non-loopback VIP: the box
		{"sip:alice@127.0.0.53:53", reason.Loop},
		{"sip:alice@[::1]:5060", reason.Loop},
	} {
		before := f.vp.Stats.Read().Drops[tc.want]
		r := f.handle(fromFarm(tc.uri), rs1Addr)
		if r.Verdict != Dropped || r.Reason != tc.want {
			t.Errorf("R-URI %s: %v/%v to %v, want dropped/%v", tc.uri, r.Verdict, r.Reason, r.To, tc.want)
			continue
		}
		if n := f.vp.Stats.Read().Drops[tc.want] - before; n != 1 {
			t.Errorf("R-URI %s: %v counted %d times, want 1", tc.uri, tc.want, n)
		}
	}
	// The first Route that is not ours is the target: the same rule.
	viaRoute := strings.Replace(fromFarm("sip:alice@198.51.100.7:5062"), "Route: <sip:192.0.2.100:5060;lr>\r\n",
		"Route: <sip:192.0.2.100:5060;lr>\r\nRoute: <sip:255.255.255.255;lr>\r\n", 1)
	if r := f.handle(viaRoute, rs1Addr); r.Verdict != Dropped || r.Reason != reason.BadDestination {
		t.Errorf("Route 255.255.255.255: %v/%v to %v, want dropped/bad-destination", r.Verdict, r.Reason, r.To)
	}
	// From a real server's address on another port: the same.
	other := netip.AddrPortFrom(rs1Addr.Addr(), 40000)
	if r := f.handle(fromFarm("sip:alice@0.0.0.0"), other); r.Verdict != Dropped || r.Reason != reason.BadDestination {
		t.Errorf("from %v, R-URI 0.0.0.0: %v/%v to %v, want dropped/bad-destination", other, r.Verdict, r.Reason, r.To)
	}
	// A unicast client address still works.
	if r := f.handle(fromFarm("sip:alice@198.51.100.7:5062"), rs1Addr); r.Verdict != Forwarded || r.To != client {
		t.Errorf("R-URI of the client: %v/%v to %v", r.Verdict, r.Reason, r.To)
	}
}

// A request from a real server's address is the farm's on any port: one
// addressed to the VIP is a loop, never hashed into the farm as a
// client's (before, a server's request from another port to the VIP was
// hashed to a real server, up to Max-Forwards times). On loopback, where
// clients and servers share the host, a request to the VIP from a
// server's address on another port is still a client's.
func TestFarmRequestToVIPIsNotHashedIntoFarm(t *testing.T) {
	f := newFixture(t, testConfig())
	other := netip.AddrPortFrom(rs1Addr.Addr(), 40000)
	// The INVITE went through us to rs1 (our Via on top) and rs1 sends it
	// back to the VIP from another socket.
	first := f.handle(invite("farm-to-vip@example.com"), client)
	if first.Verdict != Forwarded {
		t.Fatalf("first pass: %v/%v", first.Verdict, first.Reason)
	}
	if r := f.handle(string(first.Out), other); r.Verdict != Dropped || r.Reason != reason.Loop || r.Server != nil {
		t.Errorf("looped INVITE to the VIP from %v: %v/%v to %v, want dropped/loop", other, r.Verdict, r.Reason, r.To)
	}

	// Without our Via it is a client sharing the server's address (NAT,
	// qemu's user network): hashed to a server, on loopback or not.
	if r := f.handle(invite("nat-client@example.com"), other); r.Verdict != Forwarded || r.Server == nil {
		t.Errorf("client behind a server's NAT address: %v/%v, want hashed to a server", r.Verdict, r.Reason)
	}
	lo := netip.MustParseAddrPort("127.0.0.100:5060")
	rs := netip.MustParseAddrPort("127.0.0.11:5060")
	f = newFixture(t, testConfig(func(c *config.Config) {
		c.Reals[0].Addr = rs.Addr()
		c.Virtuals[0].Addr = lo.Addr()
	}))
	f.vp = f.st.VPorts[lo]
	inv := strings.ReplaceAll(invite("shared@example.com"), "192.0.2.100", "127.0.0.100")
	if r := f.handle(inv, netip.AddrPortFrom(rs.Addr(), 40000)); r.Verdict != Forwarded || r.Server == nil {
		t.Errorf("loopback client on a server's address: %v/%v, want hashed to a server", r.Verdict, r.Reason)
	}
}

// A datagram from one of our own VIP ports is one we sent ourselves
// (the kernel delivers a datagram sent to 0.0.0.0 to the sender's own
// address): dropped as a loop, never hashed into the farm as a client's.
func TestRequestFromOurOwnVIPIsLoop(t *testing.T) {
	f := newFixture(t, testConfig())
	for _, src := range []netip.AddrPort{vip, netip.MustParseAddrPort("[::ffff:192.0.2.100]:5060")} {
		r := f.handle(invite("self@example.com"), src)
		if r.Verdict != Dropped || r.Reason != reason.Loop || r.Server != nil {
			t.Errorf("INVITE from %v: %v/%v to %v, want dropped/loop", src, r.Verdict, r.Reason, r.To)
		}
	}
}

// On a loopback VIP (tests, demos) the farm and the clients are loopback
// peers: another loopback address, or another port of the VIP address
// itself (IPv6 has one loopback address), is a destination; the VIP port
// is not.
func TestLoopbackVIPReachesLoopbackPeers(t *testing.T) {
	lo := netip.MustParseAddrPort("127.0.0.100:5060")
	rs := netip.MustParseAddrPort("127.0.0.11:5060")
	f := newFixture(t, testConfig(func(c *config.Config) {
		c.Reals[0].Addr = rs.Addr()
		c.Virtuals[0].Addr = lo.Addr()
	}))
	f.vp = f.st.VPorts[lo]
	bye := strings.ReplaceAll(fromFarm("sip:alice@127.0.0.1:5062"), "192.0.2.100", "127.0.0.100")
	if r := f.handle(bye, rs); r.Verdict != Forwarded || r.To != netip.MustParseAddrPort("127.0.0.1:5062") {
		t.Errorf("loopback client: %v/%v to %v", r.Verdict, r.Reason, r.To)
	}
	if r := f.handle(strings.Replace(bye, "127.0.0.1:5062", "127.0.0.100:5062", 1), rs); r.Verdict != Forwarded {
		t.Errorf("client on the VIP address: %v/%v to %v", r.Verdict, r.Reason, r.To)
	}
	if r := f.handle(strings.Replace(bye, "127.0.0.1:5062", "127.0.0.100:5060", 1), rs); r.Verdict != Dropped || r.Reason != reason.Loop {
		t.Errorf("the VIP port: %v/%v to %v, want dropped/loop", r.Verdict, r.Reason, r.To)
	}
	if r := f.handle(strings.Replace(bye, "127.0.0.1:5062", "0.0.0.0", 1), rs); r.Verdict != Dropped || r.Reason != reason.BadDestination {
		t.Errorf("0.0.0.0: %v/%v to %v, want dropped/bad-destination", r.Verdict, r.Reason, r.To)
	}
}

// A response's next hop obeys the same rule: a server that rewrote the
// client's Via to a broadcast, multicast, unspecified or own address gets
// its response dropped, not relayed.
func TestResponseNeverToBadDestination(t *testing.T) {
	f := newFixture(t, testConfig())
	fwd := f.handle(invite("resp-dest@example.com"), client)
	if fwd.Verdict != Forwarded {
		t.Fatal(fwd.Reason)
	}
	ours := ""
	for _, line := range strings.Split(string(fwd.Out), "\r\n") {
		if strings.HasPrefix(line, "Via:") {
			ours = line
			break
		}
	}
	for _, next := range []string{"0.0.0.0:5062", "255.255.255.255:5062", "224.0.0.1:5062", "[ff02::1]:5062",
		"192.0.2.100:5070", "127.0.0.1:5062"} {
		resp := "SIP/2.0 180 Ringing\r\n" + ours + "\r\nVia: SIP/2.0/UDP " + next + ";branch=z9hG4bK-c1\r\n" +
			"From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>;tag=b1\r\nCall-ID: resp-dest@example.com\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
		r := f.handle(resp, fwd.Server.Addr)
		if r.Verdict != Dropped {
			t.Errorf("next Via %s: %v/%v to %v, want dropped", next, r.Verdict, r.Reason, r.To)
		}
	}
}
