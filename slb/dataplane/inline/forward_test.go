package inline

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"testing"

	"sipslb/slb/config"
	"sipslb/slb/dataplane/udpsip"
	"sipslb/slb/hash"
	"sipslb/slb/pool"
	"sipslb/slb/reason"
	"sipslb/slb/sip"
)

const ipOff = 14 // Ethernet header

// TestInboundTranslatesDestinationOnly: the destination becomes the
// chosen server's address and port; the client's source, the IP ID and
// the SIP payload stay; both checksums are valid by recomputation.
func TestInboundTranslatesDestinationOnly(t *testing.T) {
	st := buildState(t, inlineConfig(nil), nil)
	f := newForwarder()
	msg := sipRequest("INVITE", "in-1@client", 200)
	fr := udpFrame(client, vipPort, msg)
	r := f.Inbound(st, fr, now)
	if r.Verdict != Forwarded {
		t.Fatalf("verdict %v reason %v frame %v", r.Verdict, r.Reason, r.Frame)
	}
	ip := r.Out
	if &ip[0] != &fr[ipOff] {
		t.Fatal("Out is not the frame's IP packet rewritten in place")
	}
	src, dst := netip.AddrFrom4([4]byte(ip[12:16])), netip.AddrFrom4([4]byte(ip[16:20]))
	udp := ip[20:]
	if src != client.Addr() || binary.BigEndian.Uint16(udp[0:]) != client.Port() {
		t.Errorf("source %v:%d, want the client %v", src, binary.BigEndian.Uint16(udp), client)
	}
	if dst != r.Server.Addr.Addr() || dst != r.To || binary.BigEndian.Uint16(udp[2:]) != realPort {
		t.Errorf("destination %v:%d, To %v, server %v", dst, binary.BigEndian.Uint16(udp[2:]), r.To, r.Server.Addr)
	}
	if !bytes.Equal(udp[8:], msg) {
		t.Error("SIP payload changed")
	}
	checkIP(t, ip)
	checkUDP(t, src, dst, udp)
	if got := r.Server.Stats.Requests.Load(); got != 1 {
		t.Errorf("server requests %d, want 1", got)
	}
}

// TestInboundIsTheRoutingDecision: every Call-ID goes where
// pool.State.Route sends it, the decision of proxy and DSR modes, and a
// call's in-dialog requests stay on its server when another server dies
// while new calls avoid a dead one.
func TestInboundIsTheRoutingDecision(t *testing.T) {
	c := inlineConfig(nil)
	st := buildState(t, c, nil)
	ref := buildState(t, c, nil)
	f := newForwarder()
	perServer := map[netip.Addr]int{}
	placed := map[string]netip.Addr{}
	for i := range 300 {
		id := fmt.Sprintf("call-%d@client", i)
		r := f.Inbound(st, udpFrame(client, vipPort, sipRequest("INVITE", id, 0)), now)
		q := pool.Query{CallKey: hash.Key([]byte(id)), Src: client, Method: sip.MethodInvite}
		d := ref.Route(ref.VPorts[vipPort], &q, now)
		if r.Server == nil || d.Server == nil || r.Server.Addr != d.Server.Addr {
			t.Fatalf("%s: inline chose %v, Route chose %v", id, r.Server, d.Server)
		}
		perServer[r.To]++
		placed[id] = r.To
	}
	for _, a := range realIPs {
		if n := perServer[a]; n < 60 {
			t.Errorf("server %v got %d of 300 calls", a, n)
		}
	}
	// rs1 dies: the survivors' calls stay, rs1's move, new calls avoid it.
	st2 := buildState(t, c, func(r string) bool { return r != "rs1" })
	st2.Dialogs = st.Dialogs
	for id, was := range placed {
		r := f.Inbound(st2, udpFrame(client, vipPort, sipRequest("BYE", id, 0)), now+1e9)
		if r.Verdict != Forwarded {
			t.Fatalf("%s BYE: %v %v", id, r.Reason, r.Frame)
		}
		if was != realIPs[0] && r.To != was {
			t.Errorf("%s: in-dialog BYE went to %v, its call is on %v", id, r.To, was)
		}
	}
	for i := range 100 {
		r := f.Inbound(st2, udpFrame(client, vipPort, sipRequest("INVITE", fmt.Sprintf("new-%d", i), 0)), now+2e9)
		if r.To == realIPs[0] {
			t.Fatal("a new call went to the dead server")
		}
	}
}

// TestOutboundTranslatesSourceOnly: a server's response and a request it
// starts (a BYE towards the caller) leave from the VIP:port; the
// destination and the payload stay.
func TestOutboundTranslatesSourceOnly(t *testing.T) {
	st := buildState(t, inlineConfig(nil), nil)
	f := newForwarder()
	server := netip.AddrPortFrom(realIPs[1], realPort)
	for _, msg := range [][]byte{sipResponse("out-1@client"), sipRequest("BYE", "out-1@client", 0)} {
		fr := udpFrame(server, client, msg)
		r := f.Outbound(st, fr, now)
		if r.Verdict != Forwarded {
			t.Fatalf("verdict %v frame %v", r.Verdict, r.Frame)
		}
		ip := r.Out
		src, dst := netip.AddrFrom4([4]byte(ip[12:16])), netip.AddrFrom4([4]byte(ip[16:20]))
		udp := ip[20:]
		if got := netip.AddrPortFrom(src, binary.BigEndian.Uint16(udp)); got != vipPort {
			t.Errorf("source %v, want the VIP %v", got, vipPort)
		}
		if got := netip.AddrPortFrom(dst, binary.BigEndian.Uint16(udp[2:])); got != client || r.To != client.Addr() {
			t.Errorf("destination %v (To %v), want the client %v", got, r.To, client)
		}
		if !bytes.Equal(udp[8:], msg) {
			t.Error("SIP payload changed")
		}
		checkIP(t, ip)
		checkUDP(t, src, dst, udp)
	}
	tot := st.VPorts[vipPort].Stats.Read()
	if tot.FromServers[sip.MethodBye] != 1 || tot.Responses[1] != 1 {
		t.Errorf("counted %d BYE from servers and %d 2xx, want 1 and 1", tot.FromServers[sip.MethodBye], tot.Responses[1])
	}
}

func TestVerdicts(t *testing.T) {
	server := netip.AddrPortFrom(realIPs[0], realPort)
	invite := udpFrame(client, vipPort, sipRequest("INVITE", "v@x", 10))
	tests := []struct {
		name string
		out  bool // Outbound, else Inbound
		fr   []byte
		mod  func(*config.Config)
		want Verdict
		rsn  reason.Reason
		frm  reason.Frame
	}{
		{name: "invite", fr: invite, want: Forwarded},
		{name: "keepalive by address", fr: udpFrame(client, vipPort, []byte("\r\n\r\n")), want: Forwarded},
		{name: "not sip", fr: udpFrame(client, vipPort, []byte("hello")), rsn: reason.Truncated},
		{name: "no server", fr: invite, mod: func(c *config.Config) { c.Virtuals[0].Ports[0].Binds = nil }, rsn: reason.NoServer},
		{name: "not an inline port", fr: invite, mod: func(c *config.Config) { c.Virtuals[0].Ports[0].Inline = false }, frm: reason.FrameNoVPort},
		{name: "other vip port", fr: udpFrame(client, netip.AddrPortFrom(vip, 5070), sipRequest("INVITE", "v@x", 0)), frm: reason.FrameNoVPort},
		{name: "short", fr: invite[:30], frm: reason.FrameShort},
		{name: "orphan fragment", fr: fragments(udpFrame(client, vipPort, sipRequest("INVITE", "f@x", 3000)), 1500)[1], frm: reason.FrameFragOrphan},
		{name: "server response", out: true, fr: udpFrame(server, client, sipResponse("v@x")), want: Forwarded},
		{name: "server non-sip from sip port", out: true, fr: udpFrame(server, client, []byte("\r\n")), want: Forwarded},
		{name: "server other port", out: true, fr: udpFrame(netip.AddrPortFrom(realIPs[0], 16000), client, []byte("rtp")), frm: reason.FrameNoVPort},
		{name: "server to the vip (loop)", out: true, fr: udpFrame(server, vipPort, sipRequest("BYE", "v@x", 0)), frm: reason.FrameLoop},
		{name: "server orphan fragment", out: true, fr: fragments(udpFrame(server, client, sipRequest("BYE", "f@x", 3000)), 1500)[1], frm: reason.FrameFragOrphan},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := buildState(t, inlineConfig(tt.mod), nil)
			f := newForwarder()
			var r Result
			c := f.In
			if tt.out {
				r, c = f.Outbound(st, clone(tt.fr), now), f.Out
			} else {
				r = f.Inbound(st, clone(tt.fr), now)
			}
			if r.Verdict != tt.want || r.Reason != tt.rsn || r.Frame != tt.frm {
				t.Fatalf("got %v/%v/%v, want %v/%v/%v", r.Verdict, r.Reason, r.Frame, tt.want, tt.rsn, tt.frm)
			}
			if tt.frm != reason.FrameOK && c.Drops[tt.frm].Load() != 1 {
				t.Errorf("frame drop %v counted %d times", tt.frm, c.Drops[tt.frm].Load())
			}
			if tt.rsn != reason.OK && st.VPorts[vipPort] != nil && st.VPorts[vipPort].Stats.Read().Drops[tt.rsn] != 1 {
				t.Errorf("port drop %v not counted once", tt.rsn)
			}
		})
	}
}

// TestFragmentsFollowTheirFirst: a datagram fragmented by the sender is
// routed by the Call-ID in its first fragment, its later fragments get
// the same translation, and the reassembled datagram's UDP checksum,
// fixed incrementally in the first fragment only, is right. Both ways.
func TestFragmentsFollowTheirFirst(t *testing.T) {
	st := buildState(t, inlineConfig(nil), nil)
	f := newForwarder()
	msg := sipRequest("INVITE", "frag-in@client", 3500)
	frs := fragments(udpFrame(client, vipPort, msg), 1500)
	if len(frs) != 3 {
		t.Fatalf("%d fragments", len(frs))
	}
	var outs [][]byte
	for i, fr := range frs {
		r := f.Inbound(st, fr, now)
		if r.Verdict != Forwarded {
			t.Fatalf("fragment %d: %v %v", i, r.Reason, r.Frame)
		}
		outs = append(outs, r.Out)
	}
	src, dst, udp := reassemble(t, outs)
	q := pool.Query{CallKey: hash.Key([]byte("frag-in@client")), Method: sip.MethodInvite}
	ref := buildState(t, inlineConfig(nil), nil)
	want := ref.Route(ref.VPorts[vipPort], &q, now).Server.Addr
	if got := netip.AddrPortFrom(dst, binary.BigEndian.Uint16(udp[2:])); src != client.Addr() || got != want {
		t.Fatalf("reassembled %v -> %v, want %v -> %v", src, got, client.Addr(), want)
	}
	checkUDP(t, src, dst, udp)
	if !bytes.Equal(udp[8:], msg) {
		t.Error("payload changed")
	}
	if f.In.Fragments.Load() != 2 {
		t.Errorf("%d later fragments counted, want 2", f.In.Fragments.Load())
	}

	server := netip.AddrPortFrom(realIPs[2], realPort)
	bye := sipRequest("BYE", "frag-out@client", 3500)
	outs = outs[:0]
	for i, fr := range fragments(udpFrame(server, client, bye), 1500) {
		r := f.Outbound(st, fr, now)
		if r.Verdict != Forwarded || r.To != client.Addr() {
			t.Fatalf("fragment %d: %v %v to %v", i, r.Verdict, r.Frame, r.To)
		}
		outs = append(outs, r.Out)
	}
	src, dst, udp = reassemble(t, outs)
	if got := netip.AddrPortFrom(src, binary.BigEndian.Uint16(udp)); got != vipPort || dst != client.Addr() {
		t.Fatalf("reassembled %v -> %v, want %v -> %v", got, dst, vipPort, client.Addr())
	}
	checkUDP(t, src, dst, udp)
	if !bytes.Equal(udp[8:], bye) {
		t.Error("payload changed")
	}
}

// TestPartialChecksumRecomputed: a whole datagram whose checksum field
// holds only the pseudo-header sum (offload left undone by a local
// sender) leaves with a complete checksum.
func TestPartialChecksumRecomputed(t *testing.T) {
	st := buildState(t, inlineConfig(nil), nil)
	fr := udpFrame(client, vipPort, sipRequest("INVITE", "partial@x", 0))
	binary.BigEndian.PutUint16(fr[ipOff+20+6:], 0x1234) // not the right checksum
	r := newForwarder().Inbound(st, fr, now)
	if r.Verdict != Forwarded {
		t.Fatal(r.Reason, r.Frame)
	}
	checkUDP(t, client.Addr(), r.To, r.Out[20:])
}

func TestNoAllocations(t *testing.T) {
	st := buildState(t, inlineConfig(nil), nil)
	f := newForwarder()
	in := udpFrame(client, vipPort, sipRequest("INVITE", "alloc@x", 100))
	out := udpFrame(netip.AddrPortFrom(realIPs[0], realPort), client, sipResponse("alloc@x"))
	frags := fragments(udpFrame(client, vipPort, sipRequest("INVITE", "allocfrag@x", 3000)), 1500)
	buf := make([]byte, 9018)
	n := testing.AllocsPerRun(200, func() {
		for _, fr := range [][]byte{in, frags[0], frags[1], frags[2]} {
			copy(buf, fr)
			if r := f.Inbound(st, buf[:len(fr)], now); r.Verdict != Forwarded {
				t.Fatal(r.Reason, r.Frame)
			}
		}
		copy(buf, out)
		if r := f.Outbound(st, buf[:len(out)], now); r.Verdict != Forwarded {
			t.Fatal(r.Frame)
		}
	})
	if n != 0 {
		t.Fatalf("%v allocations per run", n)
	}
}

// FuzzTranslate: no frame makes either direction panic, read or write out
// of the frame, or forward something that is not the frame's IP packet.
func FuzzTranslate(f *testing.F) {
	server := netip.AddrPortFrom(realIPs[0], realPort)
	f.Add(udpFrame(client, vipPort, sipRequest("INVITE", "fuzz@x", 10)), false)
	f.Add(udpFrame(server, client, sipResponse("fuzz@x")), true)
	for _, fr := range fragments(udpFrame(client, vipPort, sipRequest("INVITE", "fuzzfrag@x", 3000)), 1500) {
		f.Add(fr, false)
	}
	for _, fr := range fragments(udpFrame(server, client, sipRequest("BYE", "fuzzfrag@x", 3000)), 1500) {
		f.Add(fr, true)
	}
	st := buildState(f, inlineConfig(nil), nil)
	fw := newForwarder()
	f.Fuzz(func(t *testing.T, b []byte, out bool) {
		in := clone(b)
		// A header checksum that was right before must be right after
		// (a wrong one stays wrong: it is not ours to repair).
		hdrOK := len(b) >= 34 && b[14]>>4 == 4 && int(b[14]&0xf)*4 >= 20 && len(b) >= 14+int(b[14]&0xf)*4 &&
			udpsip.IPChecksum(b[14:14+int(b[14]&0xf)*4]) == binary.BigEndian.Uint16(b[24:])
		var r Result
		if out {
			r = fw.Outbound(st, in, now)
		} else {
			r = fw.Inbound(st, in, now)
		}
		if r.Verdict == Forwarded {
			if len(r.Out) < 20 || len(r.Out) > len(b)-14 || &r.Out[0] != &in[14] {
				t.Fatalf("forwarded %d bytes of a %d-byte frame", len(r.Out), len(b))
			}
			if hdrOK {
				checkIP(t, r.Out)
			}
		}
	})
}
