package stats

// Reason is why a datagram was not forwarded as it came: dropped, or
// answered by the balancer itself. Values below NumScanReasons mirror
// slb/sip.Reason.
type Reason uint8

// Scanner reasons (slb/sip.Reason, same values and names).
const (
	ReasonOK Reason = iota
	ReasonKeepalive
	ReasonNotSIP
	ReasonTooLarge
	ReasonTruncated
	ReasonBadStartLine
	ReasonBadVersion
	ReasonBadHeader
	ReasonNoCallID
	ReasonBadCallID
	ReasonNoVia
	ReasonBadVia
	ReasonNoCSeq
	ReasonBadCSeq
	ReasonBadContentLength
	ReasonBadMaxForwards
	ReasonTooManyHops
	ReasonNoNextHop
	ReasonWrongKind

	// NumScanReasons is slb/sip.NumReasons.
	NumScanReasons = int(iota)
)

// Data path reasons.
const (
	// ReasonNotOurVia: a response whose top Via was not inserted by us.
	ReasonNotOurVia Reason = Reason(NumScanReasons) + iota
	// ReasonNoServer: the request's group has no eligible server
	// (answered 503; an ACK is never answered, RFC 3261 §17.2.1, so it is
	// dropped under this reason).
	ReasonNoServer
	// ReasonMaxConn: every eligible server is at its max-conn
	// (answered 503, or dropped for an ACK).
	ReasonMaxConn
	// ReasonNoRoute: a request from a real server whose Route or
	// Request-URI names no IP address we can send to (no DNS on the data
	// path).
	ReasonNoRoute
	// ReasonLoop: a request or response that would be sent to one of our
	// own VIP ports.
	ReasonLoop
	// ReasonOutTooLarge: the rewritten message would not fit in a UDP
	// datagram.
	ReasonOutTooLarge
	// ReasonSendError: the kernel refused to send the message.
	ReasonSendError
	// ReasonPong: a CRLF pong or lone CRLF keepalive, dropped silently.
	ReasonPong
	// ReasonNoMAC: dsr mode; the chosen real server's MAC address is not
	// resolved yet (an ARP request is sent; the client retransmits).
	ReasonNoMAC
	// ReasonFragNoCallID: dsr mode; the first fragment of a datagram does
	// not hold the whole Call-ID line, so the datagram cannot be hashed.
	ReasonFragNoCallID

	// NumReasons is the number of Reason values.
	NumReasons = int(ReasonFragNoCallID) + 1
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
	ReasonNotOurVia:        "not-our-via",
	ReasonNoServer:         "no-server",
	ReasonMaxConn:          "max-conn",
	ReasonNoRoute:          "no-route",
	ReasonLoop:             "loop",
	ReasonOutTooLarge:      "out-too-large",
	ReasonSendError:        "send-error",
	ReasonPong:             "pong",
	ReasonNoMAC:            "no-mac",
	ReasonFragNoCallID:     "frag-no-call-id",
}

// String returns the stable lowercase counter name.
func (r Reason) String() string {
	if int(r) < NumReasons {
		return reasonNames[r]
	}
	return "unknown"
}

// Answer is a response the balancer sends itself instead of forwarding.
type Answer uint8

const (
	AnswerPong        Answer = iota // CRLF to a CRLFCRLF ping (RFC 5626 §4.4.1)
	Answer483                       // Max-Forwards reached 0
	Answer503NoServer               // the group is empty
	Answer503MaxConn                // every server is at max-conn
	NumAnswers        = int(iota)
)

var answerNames = [NumAnswers]string{"keepalive-pong", "483-too-many-hops", "503-no-server", "503-max-conn"}

func (a Answer) String() string {
	if int(a) < NumAnswers {
		return answerNames[a]
	}
	return "unknown"
}

// Method indices mirror slb/sip.Method.
const NumMethods = 15

var methodNames = [NumMethods]string{"other", "INVITE", "ACK", "BYE", "CANCEL", "REGISTER",
	"OPTIONS", "PRACK", "SUBSCRIBE", "NOTIFY", "PUBLISH", "INFO", "REFER", "MESSAGE", "UPDATE"}

// MethodName is the name of method index i.
func MethodName(i int) string {
	if i >= 0 && i < NumMethods {
		return methodNames[i]
	}
	return "other"
}

// NumClasses counts 1xx..6xx.
const NumClasses = 6

// ClassName is "1xx".."6xx" for index 0..5.
func ClassName(i int) string { return string(rune('1'+i)) + "xx" }
