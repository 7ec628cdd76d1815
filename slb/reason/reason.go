// Package reason is the one list of verdicts on a datagram: why the SIP
// scanner or a rewrite refused it, why the data path dropped it or
// answered it itself. slb/sip returns a Reason, slb/stats counts by it,
// show and SNMP name and index it; none of them keeps its own copy.
//
// To add a reason, append a constant at the end of the list (before Num)
// and its name in names. Never insert or reorder: value+1 is the index of
// the reason's row in the SIP MIB's drop table (mibs/SIPSLB-SIP-MIB), so a
// value must keep meaning the same thing across releases. TestAppendOnly
// holds the released list.
package reason

// Reason is why a datagram was not forwarded as it came. OK is the verdict
// of a message that may be forwarded; Keepalive is not an error either.
type Reason uint8

// Verdicts of slb/sip (Scan and the rewriting functions).
const (
	OK               Reason = iota // a well-formed message the balancer can route
	Keepalive                      // RFC 5626 CRLF / CRLFCRLF keepalive, not an error
	NotSIP                         // binary garbage or another protocol
	TooLarge                       // longer than sip.MaxSize
	Truncated                      // no end of headers, or body shorter than Content-Length
	BadStartLine                   // malformed request or status line
	BadVersion                     // SIP version other than 2.0 (a UAS would answer 505)
	BadHeader                      // a header line without a name or colon, or a duplicated To/From
	NoCallID                       // Call-ID absent
	BadCallID                      // Call-ID empty, holding LWS or control bytes, or repeated
	NoVia                          // Via absent
	BadVia                         // a via-parm the scanner cannot read
	NoCSeq                         // CSeq absent
	BadCSeq                        // CSeq malformed, out of range, repeated, or its method differs from the request's
	BadContentLength               // Content-Length not a plain decimal, or repeated
	BadMaxForwards                 // Max-Forwards not a decimal 0..255, or repeated
	TooManyHops                    // Max-Forwards is 0: the caller answers 483
	NoNextHop                      // a response with a single Via: it was addressed to us
	WrongKind                      // a request passed where a response is needed or the reverse

	// Verdicts of the data path (slb/dataplane).

	// NotOurVia: a response whose top Via was not inserted by us: its
	// branch lacks our prefix, or its sent-by is not the VIP port the
	// response arrived on.
	NotOurVia
	// NoServer: the request's group has no eligible server (answered 503;
	// an ACK is never answered, RFC 3261 §17.2.1, so it is dropped under
	// this reason).
	NoServer
	// MaxConn: every eligible server is at its max-conn (answered 503, or
	// dropped for an ACK).
	MaxConn
	// NoRoute: a request from a real server whose Route or Request-URI
	// names no IP address we can send to (no DNS on the data path).
	NoRoute
	// Loop: a request or response that would be sent to one of our own
	// addresses (a VIP address on any port; a loopback address when the
	// VIP is not one), or that came from one of our own VIP ports.
	Loop
	// OutTooLarge: the rewritten message would not fit in a UDP datagram.
	OutTooLarge
	// SendError: the kernel refused to send the message.
	SendError
	// Pong: a CRLF pong or lone CRLF keepalive, dropped silently.
	Pong
	// NoMAC: dsr mode; the chosen real server's MAC address is not
	// resolved yet (an ARP request is sent; the client retransmits).
	NoMAC
	// FragNoCallID: dsr mode; the first fragment of a datagram does not
	// hold the whole Call-ID line, so the datagram cannot be hashed.
	FragNoCallID
	// BadDestination: a request or response whose destination is no
	// single remote host: unspecified (0.0.0.0/8, ::), reserved
	// (240.0.0.0/4, with the limited broadcast 255.255.255.255), or
	// multicast.
	BadDestination
	// BadBranchMAC: a response whose top Via names our VIP port and
	// carries our branch prefix, but whose branch does not verify: forged,
	// made before a restart (the key is drawn at start), or bound to
	// another next hop (slb/sip.VerifyBranch).
	BadBranchMAC
	// ResponseNotFromFarm: a response to a client's request, with a branch
	// that verifies, that does not come from a real server's IP.
	ResponseNotFromFarm

	// Num is the number of Reason values, for arrays of counters indexed
	// by Reason.
	Num = int(iota)
)

var names = [Num]string{
	OK:                  "ok",
	Keepalive:           "keepalive",
	NotSIP:              "not-sip",
	TooLarge:            "too-large",
	Truncated:           "truncated",
	BadStartLine:        "bad-start-line",
	BadVersion:          "bad-version",
	BadHeader:           "bad-header",
	NoCallID:            "no-call-id",
	BadCallID:           "bad-call-id",
	NoVia:               "no-via",
	BadVia:              "bad-via",
	NoCSeq:              "no-cseq",
	BadCSeq:             "bad-cseq",
	BadContentLength:    "bad-content-length",
	BadMaxForwards:      "bad-max-forwards",
	TooManyHops:         "too-many-hops",
	NoNextHop:           "no-next-hop",
	WrongKind:           "wrong-kind",
	NotOurVia:           "not-our-via",
	NoServer:            "no-server",
	MaxConn:             "max-conn",
	NoRoute:             "no-route",
	Loop:                "loop",
	OutTooLarge:         "out-too-large",
	SendError:           "send-error",
	Pong:                "pong",
	NoMAC:               "no-mac",
	FragNoCallID:        "frag-no-call-id",
	BadDestination:      "bad-destination",
	BadBranchMAC:        "bad-branch-mac",
	ResponseNotFromFarm: "response-not-from-farm",
}

// String returns the stable lowercase counter name (show output, the SIP
// MIB's drop table, logs).
func (r Reason) String() string {
	if int(r) < Num {
		return names[r]
	}
	return "unknown"
}
