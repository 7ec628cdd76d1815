package sip

import "net/netip"

// MaxSize is the largest message Scan accepts. It is the largest UDP
// payload, so every offset fits in a Span.
const MaxSize = 65535

// Span locates bytes inside the buffer that was scanned.
type Span struct{ Off, Len int32 }

func span(start, end int) Span { return Span{Off: int32(start), Len: int32(end - start)} }

// Bytes returns the bytes of s in b, or nil when s is empty or does not fit
// in b (a Span used with the wrong buffer must not panic).
func (s Span) Bytes(b []byte) []byte {
	end := int(s.Off) + int(s.Len)
	if s.Len <= 0 || s.Off < 0 || end > len(b) {
		return nil
	}
	return b[s.Off:end:end]
}

// End is the offset just past the span.
func (s Span) End() int32 { return s.Off + s.Len }

// Method is a SIP method. Methods outside the list are MethodOther; their
// text is in Msg.MethodSpan. Counters (slb/stats), show and SNMP index by
// Method; the SIP MIB enumerates it as value+1 (other(1), invite(2), ...),
// so the order is fixed: new methods go at the end.
type Method uint8

const (
	MethodOther Method = iota
	MethodInvite
	MethodAck
	MethodBye
	MethodCancel
	MethodRegister
	MethodOptions
	MethodInfo
	MethodUpdate
	MethodPrack
	MethodSubscribe
	MethodNotify
	MethodRefer
	MethodMessage
	MethodPublish

	// NumMethods is the number of Method values, for arrays of counters
	// indexed by Method.
	NumMethods = int(iota)
)

var methodNames = [...]string{
	MethodOther:     "other",
	MethodInvite:    "INVITE",
	MethodAck:       "ACK",
	MethodBye:       "BYE",
	MethodCancel:    "CANCEL",
	MethodRegister:  "REGISTER",
	MethodOptions:   "OPTIONS",
	MethodPrack:     "PRACK",
	MethodSubscribe: "SUBSCRIBE",
	MethodNotify:    "NOTIFY",
	MethodPublish:   "PUBLISH",
	MethodInfo:      "INFO",
	MethodRefer:     "REFER",
	MethodMessage:   "MESSAGE",
	MethodUpdate:    "UPDATE",
}

// String returns the method as it appears on the wire ("other" for
// MethodOther).
func (m Method) String() string {
	if int(m) < len(methodNames) {
		return methodNames[m]
	}
	return "other"
}

// methodOf maps a method token to its enum. Methods are case-sensitive
// (RFC 3261 §7.1). A switch on string(tok) does not allocate.
func methodOf(tok []byte) Method {
	switch string(tok) {
	case "INVITE":
		return MethodInvite
	case "ACK":
		return MethodAck
	case "BYE":
		return MethodBye
	case "CANCEL":
		return MethodCancel
	case "REGISTER":
		return MethodRegister
	case "OPTIONS":
		return MethodOptions
	case "PRACK":
		return MethodPrack
	case "SUBSCRIBE":
		return MethodSubscribe
	case "NOTIFY":
		return MethodNotify
	case "PUBLISH":
		return MethodPublish
	case "INFO":
		return MethodInfo
	case "REFER":
		return MethodRefer
	case "MESSAGE":
		return MethodMessage
	case "UPDATE":
		return MethodUpdate
	}
	return MethodOther
}

// Via is one via-parm (RFC 3261 §20.42).
type Via struct {
	Transport Span  // "UDP", "TCP", ...
	Host      Span  // sent-by host as written; an IPv6 reference keeps its brackets
	Port      int32 // sent-by port, 0 when absent
	Branch    Span  // branch value
	Received  Span  // received value
	// Rport is -1 when the rport parameter is absent, 0 when it is present
	// without a value (RFC 3581: please fill it in) and the port otherwise.
	Rport      int32
	RportParam Span // the whole "rport" or "rport=N" parameter
	// Start and End bound the via-parm, from the protocol name to the last
	// byte of its last parameter.
	Start, End int32
	// Line is the whole Via header field holding this via-parm, from the
	// first byte of its name through the CRLF of its last (folded) line.
	Line Span
}

// Msg is what Scan learns about a message. Every Span points into the
// buffer that was scanned; Msg holds no pointer, so one Msg per worker can
// be reused for every packet.
type Msg struct {
	Request    bool
	Method     Method // request method; CSeqMethod is the response's
	MethodSpan Span   // method token of a request
	RequestURI Span
	Status     int  // status code of a response
	StartLine  Span // start line through its line end
	Start      int32

	CallID Span

	// Via holds the first two via-parms: the top one and the next hop a
	// response goes to once the top one is popped.
	Via      [2]Via
	ViaCount int // via-parms in the whole message

	CSeq           uint32
	CSeqMethod     Method
	CSeqMethodSpan Span

	MaxForwards     int  // -1 when absent
	MaxForwardsSpan Span // the digits, for rewriting

	ContentLength int   // -1 when absent
	BodyOff       int32 // first byte after the blank line
	End           int32 // end of the message: bytes after it in a datagram are ignored (RFC 3261 §18.3)

	// Route holds the first two Route values (name-addr, with brackets)
	// and RouteLine the header field holding Route[0].
	Route       [2]Span
	RouteLine   Span
	RecordRoute Span // first Record-Route value

	To       Span // To value
	ToTag    Span
	HasToTag bool // a To tag marks an in-dialog request
	FromTag  Span
}

// NextHop is where a response goes after the top Via (ours) is popped: the
// second via-parm's received (or sent-by host) and rport value (or sent-by
// port, or 5060), per RFC 3261 §18.2.2 and RFC 3581 §4. ok is false when
// there is no second via-parm or its host is not an IP literal.
func (m *Msg) NextHop(b []byte) (netip.AddrPort, bool) {
	if m.ViaCount < 2 {
		return netip.AddrPort{}, false
	}
	return m.Via[1].Target(b)
}

// Target applies the received and rport rules to v.
func (v *Via) Target(b []byte) (netip.AddrPort, bool) {
	host := v.Received.Bytes(b)
	if host == nil {
		host = v.Host.Bytes(b)
	}
	ip, ok := ParseIP(host)
	if !ok {
		return netip.AddrPort{}, false
	}
	port := 5060
	if v.Port > 0 {
		port = int(v.Port)
	}
	if v.Rport > 0 {
		port = int(v.Rport)
	}
	return netip.AddrPortFrom(ip, uint16(port)), true
}
