package sip

import (
	"net/netip"
	"strings"
	"testing"

	"sipslb/slb/reason"
)

// crlf turns the readable "\n" fixtures into wire format.
func crlf(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

const inviteSDP = `v=0
o=alice 2890844526 2890844526 IN IP4 192.0.2.10
s=-
c=IN IP4 192.0.2.10
t=0 0
m=audio 49170 RTP/AVP 0 8 101
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
a=sendrecv
`

// typicalInvite is an ~800-byte INVITE as a phone sends it.
var typicalInvite = crlf(`INVITE sip:bob@biloxi.example.com SIP/2.0
Via: SIP/2.0/UDP 192.0.2.10:5062;rport;branch=z9hG4bK776asdhds
Max-Forwards: 70
To: Bob <sip:bob@biloxi.example.com>
From: Alice <sip:alice@atlanta.example.com>;tag=1928301774
Call-ID: a84b4c76e66710@pc33.atlanta.example.com
CSeq: 314159 INVITE
Contact: <sip:alice@192.0.2.10:5062;transport=udp>
Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, MESSAGE, SUBSCRIBE, INFO, UPDATE
Supported: replaces, timer, 100rel
User-Agent: ExamplePhone/1.2.3
Accept: application/sdp
Content-Type: application/sdp
Content-Length: 226

` + inviteSDP)

// typical200 is the 200 OK a UAS sends back through the balancer: our Via
// on top, the client's below.
var typical200 = crlf(`SIP/2.0 200 OK
Via: SIP/2.0/UDP 192.0.2.100:5060;branch=z9hG4bK-slb-0123456789abcdef
Via: SIP/2.0/UDP 192.0.2.10:5062;rport=5062;received=192.0.2.10;branch=z9hG4bK776asdhds
To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf
From: Alice <sip:alice@atlanta.example.com>;tag=1928301774
Call-ID: a84b4c76e66710@pc33.atlanta.example.com
CSeq: 314159 INVITE
Contact: <sip:bob@192.0.2.20:5060>
Content-Type: application/sdp
Content-Length: 226

` + inviteSDP)

var (
	vipHost = []byte("192.0.2.100")
	vipPort = netip.MustParseAddrPort("192.0.2.100:5060")
	testKey = BranchKeyFrom([16]byte{0: 1, 7: 2, 15: 3})
	client  = netip.MustParseAddrPort("192.0.2.10:5062")
)

// answer forwards req, received from src, as the balancer on vipPort would
// (our Via with a LegToFarm branch under testKey) and returns the response
// a UAS gives to it (Vias copied, RFC 3261 §8.2.6.2).
func answer(tb testing.TB, req []byte, src netip.AddrPort, code int, phrase string) []byte {
	tb.Helper()
	var m Msg
	if r := Scan(req, &m); r != reason.OK {
		tb.Fatalf("request scans as %v", r)
	}
	f := Forward{Host: vipHost, Port: int(vipPort.Port()), Source: src}
	f.Branch = AppendBranch(nil, req, &m, &testKey, Hop{Leg: LegToFarm, Ours: vipPort, Next: m.Via[0].ReplyTarget(src)})
	fwd, r := AppendForwardRequest(nil, req, &m, &f)
	if r != reason.OK {
		tb.Fatalf("forward: %v", r)
	}
	var um Msg
	if r := Scan(fwd, &um); r != reason.OK {
		tb.Fatalf("forwarded request scans as %v", r)
	}
	return AppendResponse(nil, fwd, &um, vipPort, code, phrase, []byte("uas"))
}
