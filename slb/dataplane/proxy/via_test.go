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
