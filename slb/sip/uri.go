package sip

import "bytes"

// ParseHostPort extracts the host and port of a sip: or sips: URI, given
// bare ("sip:alice@192.0.2.1:5070;transport=udp") or as a name-addr
// ("\"A\" <sip:192.0.2.1;lr>", as in Route). The host is returned as
// written, without the brackets of an IPv6 reference; port is 0 when the
// URI has none (the caller applies 5060). It allocates nothing.
func ParseHostPort(uri []byte) (host []byte, port int, ok bool) {
	u := uri
	if i := bytes.IndexByte(u, '<'); i >= 0 {
		j := bytes.IndexByte(u[i:], '>')
		if j < 0 {
			return nil, 0, false
		}
		u = u[i+1 : i+j]
	}
	s, e := trimLWS(u, 0, len(u))
	u = u[s:e]
	c := bytes.IndexByte(u, ':')
	if c < 0 || !eqFold(u[:c], "sip") && !eqFold(u[:c], "sips") {
		return nil, 0, false
	}
	u = u[c+1:]
	// userinfo may hold ';' and '?' (RFC 4475 §3.1.1.2, §3.1.1.9) but
	// never a bare '@'; headers after the host start at '?'.
	if at := bytes.LastIndexByte(u, '@'); at >= 0 {
		u = u[at+1:]
	}
	if q := bytes.IndexByte(u, '?'); q >= 0 {
		u = u[:q]
	}
	var rest []byte
	if len(u) > 0 && u[0] == '[' {
		j := bytes.IndexByte(u, ']')
		if j < 2 {
			return nil, 0, false
		}
		host, rest = u[1:j], u[j+1:]
	} else {
		j := scanClass(u, 0, len(u), cHost)
		host, rest = u[:j], u[j:]
	}
	if len(host) == 0 {
		return nil, 0, false
	}
	if len(rest) > 0 && rest[0] == ':' {
		j := 1
		for j < len(rest) && '0' <= rest[j] && rest[j] <= '9' {
			j++
		}
		n, ok := parseUint(rest[1:j], 65535)
		if !ok || n == 0 {
			return nil, 0, false
		}
		port, rest = int(n), rest[j:]
	}
	if len(rest) > 0 && rest[0] != ';' {
		return nil, 0, false
	}
	return host, port, true
}
