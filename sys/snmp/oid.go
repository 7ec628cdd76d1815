package snmp

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// OID is a parsed object identifier. Comparisons are lexicographic over
// the arcs, which is SNMP's GetNext order.
type OID []uint32

var errBadOID = errors.New("bad object identifier")

// ParseOID parses dotted notation with or without the leading dot.
func ParseOID(s string) (OID, error) {
	s = strings.TrimPrefix(s, ".")
	if s == "" {
		return nil, errBadOID
	}
	parts := strings.Split(s, ".")
	o := make(OID, len(parts))
	for i, p := range parts {
		v, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("oid %q: %w", s, errBadOID)
		}
		o[i] = uint32(v)
	}
	return o, nil
}

func mustOID(s string) OID {
	o, err := ParseOID(s)
	if err != nil {
		panic(err)
	}
	return o
}

// String returns the dotted form with a leading dot, as gosnmp writes it.
func (o OID) String() string {
	b := make([]byte, 0, len(o)*4)
	for _, a := range o {
		b = append(b, '.')
		b = strconv.AppendUint(b, uint64(a), 10)
	}
	return string(b)
}

// Compare orders OIDs lexicographically: -1, 0 or +1.
func (o OID) Compare(p OID) int {
	n := min(len(o), len(p))
	for i := 0; i < n; i++ {
		switch {
		case o[i] < p[i]:
			return -1
		case o[i] > p[i]:
			return 1
		}
	}
	switch {
	case len(o) < len(p):
		return -1
	case len(o) > len(p):
		return 1
	}
	return 0
}

// HasPrefix reports whether p is a prefix of o (or equal to it).
func (o OID) HasPrefix(p OID) bool {
	if len(p) > len(o) {
		return false
	}
	for i := range p {
		if o[i] != p[i] {
			return false
		}
	}
	return true
}

// Append returns a new OID: o followed by arcs; o is never modified.
func (o OID) Append(arcs ...uint32) OID {
	r := make(OID, 0, len(o)+len(arcs))
	r = append(r, o...)
	return append(r, arcs...)
}

// berLen is the encoded content length of o (for response size bounds).
func (o OID) berLen() int {
	if len(o) < 2 {
		return 1
	}
	n := base128Len(o[0]*40 + o[1])
	for _, a := range o[2:] {
		n += base128Len(a)
	}
	return n
}

func base128Len(v uint32) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}
