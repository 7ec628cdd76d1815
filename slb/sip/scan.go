package sip

import (
	"bytes"

	"sipslb/slb/reason"
)

// Scan reads the SIP message in b (one UDP datagram) into m, which it
// resets first. It allocates nothing and keeps no reference to b: the spans
// in m are offsets. Any reason.Reason other than reason.OK leaves m partly filled
// and meaningless.
func Scan(b []byte, m *Msg) reason.Reason {
	*m = Msg{MaxForwards: -1, ContentLength: -1}
	if len(b) > MaxSize {
		return reason.TooLarge
	}
	// RFC 5626 §4.4.1 keepalives, and CRLFs before a start line, which
	// RFC 3261 §7.5 tells receivers to ignore.
	i := 0
	for i < len(b) && (b[i] == '\r' || b[i] == '\n') {
		i++
	}
	if i == len(b) {
		if i == 0 {
			return reason.NotSIP
		}
		return reason.Keepalive
	}
	m.Start = int32(i)
	k := bytes.IndexByte(b[i:], '\n')
	if k < 0 {
		if printable(b[i:]) {
			return reason.Truncated
		}
		return reason.NotSIP
	}
	le := i + k
	ce := le
	if ce > i && b[ce-1] == '\r' {
		ce--
	}
	m.StartLine = span(i, le+1)
	if r := m.startLine(b, i, ce); r != reason.OK {
		return r
	}

	pos := le + 1
	var seenCSeq, seenTo, seenFrom bool
	for {
		f, body, done, r := readField(b, pos)
		if r != reason.OK {
			return r
		}
		if done {
			m.BodyOff = int32(body)
			break
		}
		pos = int(f.line.End())
		switch f.id {
		case hCallID:
			if m.CallID.Len != 0 || !ValidCallID(b[f.valS:f.valE]) {
				return reason.BadCallID
			}
			m.CallID = span(f.valS, f.valE)
		case hVia:
			if r := m.via(b, f); r != reason.OK {
				return r
			}
		case hCSeq:
			if seenCSeq || !m.cseq(b, f.valS, f.valE) {
				return reason.BadCSeq
			}
			seenCSeq = true
		case hMaxForwards:
			if m.MaxForwards >= 0 {
				return reason.BadMaxForwards
			}
			n, ok := parseUint(b[f.valS:f.valE], 255)
			if !ok {
				return reason.BadMaxForwards
			}
			m.MaxForwards = int(n)
			m.MaxForwardsSpan = span(f.valS, f.valE)
		case hContentLength:
			if m.ContentLength >= 0 {
				return reason.BadContentLength
			}
			n, ok := parseUint(b[f.valS:f.valE], MaxSize)
			if !ok {
				return reason.BadContentLength
			}
			m.ContentLength = int(n)
		case hRoute:
			if !m.route(b, f) {
				return reason.BadHeader
			}
		case hRecordRoute:
			if m.RecordRoute.Len == 0 {
				s, e, _ := nameAddr(b, f.valS, f.valE)
				m.RecordRoute = span(s, e)
			}
		case hTo:
			if seenTo {
				return reason.BadHeader
			}
			seenTo = true
			m.To = span(f.valS, f.valE)
			var ok bool
			if m.ToTag, m.HasToTag, ok = tagParam(b, f.valS, f.valE); !ok {
				return reason.BadHeader
			}
		case hFrom:
			if seenFrom {
				return reason.BadHeader
			}
			seenFrom = true
			var ok bool
			if m.FromTag, _, ok = tagParam(b, f.valS, f.valE); !ok {
				return reason.BadHeader
			}
		}
	}

	switch {
	case m.CallID.Len == 0:
		return reason.NoCallID
	case m.ViaCount == 0:
		return reason.NoVia
	case !seenCSeq:
		return reason.NoCSeq
	case m.Request && !bytes.Equal(m.CSeqMethodSpan.Bytes(b), m.MethodSpan.Bytes(b)):
		// RFC 4475 §3.1.2.17/18: mismatched methods are rejected.
		return reason.BadCSeq
	}
	m.End = int32(len(b))
	if m.ContentLength >= 0 {
		if len(b)-int(m.BodyOff) < m.ContentLength {
			return reason.Truncated
		}
		m.End = m.BodyOff + int32(m.ContentLength)
	}
	return reason.OK
}

func printable(b []byte) bool {
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\r' || c == 0x7f {
			return false
		}
	}
	return true
}

// startLine parses the request or status line in b[s:e] (without CRLF).
func (m *Msg) startLine(b []byte, s, e int) reason.Reason {
	line := b[s:e]
	if !printable(line) {
		return reason.NotSIP
	}
	if len(line) >= 4 && eqFold(line[:4], "sip/") {
		return m.statusLine(b, s, e)
	}
	m.Request = true
	me := scanClass(b, s, e, cToken)
	if me == s || me == e || b[me] != ' ' {
		return reason.NotSIP
	}
	m.MethodSpan = span(s, me)
	m.Method = methodOf(b[s:me])
	us := me + 1
	ue := us
	for ue < e && b[ue] != ' ' {
		ue++
	}
	rest := b[min(ue+1, e):e]
	if ue == e || !bytes.Contains(rest, []byte("SIP/")) && !bytes.Contains(rest, []byte("sip/")) {
		// No SIP version where it belongs: HTTP and friends.
		return reason.NotSIP
	}
	if !eqFold(rest, "sip/2.0") {
		if len(rest) >= 7 && eqFold(rest[:4], "sip/") && !eqFold(rest[:7], "sip/2.0") {
			return reason.BadVersion
		}
		// Extra SP inside or after the URI (RFC 4475 lwsruri, lwsstart, trws).
		return reason.BadStartLine
	}
	if !uriOK(b[us:ue]) {
		return reason.BadStartLine
	}
	m.RequestURI = span(us, ue)
	return reason.OK
}

// uriOK checks the scheme of a Request-URI (RFC 3986 §3.1) and rejects
// escaped headers in a SIP URI, which must never reach a Request-URI
// (RFC 4475 §3.1.2.11).
func uriOK(u []byte) bool {
	if len(u) == 0 || !('a' <= lower(u[0]) && lower(u[0]) <= 'z') {
		return false
	}
	i := 1
	for i < len(u) {
		c := lower(u[i])
		if 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '-' || c == '.' {
			i++
			continue
		}
		break
	}
	if i == len(u) || u[i] != ':' {
		return false
	}
	for _, c := range u[i+1:] {
		if c >= 0x7f {
			return false
		}
	}
	if eqFold(u[:i], "sip") || eqFold(u[:i], "sips") {
		// '?' is legal in the user part (RFC 4475 §3.1.1.2), so only a '?'
		// after the host starts headers.
		hostport := u[i+1:]
		if at := bytes.LastIndexByte(hostport, '@'); at >= 0 {
			hostport = hostport[at+1:]
		}
		return bytes.IndexByte(hostport, '?') < 0 && bytes.IndexByte(u, '<') < 0 && bytes.IndexByte(u, '>') < 0
	}
	return true
}

// statusLine parses "SIP/2.0 SP 3DIGIT SP Reason-Phrase".
func (m *Msg) statusLine(b []byte, s, e int) reason.Reason {
	line := b[s:e]
	if len(line) < 8 || !eqFold(line[:8], "sip/2.0 ") {
		if len(line) >= 7 && !eqFold(line[:7], "sip/2.0") {
			return reason.BadVersion
		}
		return reason.BadStartLine
	}
	code := line[8:]
	n := 0
	for n < len(code) && '0' <= code[n] && code[n] <= '9' {
		n++
	}
	// RFC 3261 §7.2: exactly three digits and a SP; the reason phrase may
	// be empty (RFC 4475 §3.1.1.13) but a missing SP is tolerated.
	if n != 3 || code[0] < '1' || code[0] > '6' || len(code) > 3 && code[3] != ' ' {
		return reason.BadStartLine
	}
	m.Status = int(code[0]-'0')*100 + int(code[1]-'0')*10 + int(code[2]-'0')
	return reason.OK
}

// ValidCallID is the scanner's rule for a Call-ID value (`show sip hash`
// applies it too): any run of visible bytes. RFC 3261's word is narrower,
// but a balancer that drops real phones' odd Call-IDs helps nobody; only
// LWS and control bytes, which would make the value ambiguous, are refused.
func ValidCallID(v []byte) bool {
	if len(v) == 0 {
		return false
	}
	for _, c := range v {
		if c <= ' ' || c == 0x7f {
			return false
		}
	}
	return true
}

// cseq parses "1*DIGIT LWS Method" with the number below 2**32.
func (m *Msg) cseq(b []byte, s, e int) bool {
	d := s
	for d < e && '0' <= b[d] && b[d] <= '9' {
		d++
	}
	n, ok := parseUint(b[s:d], 1<<32-1)
	if !ok {
		return false
	}
	ms := skipLWS(b, d, e)
	if ms == d {
		return false
	}
	me := scanClass(b, ms, e, cToken)
	if me == ms || me != e {
		return false
	}
	m.CSeq = uint32(n)
	m.CSeqMethodSpan = span(ms, me)
	m.CSeqMethod = methodOf(b[ms:me])
	return true
}

// route records the first two Route values.
func (m *Msg) route(b []byte, f field) bool {
	p := f.valS
	for p < f.valE {
		s, e, next := nameAddr(b, p, f.valE)
		if e == s {
			return false
		}
		switch {
		case m.Route[0].Len == 0:
			m.Route[0] = span(s, e)
			m.RouteLine = f.line
		case m.Route[1].Len == 0:
			m.Route[1] = span(s, e)
		default:
			return true
		}
		p = next
	}
	return true
}

// nameAddr finds the end of the comma-separated value starting at p: the
// first comma outside quotes and angle brackets. It returns the value
// without LWS and the start of the next value (e when none).
func nameAddr(b []byte, p, e int) (vs, ve, next int) {
	vs = skipLWS(b, p, e)
	angle := false
	q := vs
	for q < e {
		switch b[q] {
		case '"':
			if angle {
				break
			}
			if q = skipQuoted(b, q, e); q < 0 {
				return vs, vs, e
			}
			continue
		case '<':
			angle = true
		case '>':
			angle = false
		case ',':
			if !angle {
				_, ve = trimLWS(b, vs, q)
				return vs, ve, skipLWS(b, q+1, e)
			}
		}
		q++
	}
	_, ve = trimLWS(b, vs, e)
	return vs, ve, e
}

// tagParam finds the tag header parameter of a To or From value, skipping
// quoted display names and the bracketed URI, whose own parameters are not
// header parameters. ok is false for an unterminated quote or bracket
// (RFC 4475 §3.1.2.6) and for a tag without a value.
func tagParam(b []byte, s, e int) (tag Span, found, ok bool) {
	p := s
	for p < e {
		switch b[p] {
		case '"':
			if p = skipQuoted(b, p, e); p < 0 {
				return Span{}, false, false
			}
			continue
		case '<':
			for p < e && b[p] != '>' {
				p++
			}
			if p == e {
				return Span{}, false, false
			}
		case ';':
			ns := skipLWS(b, p+1, e)
			ne := scanClass(b, ns, e, cToken)
			if !eqFold(b[ns:ne], "tag") {
				p = ne
				continue
			}
			q := skipLWS(b, ne, e)
			if q >= e || b[q] != '=' {
				return Span{}, false, false
			}
			vs := skipLWS(b, q+1, e)
			ve := scanClass(b, vs, e, cToken)
			if ve == vs {
				return Span{}, false, false
			}
			return span(vs, ve), true, true
		}
		p++
	}
	return Span{}, false, true
}
