package proxy

import (
	"testing"

	"sipslb/slb/config"
	"sipslb/slb/reason"
)

// FuzzHandle: whatever arrives, Handle neither panics nor leaves a
// datagram unaccounted for, and what it sends fits a datagram.
func FuzzHandle(f *testing.F) {
	f.Add([]byte(invite("seed@example.com")), false)
	f.Add([]byte(request("BYE", "seed@example.com", "b1", "Route: <sip:192.0.2.100:5060;lr>")), true)
	f.Add([]byte("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.100:5060;branch=z9hG4bK-slb-0\r\nVia: SIP/2.0/UDP 198.51.100.7\r\nCall-ID: a\r\nCSeq: 1 INVITE\r\n\r\n"), true)
	f.Add([]byte("\r\n\r\n"), false)
	fx := newFixture(f, testConfig(func(c *config.Config) { c.Virtuals[0].Ports[0].RecordRoute = true }))
	out := make([]byte, 0, OutCap)
	f.Fuzz(func(t *testing.T, pkt []byte, fromServer bool) {
		src := client
		if fromServer {
			src = rs1Addr
		}
		before := fx.vp.Stats.Read()
		r := fx.fwd.Handle(fx.st, fx.vp, pkt, src, t0, out)
		after := fx.vp.Stats.Read()
		switch r.Verdict {
		case Dropped:
			if after.Drops[r.Reason] != before.Drops[r.Reason]+1 {
				t.Fatalf("drop %v not counted", r.Reason)
			}
		case Answered, Forwarded:
			if len(r.Out) == 0 || len(r.Out) > MaxOut || !r.To.IsValid() {
				t.Fatalf("%v: %d bytes to %v", r.Verdict, len(r.Out), r.To)
			}
			if r.Verdict == Forwarded && r.Reason != reason.OK {
				t.Fatalf("forwarded with reason %v", r.Reason)
			}
		}
	})
}
