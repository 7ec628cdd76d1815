package udpsip

import (
	"bytes"

	"sipslb/slb/sip"
)

// Head is what routing needs from a SIP message: from a whole message
// (FromMsg) or from the start of one whose end is in later fragments
// (ScanHead).
type Head struct {
	Request    bool
	Status     int
	Method     sip.Method // request method (in ScanHead, routing-relevant ones only)
	CSeqMethod sip.Method
	CallID     []byte // nil: no Call-ID (a CRLF keepalive)
}

// ScanHead reads the start line and the complete header lines in b, the
// payload of a first fragment, until it has the Call-ID (and, for a
// response, the CSeq method, when it comes before the end of b). It only
// trusts whole lines: a header cut by the fragment boundary, or a folded
// Call-ID, is not used. ok is false when no whole Call-ID line is in b.
func ScanHead(b []byte) (h Head, ok bool) {
	i := 0
	for i < len(b) && (b[i] == '\r' || b[i] == '\n') {
		i++
	}
	k := bytes.IndexByte(b[i:], '\n')
	if k < 0 {
		return h, false
	}
	line := trimCR(b[i : i+k])
	h.Request = !bytes.HasPrefix(line, []byte("SIP/"))
	if h.Request {
		sp := bytes.IndexByte(line, ' ')
		if sp <= 0 {
			return h, false
		}
		h.Method = methodOf(line[:sp])
	} else if len(line) >= 11 {
		for _, c := range line[8:11] {
			h.Status = h.Status*10 + int(c-'0')
		}
	}
	pos := i + k + 1
	for pos < len(b) {
		k := bytes.IndexByte(b[pos:], '\n')
		if k < 0 {
			break // the rest is cut by the fragment boundary
		}
		line := trimCR(b[pos : pos+k])
		next := pos + k + 1
		if len(line) == 0 {
			break // end of headers
		}
		c := bytes.IndexByte(line, ':')
		if c > 0 && line[0] != ' ' && line[0] != '\t' {
			name := bytes.TrimRight(line[:c], " \t")
			val := bytes.Trim(line[c+1:], " \t")
			switch {
			case isName(name, "call-id") || isName(name, "i"):
				if next < len(b) && (b[next] == ' ' || b[next] == '\t') {
					return h, false // folded: the value goes on
				}
				if next >= len(b) || len(val) == 0 {
					return h, false // the fold, if any, is in the next fragment
				}
				h.CallID = val
			case isName(name, "cseq"):
				if sp := bytes.LastIndexAny(val, " \t"); sp >= 0 {
					h.CSeqMethod = methodOf(val[sp+1:])
				}
			}
		}
		if h.CallID != nil && (h.Request || h.CSeqMethod != sip.MethodOther) {
			break
		}
		pos = next
	}
	return h, h.CallID != nil
}

func trimCR(l []byte) []byte {
	if len(l) > 0 && l[len(l)-1] == '\r' {
		return l[:len(l)-1]
	}
	return l
}

// isName compares a header name with lower-case want, ignoring case.
func isName(n []byte, want string) bool {
	if len(n) != len(want) {
		return false
	}
	for i := range n {
		c := n[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != want[i] {
			return false
		}
	}
	return true
}

// methodOf knows the methods that change routing: REGISTER picks the
// registrar group, INVITE/SUBSCRIBE/REFER pin a dialog, BYE and CANCEL
// shorten it. The rest are MethodOther here.
func methodOf(tok []byte) sip.Method {
	switch string(tok) {
	case "INVITE":
		return sip.MethodInvite
	case "ACK":
		return sip.MethodAck
	case "BYE":
		return sip.MethodBye
	case "CANCEL":
		return sip.MethodCancel
	case "REGISTER":
		return sip.MethodRegister
	case "SUBSCRIBE":
		return sip.MethodSubscribe
	case "REFER":
		return sip.MethodRefer
	}
	return sip.MethodOther
}
