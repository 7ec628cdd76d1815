package health

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"net/netip"
	"strconv"
)

// probe is what identifies one request in flight. Branch, Call-ID and From
// tag are fresh random values for every probe, so two balancers (an HA pair
// after failover) or two probes of one target never share a transaction.
type probe struct {
	branch string
	callID string
	cseq   uint32
	method Method
}

// newProbe draws the identifiers of a probe. math/rand/v2's global source is
// ChaCha8 seeded from the OS per process: unpredictable across processes,
// which is what uniqueness between balancers needs.
func newProbe(m Method, cseq uint32) probe {
	return probe{
		branch: "z9hG4bK" + hex64(rand.Uint64()) + hex64(rand.Uint64()),
		callID: hex64(rand.Uint64()) + hex64(rand.Uint64()) + "@sipslb",
		cseq:   cseq,
		method: m,
	}
}

func hex64(v uint64) string {
	const digits = "0123456789abcdef"
	var b [16]byte
	for i := 15; i >= 0; i-- {
		b[i] = digits[v&0xf]
		v >>= 4
	}
	return string(b[:])
}

// appendRequest appends the probe's request to dst. local is where answers go
// (Via, Contact); rport asks the target to answer the source port it saw,
// which matters when a NAT or the DSR transport stands between.
//
// A REGISTER probe carries no Contact: RFC 3261 §10.2.3 makes that a query of
// the AoR's bindings, so probing never creates or removes a registration.
func appendRequest(dst []byte, p *probe, c *Check, target, local netip.AddrPort) []byte {
	ruri := "sip:" + target.String()
	dst = append(dst, p.method.String()...)
	dst = append(dst, ' ')
	dst = append(dst, ruri...)
	dst = append(dst, " SIP/2.0\r\nVia: SIP/2.0/UDP "...)
	dst = append(dst, local.String()...)
	dst = append(dst, ";branch="...)
	dst = append(dst, p.branch...)
	dst = append(dst, ";rport\r\nMax-Forwards: 70\r\nFrom: <"...)
	if p.method == MethodRegister {
		dst = append(dst, c.AoR...)
	} else {
		dst = append(dst, "sip:sipslb@"...)
		dst = append(dst, local.Addr().String()...)
	}
	dst = append(dst, ">;tag="...)
	dst = append(dst, hex64(rand.Uint64())...)
	dst = append(dst, "\r\nTo: <"...)
	if p.method == MethodRegister {
		dst = append(dst, c.AoR...)
	} else {
		dst = append(dst, ruri...)
	}
	dst = append(dst, ">\r\nCall-ID: "...)
	dst = append(dst, p.callID...)
	dst = append(dst, "\r\nCSeq: "...)
	dst = strconv.AppendUint(dst, uint64(p.cseq), 10)
	dst = append(dst, ' ')
	dst = append(dst, p.method.String()...)
	if p.method != MethodRegister {
		dst = append(dst, "\r\nContact: <sip:sipslb@"...)
		dst = append(dst, local.String()...)
		dst = append(dst, ">\r\nAccept: application/sdp"...)
	}
	dst = append(dst, "\r\nUser-Agent: sipslb\r\nContent-Length: 0\r\n\r\n"...)
	return dst
}

// response holds the fields of a SIP response that decide whether it answers
// the probe in flight. The slices point into the datagram.
type response struct {
	code   int
	branch []byte // of the top Via
	callID []byte
	cseq   uint32
	method []byte // of the CSeq
}

var (
	errNotResponse = errors.New("not a sip response")
	errMissing     = errors.New("response lacks via branch, call-id or cseq")
)

// parseResponse reads the status line and the top Via branch, Call-ID and
// CSeq of a datagram, with long or compact header names in any case. It does
// not unfold continuation lines: a folded Via or CSeq fails to parse, and
// the probe times out rather than matching on a guess.
func parseResponse(b []byte) (response, error) {
	var r response
	line, rest := nextLine(b)
	if len(line) < 11 || !bytes.EqualFold(line[:8], []byte("SIP/2.0 ")) ||
		(len(line) > 11 && line[11] != ' ') {
		return r, errNotResponse
	}
	for _, d := range line[8:11] {
		if d < '0' || d > '9' {
			return r, errNotResponse
		}
		r.code = r.code*10 + int(d-'0')
	}
	if r.code < minCode || r.code > maxCode {
		return r, errNotResponse
	}
	var haveVia, haveCallID, haveCSeq bool
	for len(rest) > 0 {
		line, rest = nextLine(rest)
		if len(line) == 0 {
			break // end of headers
		}
		if line[0] == ' ' || line[0] == '\t' {
			continue
		}
		colon := bytes.IndexByte(line, ':')
		if colon < 0 {
			return r, errNotResponse
		}
		name := trimSpace(line[:colon])
		value := trimSpace(line[colon+1:])
		switch {
		case !haveVia && (headerIs(name, "via") || headerIs(name, "v")):
			haveVia = true
			r.branch = viaBranch(value)
		case !haveCallID && (headerIs(name, "call-id") || headerIs(name, "i")):
			haveCallID = true
			r.callID = value
		case !haveCSeq && headerIs(name, "cseq"):
			haveCSeq = true
			num, method, _ := bytes.Cut(value, []byte(" "))
			n, err := strconv.ParseUint(string(num), 10, 32)
			if err != nil {
				return r, errMissing
			}
			r.cseq = uint32(n)
			r.method = trimSpace(method)
		}
	}
	if len(r.branch) == 0 || len(r.callID) == 0 || !haveCSeq {
		return r, errMissing
	}
	return r, nil
}

// matches reports whether r answers probe p: top Via branch, Call-ID and
// CSeq (number and method) must all agree. Any one alone could be forged by
// accident (another balancer, a replay of an older probe).
func (r *response) matches(p *probe) bool {
	return string(r.branch) == p.branch &&
		string(r.callID) == p.callID &&
		r.cseq == p.cseq &&
		string(r.method) == p.method.String()
}

// viaBranch returns the branch parameter of the first via-parm of a Via
// header value.
func viaBranch(v []byte) []byte {
	if i := bytes.IndexByte(v, ','); i >= 0 {
		v = v[:i]
	}
	_, params, _ := bytes.Cut(v, []byte(";"))
	for len(params) > 0 {
		var p []byte
		p, params, _ = bytes.Cut(params, []byte(";"))
		name, val, _ := bytes.Cut(p, []byte("="))
		if headerIs(trimSpace(name), "branch") {
			return trimSpace(val)
		}
	}
	return nil
}

func nextLine(b []byte) (line, rest []byte) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return b, nil
	}
	line, rest = b[:i], b[i+1:]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, rest
}

func trimSpace(b []byte) []byte {
	return bytes.Trim(b, " \t")
}

// headerIs compares a header name case-insensitively with lower-case want.
func headerIs(name []byte, want string) bool {
	if len(name) != len(want) {
		return false
	}
	for i := range name {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != want[i] {
			return false
		}
	}
	return true
}
