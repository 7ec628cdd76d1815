package sip

import (
	"bytes"

	"sipslb/slb/reason"
)

// hdr identifies the header fields the scanner reads.
type hdr uint8

const (
	hOther hdr = iota
	hCallID
	hVia
	hCSeq
	hMaxForwards
	hContentLength
	hRoute
	hRecordRoute
	hTo
	hFrom
)

// hdrOf folds a header name, long or compact (RFC 3261 §7.3.3), without
// allocating.
func hdrOf(n []byte) hdr {
	switch len(n) {
	case 1:
		switch lower(n[0]) {
		case 'i':
			return hCallID
		case 'v':
			return hVia
		case 'l':
			return hContentLength
		case 't':
			return hTo
		case 'f':
			return hFrom
		}
	case 2:
		if eqFold(n, "to") {
			return hTo
		}
	case 3:
		if eqFold(n, "via") {
			return hVia
		}
	case 4:
		if eqFold(n, "cseq") {
			return hCSeq
		}
		if eqFold(n, "from") {
			return hFrom
		}
	case 5:
		if eqFold(n, "route") {
			return hRoute
		}
	case 7:
		if eqFold(n, "call-id") {
			return hCallID
		}
	case 12:
		if eqFold(n, "max-forwards") {
			return hMaxForwards
		}
		if eqFold(n, "record-route") {
			return hRecordRoute
		}
	case 14:
		if eqFold(n, "content-length") {
			return hContentLength
		}
	}
	return hOther
}

// field is one header field, possibly folded over several lines.
type field struct {
	id         hdr
	line       Span // name through the line end of its last line
	valS, valE int  // value without surrounding LWS
}

// readField reads the header field at pos. At the blank line ending the
// headers it returns done with body set to the first body byte.
func readField(b []byte, pos int) (f field, body int, done bool, r reason.Reason) {
	if pos >= len(b) {
		return f, 0, false, reason.Truncated
	}
	switch b[pos] {
	case '\n':
		return f, pos + 1, true, reason.OK
	case '\r':
		if pos+1 >= len(b) {
			return f, 0, false, reason.Truncated
		}
		if b[pos+1] == '\n' {
			return f, pos + 2, true, reason.OK
		}
		return f, 0, false, reason.BadHeader
	}
	ne := scanClass(b, pos, len(b), cToken)
	if ne == pos {
		return f, 0, false, reason.BadHeader
	}
	c := ne
	for c < len(b) && (b[c] == ' ' || b[c] == '\t') {
		c++
	}
	if c >= len(b) {
		return f, 0, false, reason.Truncated
	}
	if b[c] != ':' {
		return f, 0, false, reason.BadHeader
	}
	// The field ends at the first LF not followed by SP or HT.
	j := c + 1
	var nl int
	for {
		k := bytes.IndexByte(b[j:], '\n')
		if k < 0 {
			return f, 0, false, reason.Truncated
		}
		nl = j + k
		if nl+1 < len(b) && (b[nl+1] == ' ' || b[nl+1] == '\t') {
			j = nl + 1
			continue
		}
		break
	}
	f.id = hdrOf(b[pos:ne])
	f.line = span(pos, nl+1)
	f.valS, f.valE = trimLWS(b, c+1, nl)
	return f, 0, false, reason.OK
}
