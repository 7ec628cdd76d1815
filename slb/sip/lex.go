package sip

// Character classes of RFC 3261 §25.1.
const (
	cToken    = 1 << iota // token: alphanum and -.!%*_+`'~
	cHost                 // hostname and IPv4 characters
	cParamVal             // gen-value without quotes: token, host, IPv6 (":" "[" "]")
)

var charClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if alnum {
			t[c] = cToken | cHost | cParamVal
		}
	}
	for _, c := range "-.!%*_+`'~" {
		t[c] |= cToken | cParamVal
	}
	// '_' is not legal in a hostname, but real clients send it.
	for _, c := range "-._" {
		t[c] |= cHost
	}
	for _, c := range ":[]" {
		t[c] |= cParamVal
	}
	return t
}()

func isToken(c byte) bool { return charClass[c]&cToken != 0 }

// isLWS covers CR and LF because inside a header value they occur only as
// part of a folded line (RFC 3261 §7.3.1).
func isLWS(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func skipLWS(b []byte, p, e int) int {
	for p < e && isLWS(b[p]) {
		p++
	}
	return p
}

func scanClass(b []byte, p, e int, class uint8) int {
	for p < e && charClass[b[p]]&class != 0 {
		p++
	}
	return p
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// eqFold reports whether b equals the lowercase ASCII string s, ignoring
// the case of b.
func eqFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		if lower(b[i]) != s[i] {
			return false
		}
	}
	return true
}

// parseUint reads the decimal b (leading zeros allowed) and fails on an
// empty string, a non-digit, or a value above max.
func parseUint(b []byte, max uint64) (uint64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
		if n > max {
			return 0, false
		}
	}
	return n, true
}

// trimLWS returns [s, e) without surrounding LWS.
func trimLWS(b []byte, s, e int) (int, int) {
	s = skipLWS(b, s, e)
	for e > s && isLWS(b[e-1]) {
		e--
	}
	return s, e
}

// skipQuoted returns the offset after the quoted-string opening at p, or -1
// when it is not closed before e.
func skipQuoted(b []byte, p, e int) int {
	for p++; p < e; p++ {
		switch b[p] {
		case '\\':
			p++
		case '"':
			return p + 1
		}
	}
	return -1
}
