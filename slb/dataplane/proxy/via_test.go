package proxy

import (
	"net/netip"
	"strings"
	"testing"

	"sipslb/slb/config"
	"sipslb/slb/reason"
	"sipslb/slb/sip"
)

// clientVia is the top Via of request() and invite().
const clientVia = "Via: SIP/2.0/UDP 198.51.100.7:5062;branch=z9hG4bK-c1;rport"

// withVia is invite(callID) with its top Via replaced by via.
func withVia(callID, via string) string {
	return strings.Replace(invite(callID), clientVia, "Via: "+via, 1)
}

// uasAnswer is the response a UAS gives to the forwarded request fwd:
// every Via copied in order (RFC 3261 §8.2.6.2), From, To with a tag,
// Call-ID and CSeq.
func uasAnswer(t testing.TB, fwd []byte, code int, phrase string) string {
	t.Helper()
	var m sip.Msg
	if r := sip.Scan(fwd, &m); r != reason.OK {
		t.Fatalf("forwarded request scans as %v:\n%s", r, fwd)
	}
	return string(sip.AppendResponse(nil, fwd, &m, vip, code, phrase, []byte("uas")))
}

// A client's own received and rport never steer its responses: the 180 the
// server sends back goes to the datagram's real source, and so do the
// balancer's own 483 and 503.
func TestForgedViaCannotRedirectResponses(t *testing.T) {
	vias := []struct {
		name, via string
		want      netip.AddrPort
	}{
		{"received and rport", "SIP/2.0/UDP 198.51.100.7:5062;received=127.0.0.77;rport=9999;branch=z9hG4bK-c1", client},
		{"rport=1", "SIP/2.0/UDP 198.51.100.7:5062;rport=1;branch=z9hG4bK-c1", client},
		{"rport = 7777", "SIP/2.0/UDP 198.51.100.7:5062;rport = 7777;branch=z9hG4bK-c1", client},
		{"other sent-by port", "SIP/2.0/UDP 198.51.100.7:5070;received=127.0.0.77;rport=9999;branch=z9hG4bK-c1", client},
		// Without rport the answer goes to the sent-by port (RFC 3261
		// §18.2.2), but always of the source address.
		{"received without rport", "SIP/2.0/UDP 198.51.100.7:5070;received=127.0.0.77;branch=z9hG4bK-c1", netip.AddrPortFrom(client.Addr(), 5070)},
	}
	f := newFixture(t, testConfig())
	empty := newFixture(t, testConfig(func(c *config.Config) { c.Reals[0].Weight, c.Reals[1].Weight = 0, 0 }))
	for _, tc := range vias {
		t.Run(tc.name, func(t *testing.T) {
			fwd := f.handle(withVia("forged@example.com", tc.via), client)
			if fwd.Verdict != Forwarded {
				t.Fatalf("INVITE: %v/%v", fwd.Verdict, fwd.Reason)
			}
			answers := []string{uasAnswer(t, fwd.Out, 180, "Ringing"), uasAnswer(t, fwd.Out, 200, "OK")}
			for _, a := range answers {
				res := f.handle(a, fwd.Server.Addr)
				if res.Verdict != Forwarded || res.To != tc.want {
					t.Errorf("%.7s relayed %v/%v to %v, want forwarded to %v", a[8:], res.Verdict, res.Reason, res.To, tc.want)
				}
			}
			hops := strings.Replace(withVia("forged-483@example.com", tc.via), "Max-Forwards: 70", "Max-Forwards: 0", 1)
			if res := f.handle(hops, client); res.Verdict != Answered || res.To != tc.want {
				t.Errorf("483 %v/%v sent to %v, want answered to %v", res.Verdict, res.Reason, res.To, tc.want)
			}
			if res := empty.handle(withVia("forged-503@example.com", tc.via), client); res.Verdict != Answered || res.To != tc.want {
				t.Errorf("503 %v/%v sent to %v, want answered to %v", res.Verdict, res.Reason, res.To, tc.want)
			}
		})
	}
	if n := f.vp.Stats.Read().Drops[reason.NotOurVia]; n != 0 {
		t.Errorf("%d responses dropped as not-our-via", n)
	}
}

// response is a response with the given top Via (ours or a forgery) and a
// second Via to relay it to.
func response(top, next, callID string) string {
	return msg(`
SIP/2.0 200 OK
Via: ` + top + `
Via: ` + next + `
From: <sip:alice@example.com>;tag=a1
To: <sip:bob@example.com>;tag=b1
Call-ID: ` + callID + `
CSeq: 1 INVITE
Content-Length: 0

`)
}

// viaLines returns the Via header lines of a message.
func viaLines(pkt []byte) []string {
	var vias []string
	for _, line := range strings.Split(string(pkt), "\r\n") {
		if strings.HasPrefix(line, "Via: ") {
			vias = append(vias, strings.TrimPrefix(line, "Via: "))
		}
	}
	return vias
}

// A response is relayed only when its top Via is really ours: our sent-by,
// a branch whose MAC verifies for this VIP port and the next hop it names,
// and, for a client's request, a real server's address. Forgeries are
// dropped and counted by reason.
func TestForgedResponsesAreDropped(t *testing.T) {
	f := newFixture(t, testConfig())
	fwd := f.handle(invite("real@example.com"), client)
	if fwd.Verdict != Forwarded {
		t.Fatalf("INVITE: %v/%v", fwd.Verdict, fwd.Reason)
	}
	vias := viaLines(fwd.Out) // ours, the client's as rewritten
	if len(vias) != 2 {
		t.Fatalf("forwarded INVITE has Vias %q", vias)
	}
	ours, theirs := vias[0], vias[1]
	branch := ours[strings.Index(ours, "branch=")+len("branch="):]
	server := fwd.Server.Addr
	outsider := netip.MustParseAddrPort("203.0.113.9:5060")
	victim := "SIP/2.0/UDP 127.0.0.77:9999;branch=z9hG4bK-victim"
	lookalike := sip.BranchPrefix + "c" + strings.Repeat("0123456789abcdef", 2)

	tests := []struct {
		name string
		pkt  string
		src  netip.AddrPort
		want reason.Reason
	}{
		{"NOTHEX branch to a victim", response("SIP/2.0/UDP 192.0.2.100:5060;branch=z9hG4bK-slb-NOTHEX!!", victim, "f1"), outsider, reason.BadBranchMAC},
		{"NOTHEX branch from a real server", response("SIP/2.0/UDP 192.0.2.100:5060;branch=z9hG4bK-slb-NOTHEX!!", victim, "f1"), server, reason.BadBranchMAC},
		{"well-shaped branch with a made-up MAC", response("SIP/2.0/UDP 192.0.2.100:5060;branch="+lookalike, victim, "f1"), server, reason.BadBranchMAC},
		{"old 16-digit branch", response("SIP/2.0/UDP 192.0.2.100:5060;branch=z9hG4bK-slb-0123456789abcdef", victim, "f1"), server, reason.BadBranchMAC},
		{"real branch, next hop changed to a victim", response(ours, victim, "real@example.com"), server, reason.BadBranchMAC},
		{"real branch, rport of the next hop changed", response(ours, strings.Replace(theirs, "rport=5062", "rport=9999", 1), "real@example.com"), server, reason.BadBranchMAC},
		{"real branch from a non-server address", response(ours, theirs, "real@example.com"), outsider, reason.ResponseNotFromFarm},
		{"real branch from the client itself", response(ours, theirs, "real@example.com"), client, reason.ResponseNotFromFarm},
		{"sent-by another host", response("SIP/2.0/UDP 203.0.113.1:5060;branch="+branch, theirs, "real@example.com"), server, reason.NotOurVia},
		{"sent-by another port of the VIP", response("SIP/2.0/UDP 192.0.2.100:5070;branch="+branch, theirs, "real@example.com"), server, reason.NotOurVia},
		{"sent-by a hostname", response("SIP/2.0/UDP lb.example.com:5060;branch="+branch, theirs, "real@example.com"), server, reason.NotOurVia},
		{"no prefix", response("SIP/2.0/UDP 192.0.2.100:5060;branch=z9hG4bK-someone", victim, "f1"), server, reason.NotOurVia},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := f.vp.Stats.Read().Drops[tc.want]
			res := f.handle(tc.pkt, tc.src)
			if res.Verdict != Dropped || res.Reason != tc.want {
				t.Fatalf("got %v/%v to %v, want dropped/%v", res.Verdict, res.Reason, res.To, tc.want)
			}
			if got := f.vp.Stats.Read().Drops[tc.want] - before; got != 1 {
				t.Errorf("%v counted %d times, want 1", tc.want, got)
			}
		})
	}

	// What is really ours is relayed: from the server, from another port
	// of the server's IP (a server may answer from another socket), and a
	// Via with a port left out means 5060 (RFC 3261 §18.2.2).
	for _, src := range []netip.AddrPort{server, netip.AddrPortFrom(server.Addr(), 5999)} {
		if res := f.handle(response(ours, theirs, "real@example.com"), src); res.Verdict != Forwarded || res.To != client {
			t.Errorf("the real 200 from %v: %v/%v to %v, want forwarded to %v", src, res.Verdict, res.Reason, res.To, client)
		}
	}
	if res := f.handle(response(strings.Replace(ours, ":5060;", ";", 1), theirs, "real@example.com"), server); res.Verdict != Forwarded {
		t.Errorf("our Via without its port: %v/%v", res.Verdict, res.Reason)
	}
}

// A response to a request a real server sent towards a client comes from
// that client, not from the farm, and goes back to the server.
func TestResponseToServerRequest(t *testing.T) {
	f := newFixture(t, testConfig())
	bye := msg(`
BYE sip:alice@198.51.100.7:5062 SIP/2.0
Via: SIP/2.0/UDP 192.0.2.11:5060;branch=z9hG4bK-s1
From: <sip:bob@example.com>;tag=b1
To: <sip:alice@example.com>;tag=a1
Call-ID: srv@example.com
CSeq: 2 BYE
Max-Forwards: 70
Content-Length: 0

`)
	fwd := f.handle(bye, rs1Addr)
	if fwd.Verdict != Forwarded || fwd.To != client {
		t.Fatalf("BYE from the server: %v/%v to %v", fwd.Verdict, fwd.Reason, fwd.To)
	}
	vias := viaLines(fwd.Out)
	if len(vias) != 2 {
		t.Fatalf("forwarded BYE has Vias %q", vias)
	}
	ok := response(vias[0], vias[1], "srv@example.com")
	if res := f.handle(ok, client); res.Verdict != Forwarded || res.To != rs1Addr {
		t.Errorf("the client's 200: %v/%v to %v, want forwarded to %v", res.Verdict, res.Reason, res.To, rs1Addr)
	}
	// The branch is bound to the server it returns to.
	if res := f.handle(response(vias[0], "SIP/2.0/UDP 192.0.2.12:5060;branch=z9hG4bK-s1", "srv@example.com"), client); res.Verdict != Dropped || res.Reason != reason.BadBranchMAC {
		t.Errorf("the 200 redirected to another server: %v/%v to %v, want dropped/bad-branch-mac", res.Verdict, res.Reason, res.To)
	}
}

// Every worker gives one request the same branch (RFC 3261 §16.11: a
// retransmission read by another worker must match the same server
// transaction), and the branch verifies in any worker.
func TestBranchSameInEveryWorker(t *testing.T) {
	f := newFixture(t, testConfig())
	other := *f
	other.fwd = Forwarder{Worker: 1}
	other.out = make([]byte, 0, OutCap)
	a := f.handle(invite("workers@example.com"), client)
	b := other.handle(invite("workers@example.com"), client)
	if va, vb := viaLines(a.Out), viaLines(b.Out); va[0] != vb[0] {
		t.Fatalf("worker 0 Via %q, worker 1 Via %q", va[0], vb[0])
	}
	vias := viaLines(a.Out)
	if res := other.handle(response(vias[0], vias[1], "workers@example.com"), a.Server.Addr); res.Verdict != Forwarded {
		t.Errorf("worker 1 refuses worker 0's branch: %v/%v", res.Verdict, res.Reason)
	}
}

// Checking a response's top Via allocates nothing, whatever the verdict.
func TestResponseChecksAllocateNothing(t *testing.T) {
	f := newFixture(t, testConfig())
	fwd := f.handle(invite("alloc-via@example.com"), client)
	vias := viaLines(fwd.Out)
	server := fwd.Server.Addr
	for name, tc := range map[string]struct {
		pkt string
		src netip.AddrPort
	}{
		"relayed":       {response(vias[0], vias[1], "alloc-via@example.com"), server},
		"bad MAC":       {response("SIP/2.0/UDP 192.0.2.100:5060;branch=z9hG4bK-slb-NOTHEX!!", vias[1], "x"), server},
		"not from farm": {response(vias[0], vias[1], "alloc-via@example.com"), client},
		"not our via":   {response("SIP/2.0/UDP [2001:db8::1]:5060;branch="+sip.BranchPrefix, vias[1], "x"), server},
	} {
		pkt, out := []byte(tc.pkt), make([]byte, 0, OutCap)
		if n := testing.AllocsPerRun(200, func() { f.fwd.Handle(f.st, f.vp, pkt, tc.src, t0, out) }); n != 0 {
			t.Errorf("%s: %v allocations per message, want 0", name, n)
		}
	}
}
