package sip

// Reason is the verdict of Scan and of the rewriting functions. Callers
// count messages by Reason, so every value has a stable name.
type Reason uint8

const (
	ReasonOK               Reason = iota // a well-formed message the balancer can route
	ReasonKeepalive                      // RFC 5626 CRLF / CRLFCRLF keepalive, not an error
	ReasonNotSIP                         // binary garbage or another protocol
	ReasonTooLarge                       // longer than MaxSize
	ReasonTruncated                      // no end of headers, or body shorter than Content-Length
	ReasonBadStartLine                   // malformed request or status line
	ReasonBadVersion                     // SIP version other than 2.0 (a UAS would answer 505)
	ReasonBadHeader                      // a header line without a name or colon, or a duplicated To/From
	ReasonNoCallID                       // Call-ID absent
	ReasonBadCallID                      // Call-ID empty, holding LWS or control bytes, or repeated
	ReasonNoVia                          // Via absent
	ReasonBadVia                         // a via-parm the scanner cannot read
	ReasonNoCSeq                         // CSeq absent
	ReasonBadCSeq                        // CSeq malformed, out of range, repeated, or its method differs from the request's
	ReasonBadContentLength               // Content-Length not a plain decimal, or repeated
	ReasonBadMaxForwards                 // Max-Forwards not a decimal 0..255, or repeated
	ReasonTooManyHops                    // Max-Forwards is 0: the caller answers 483
	ReasonNoNextHop                      // a response with a single Via: it was addressed to us
	ReasonWrongKind                      // a request passed where a response is needed or the reverse

	// NumReasons is the number of Reason values, for arrays of counters
	// indexed by Reason.
	NumReasons = int(iota)
)

var reasonNames = [NumReasons]string{
	ReasonOK:               "ok",
	ReasonKeepalive:        "keepalive",
	ReasonNotSIP:           "not-sip",
	ReasonTooLarge:         "too-large",
	ReasonTruncated:        "truncated",
	ReasonBadStartLine:     "bad-start-line",
	ReasonBadVersion:       "bad-version",
	ReasonBadHeader:        "bad-header",
	ReasonNoCallID:         "no-call-id",
	ReasonBadCallID:        "bad-call-id",
	ReasonNoVia:            "no-via",
	ReasonBadVia:           "bad-via",
	ReasonNoCSeq:           "no-cseq",
	ReasonBadCSeq:          "bad-cseq",
	ReasonBadContentLength: "bad-content-length",
	ReasonBadMaxForwards:   "bad-max-forwards",
	ReasonTooManyHops:      "too-many-hops",
	ReasonNoNextHop:        "no-next-hop",
	ReasonWrongKind:        "wrong-kind",
}

// String returns the stable lowercase name used in counters and show output.
func (r Reason) String() string {
	if int(r) < NumReasons {
		return reasonNames[r]
	}
	return "unknown"
}
