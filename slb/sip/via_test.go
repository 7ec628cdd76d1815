package sip

import (
	"net/netip"
	"testing"

	"sipslb/slb/reason"
)

// forgedVias are top Vias in which a client names another host or port
// for its responses: received, rport with a value, blanks around "=", any
// case. None of them may steer a response away from the datagram's real
// source (RFC 3261 §18.2.1, RFC 3581 §4).
var forgedVias = []struct {
	name, via string
	rport     bool // the Via carries rport: responses go to the source port
}{
	{"received and rport", "SIP/2.0/UDP 192.0.2.10:5062;received=127.0.0.77;rport=9999;branch=z9hG4bKc1", true},
	{"rport=1", "SIP/2.0/UDP 192.0.2.10:5062;rport=1;branch=z9hG4bKc1", true},
	{"rport = 7777 with blanks", "SIP/2.0/UDP 192.0.2.10:5062;rport = 7777;branch=z9hG4bKc1", true},
	{"blanks everywhere", "SIP/2.0/UDP 192.0.2.10:5062 ; received = 127.0.0.77 ; rport = 9999 ; branch=z9hG4bKc1", true},
	{"upper case", "SIP/2.0/UDP 192.0.2.10:5062;RECEIVED=127.0.0.77;RPort=9999;branch=z9hG4bKc1", true},
	{"rport last", "SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKc1;received=127.0.0.77;rport=9999", true},
	{"received only, same host", "SIP/2.0/UDP 192.0.2.10:5062;received=127.0.0.77;branch=z9hG4bKc1", false},
	{"received only, other host", "SIP/2.0/UDP 10.0.0.5:5062;received=127.0.0.77;branch=z9hG4bKc1", false},
	{"quoted received", "SIP/2.0/UDP 192.0.2.10:5062;received=\"127.0.0.77\";rport=9999;branch=z9hG4bKc1", true},
	{"hostname sent-by", "SIP/2.0/UDP evil.example.com:5062;received=127.0.0.77;rport=9999;branch=z9hG4bKc1", true},
	{"rport of a NATed client", "SIP/2.0/UDP 10.0.0.5:5062;rport=5062;branch=z9hG4bKc1", true},
	{"second via in the field", "SIP/2.0/UDP 192.0.2.10:5062;rport=9999;received=127.0.0.77;branch=z9hG4bKc1, SIP/2.0/UDP 127.0.0.77:9999", true},
}

// TestForgedReceivedRport forwards a request with each forged Via, lets a
// UAS answer it (Vias copied, RFC 3261 §8.2.6.2) and checks where the
// balancer would relay the answer: the source address, and the source port
// when the Via carries rport (else the sent-by port). ReplyTarget, used for
// the balancer's own answers and for the branch, must say the same.
func TestForgedReceivedRport(t *testing.T) {
	src := netip.MustParseAddrPort("192.0.2.10:40001")
	lb := netip.MustParseAddrPort("192.0.2.100:5060")
	for _, tc := range forgedVias {
		t.Run(tc.name, func(t *testing.T) {
			in := crlf(options("Via: "+tc.via, "Max-Forwards: 70"))
			var m Msg
			if r := Scan(in, &m); r != reason.OK {
				t.Fatalf("Scan = %v", r)
			}
			want := netip.AddrPortFrom(src.Addr(), 5062)
			if tc.rport {
				want = src
			}
			if got := m.Via[0].ReplyTarget(src); got != want {
				t.Errorf("ReplyTarget = %v, want %v", got, want)
			}
			f := Forward{Host: vipHost, Port: 5060, Source: src, Branch: []byte(ourBranch)}
			fwd, r := AppendForwardRequest(nil, in, &m, &f)
			if r != reason.OK {
				t.Fatal(r)
			}
			var um Msg
			if r := Scan(fwd, &um); r != reason.OK {
				t.Fatalf("forwarded request scans as %v:\n%s", r, fwd)
			}
			if got, ok := um.Via[1].Target(fwd); !ok || got != want {
				t.Errorf("client Via targets %v %v after forwarding, want %v:\n%s", got, ok, want, fwd)
			}
			resp := AppendResponse(nil, fwd, &um, lb, 180, "Ringing", []byte("uas"))
			var rm Msg
			if r := Scan(resp, &rm); r != reason.OK {
				t.Fatal(r)
			}
			if got, ok := rm.NextHop(resp); !ok || got != want {
				t.Errorf("the 180 would be relayed to %v %v, want %v:\n%s", got, ok, want, resp)
			}
			// The balancer's own answer (483, 503) names the same place.
			own := AppendResponse(nil, in, &m, src, 503, "Service Unavailable", []byte("lb"))
			var om Msg
			if r := Scan(own, &om); r != reason.OK {
				t.Fatal(r)
			}
			if got, ok := om.Via[0].Target(own); !ok || got != want {
				t.Errorf("our 503's Via targets %v %v, want %v:\n%s", got, ok, want, own)
			}
		})
	}
}

func TestSentBy(t *testing.T) {
	tests := []struct {
		via, host string
		port      int
		want      bool
	}{
		{"SIP/2.0/UDP 192.0.2.100:5060", "192.0.2.100", 5060, true},
		{"SIP/2.0/UDP 192.0.2.100", "192.0.2.100", 5060, true},
		{"SIP/2.0/UDP 192.0.2.100", "192.0.2.100", 5070, false},
		{"SIP/2.0/UDP 192.0.2.100:5070", "192.0.2.100", 5060, false},
		{"SIP/2.0/UDP 192.0.2.101:5060", "192.0.2.100", 5060, false},
		{"SIP/2.0/UDP [::ffff:192.0.2.100]:5060", "192.0.2.100", 5060, true},
		{"SIP/2.0/UDP [2001:DB8::1]:5060", "[2001:db8::1]", 5060, true},
		{"SIP/2.0/UDP [2001:db8::0:1]:5060", "[2001:db8::1]", 5060, true},
		{"SIP/2.0/UDP [2001:db8::2]:5060", "[2001:db8::1]", 5060, false},
		{"SIP/2.0/UDP lb.example.com:5060", "192.0.2.100", 5060, false},
		{"SIP/2.0/UDP LB.example.com:5060", "lb.example.com", 5060, true},
		{"SIP/2.0/UDP 192.0.2.100.example.com:5060", "192.0.2.100", 5060, false},
	}
	for _, tc := range tests {
		b := crlf(options("Via: "+tc.via+";branch=z9hG4bKx", "Max-Forwards: 70"))
		var m Msg
		if r := Scan(b, &m); r != reason.OK {
			t.Fatalf("%s: Scan = %v", tc.via, r)
		}
		if got := m.Via[0].SentBy(b, []byte(tc.host), tc.port); got != tc.want {
			t.Errorf("%s SentBy(%s, %d) = %v, want %v", tc.via, tc.host, tc.port, got, tc.want)
		}
	}
}
