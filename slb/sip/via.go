package sip

import (
	"net/netip"

	"sipslb/slb/reason"
)

// via reads every via-parm of one Via header field, keeping the first two
// in m.Via and counting all of them.
func (m *Msg) via(b []byte, f field) reason.Reason {
	p, e := f.valS, f.valE
	for {
		var scratch Via
		v := &scratch
		if m.ViaCount < len(m.Via) {
			v = &m.Via[m.ViaCount]
		}
		var ok bool
		if p, ok = viaParm(b, p, e, v); !ok {
			return reason.BadVia
		}
		v.Line = f.line
		m.ViaCount++
		p = skipLWS(b, p, e)
		if p == e {
			return reason.OK
		}
		if b[p] != ',' {
			return reason.BadVia
		}
		p++
	}
}

// viaParm parses one via-parm starting at p (RFC 3261 §20.42, with LWS
// allowed around "/", ":", ";" and "=" as in RFC 4475 §3.1.1.1) and
// returns the offset after it.
func viaParm(b []byte, p, e int, v *Via) (int, bool) {
	*v = Via{Rport: -1}
	p = skipLWS(b, p, e)
	v.Start, v.End = int32(p), int32(p)
	q := scanClass(b, p, e, cToken)
	if !eqFold(b[p:q], "sip") {
		return p, false
	}
	// "/" version "/" transport
	for i := range 2 {
		p = skipLWS(b, q, e)
		if p == e || b[p] != '/' {
			return p, false
		}
		p = skipLWS(b, p+1, e)
		q = scanClass(b, p, e, cToken)
		if q == p {
			return p, false
		}
		if i == 1 {
			v.Transport = span(p, q)
		}
	}
	p = skipLWS(b, q, e)
	if p == q || p == e {
		return p, false
	}
	// sent-by host
	if b[p] == '[' {
		q = p + 1
		for q < e && b[q] != ']' {
			q++
		}
		if q == e || q == p+1 {
			return p, false
		}
		q++
	} else {
		q = scanClass(b, p, e, cHost)
		if q == p {
			return p, false
		}
	}
	v.Host = span(p, q)
	v.End = int32(q)
	p = skipLWS(b, q, e)
	if p < e && b[p] == ':' {
		p = skipLWS(b, p+1, e)
		q = scanClass(b, p, e, cToken)
		n, ok := parseUint(b[p:q], 65535)
		if !ok || n == 0 {
			return p, false
		}
		v.Port = int32(n)
		v.End = int32(q)
		p = skipLWS(b, q, e)
	}
	for p < e && b[p] == ';' {
		ns := skipLWS(b, p+1, e)
		ne := scanClass(b, ns, e, cToken)
		if ne == ns {
			// RFC 4475 §3.1.2.1: empty parameters are malformed.
			return p, false
		}
		q = ne
		var val Span
		hasVal := false
		if eq := skipLWS(b, ne, e); eq < e && b[eq] == '=' {
			vs := skipLWS(b, eq+1, e)
			if vs < e && b[vs] == '"' {
				if q = skipQuoted(b, vs, e); q < 0 {
					return p, false
				}
			} else {
				q = scanClass(b, vs, e, cParamVal)
			}
			if q == vs {
				return p, false
			}
			val, hasVal = span(vs, q), true
		}
		name := b[ns:ne]
		switch {
		case eqFold(name, "branch"):
			if !hasVal || v.Branch.Len != 0 {
				return p, false
			}
			v.Branch = val
		case eqFold(name, "received"):
			if !hasVal || v.Received.Len != 0 {
				return p, false
			}
			v.Received = val
		case eqFold(name, "rport"):
			if v.Rport >= 0 {
				return p, false
			}
			v.Rport = 0
			if hasVal {
				n, ok := parseUint(val.Bytes(b), 65535)
				if !ok || n == 0 {
					return p, false
				}
				v.Rport = int32(n)
			}
			v.RportParam = span(ns, q)
		}
		v.End = int32(q)
		p = skipLWS(b, q, e)
	}
	return p, true
}

// ReplyTarget is where the responses to a request whose top via-parm is v,
// received from src, go (RFC 3261 §18.2.2 with RFC 3581 §4): always to the
// source address, to the source port when v carries rport (with or without
// a value: a value the client wrote is replaced), else to the sent-by port
// (5060 by default). Nothing the client wrote in received or rport can name
// another host. It is the Target of v once AppendForwardRequest or
// AppendResponse has rewritten it.
func (v *Via) ReplyTarget(src netip.AddrPort) netip.AddrPort {
	ip := src.Addr().Unmap().WithZone("")
	if v.Rport >= 0 {
		return netip.AddrPortFrom(ip, src.Port())
	}
	port := uint16(5060)
	if v.Port > 0 {
		port = uint16(v.Port)
	}
	return netip.AddrPortFrom(ip, port)
}

// SentBy reports whether v's sent-by is host:port: the same IP address
// (IPv4-mapped or not, IPv6 with or without brackets), or the same name
// in any case; the port defaults to 5060 when v has none. A response
// whose top Via does not name our VIP port is not ours, whatever its
// branch says.
func (v *Via) SentBy(b, host []byte, port int) bool {
	p := int(v.Port)
	if p == 0 {
		p = 5060
	}
	return p == port && sameHost(v.Host.Bytes(b), host)
}
