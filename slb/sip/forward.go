package sip

import (
	"net/netip"
	"strconv"

	"sipslb/slb/reason"
)

// Forward says how AppendForwardRequest rewrites a request.
type Forward struct {
	// Host and Port are the sent-by of the Via we insert: our address as
	// the real servers reach it. An IPv6 Host carries its brackets.
	Host []byte
	Port int
	// Transport goes into our Via; empty means "UDP".
	Transport []byte
	// Branch is our branch value, normally made by AppendBranch.
	Branch []byte
	// Source is where the request came from, for received and rport.
	Source netip.AddrPort
	// RecordRoute, when not empty, is inserted as a Record-Route value,
	// e.g. "<sip:192.0.2.10:5060;lr>", so that the dialog's later
	// requests come back through the balancer.
	RecordRoute []byte
	// StripRoute removes the top Route value when it points at Host:Port:
	// an in-dialog request carrying our Record-Route as its Route
	// (loose routing, RFC 3261 §16.4).
	StripRoute bool
}

// AppendForwardRequest appends to dst the request in b, as scanned into m,
// rewritten for forwarding by a stateless proxy (RFC 3261 §16.6, §16.11):
// our Via first, then Record-Route if asked, Max-Forwards decremented (or
// added as 70), the client's Via given received and rport, our Route
// removed if asked. The body and Content-Length are unchanged; bytes after
// the body are dropped. With Max-Forwards 0 it appends nothing and returns
// reason.TooManyHops: the caller answers 483.
func AppendForwardRequest(dst, b []byte, m *Msg, f *Forward) ([]byte, reason.Reason) {
	if !m.Request {
		return dst, reason.WrongKind
	}
	if m.MaxForwards == 0 {
		return dst, reason.TooManyHops
	}
	var ed editor
	ed.addVia(b, &m.Via[0], f.Source)
	if m.MaxForwards > 0 {
		ed.add(int(m.MaxForwardsSpan.Off), int(m.MaxForwardsSpan.Len), editMaxForwards)
	}
	if f.StripRoute && m.Route[0].Len > 0 && routesTo(m.Route[0].Bytes(b), f.Host, f.Port) {
		if m.Route[1].Len > 0 && m.Route[1].Off < m.RouteLine.End() {
			ed.add(int(m.Route[0].Off), int(m.Route[1].Off-m.Route[0].Off), editDelete)
		} else {
			ed.add(int(m.RouteLine.Off), int(m.RouteLine.Len), editDelete)
		}
	}

	eol := lineEnd(m, b)
	dst = append(dst, m.StartLine.Bytes(b)...)
	dst = append(dst, "Via: SIP/2.0/"...)
	if len(f.Transport) > 0 {
		dst = append(dst, f.Transport...)
	} else {
		dst = append(dst, "UDP"...)
	}
	dst = append(dst, ' ')
	dst = append(dst, f.Host...)
	dst = append(dst, ':')
	dst = strconv.AppendInt(dst, int64(f.Port), 10)
	dst = append(dst, ";branch="...)
	dst = append(dst, f.Branch...)
	dst = append(dst, eol...)
	if len(f.RecordRoute) > 0 {
		dst = append(dst, "Record-Route: "...)
		dst = append(dst, f.RecordRoute...)
		dst = append(dst, eol...)
	}
	if m.MaxForwards < 0 {
		dst = append(dst, "Max-Forwards: 70"...)
		dst = append(dst, eol...)
	}
	sp := splice{src: f.Source, mf: m.MaxForwards}
	return ed.apply(dst, b, int(m.StartLine.End()), int(m.End), &sp), reason.OK
}

// lineEnd is the line ending of the message in b: its start line's, CRLF
// (RFC 3261 §7.5) or a bare LF, which the scanner tolerates. The lines the
// balancer writes into a message use it, so a message it passes on never
// has mixed line endings of its making (docs/dataplane.md).
func lineEnd(m *Msg, b []byte) string {
	if sl := m.StartLine.Bytes(b); len(sl) >= 2 && sl[len(sl)-2] == '\r' {
		return "\r\n"
	}
	return "\n"
}

// routesTo reports whether the Route value r names host:port (5060 when
// the URI has no port).
func routesTo(r, host []byte, port int) bool {
	h, p, ok := ParseHostPort(r)
	if !ok {
		return false
	}
	if p == 0 {
		p = 5060
	}
	return p == port && sameHost(h, host)
}

// sameHost reports whether the hosts a and b are the same IP address
// (IPv4-mapped or not, IPv6 in brackets or not) or the same name in any
// case.
func sameHost(a, b []byte) bool {
	if eqFoldBytes(a, b) {
		return true // the usual case, our own text copied back: no parsing
	}
	ipA, okA := ParseIP(a)
	ipB, okB := ParseIP(b)
	if okA || okB {
		return okA && okB && ipA.Unmap() == ipB.Unmap()
	}
	if len(b) >= 2 && b[0] == '[' {
		b = b[1 : len(b)-1]
	}
	if len(a) >= 2 && a[0] == '[' {
		a = a[1 : len(a)-1]
	}
	return eqFoldBytes(a, b)
}

func eqFoldBytes(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}

// AppendForwardResponse appends to dst the response in b, as scanned into
// m, without its top via-parm (ours), whether that is a Via header field of
// its own or the first value of a comma-separated list (RFC 3261 §16.7
// step 3). Everything else is copied byte for byte. The caller sends the
// result to m.NextHop(b). A response with a single Via was addressed to us:
// reason.NoNextHop.
func AppendForwardResponse(dst, b []byte, m *Msg) ([]byte, reason.Reason) {
	if m.Request {
		return dst, reason.WrongKind
	}
	if m.ViaCount < 2 {
		return dst, reason.NoNextHop
	}
	top, next := &m.Via[0], &m.Via[1]
	var cutS, cutE int
	if next.Line == top.Line {
		cutS, cutE = int(top.Start), int(next.Start)
	} else {
		cutS, cutE = int(top.Line.Off), int(top.Line.End())
	}
	dst = append(dst, b[m.Start:cutS]...)
	return append(dst, b[cutE:m.End]...), reason.OK
}

// AppendResponse appends a stateless response (RFC 3261 §8.2.6, §16.7) to
// the request in b, as scanned into m and received from src: every Via in
// order, the top one given received and rport, then From, To (with ;tag=
// toTag when it has no tag and toTag is not empty), Call-ID, CSeq and
// Content-Length: 0. It is for the answers the balancer gives itself, such
// as 483 Too Many Hops and 503 Service Unavailable.
func AppendResponse(dst, b []byte, m *Msg, src netip.AddrPort, code int, phrase string, toTag []byte) []byte {
	eol := lineEnd(m, b)
	dst = append(dst, "SIP/2.0 "...)
	dst = strconv.AppendInt(dst, int64(code), 10)
	dst = append(dst, ' ')
	dst = append(dst, phrase...)
	dst = append(dst, eol...)
	sp := splice{src: src, toTag: toTag}
	for _, want := range [...]hdr{hVia, hFrom, hTo, hCallID, hCSeq} {
		pos := int(m.StartLine.End())
		for {
			f, _, done, r := readField(b, pos)
			if done || r != reason.OK {
				break
			}
			pos = int(f.line.End())
			if f.id != want {
				continue
			}
			var ed editor
			switch {
			case want == hVia && f.line == m.Via[0].Line:
				ed.addVia(b, &m.Via[0], src)
			case want == hTo && !m.HasToTag && len(toTag) > 0:
				ed.add(f.valE, 0, editToTag)
			}
			dst = ed.apply(dst, b, int(f.line.Off), int(f.line.End()), &sp)
		}
	}
	dst = append(dst, "Content-Length: 0"...)
	dst = append(dst, eol...)
	return append(dst, eol...)
}
