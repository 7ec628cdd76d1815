package health

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// SIP status codes run from 100 to 699 (RFC 3261 §7.2); a CodeSet holds any
// subset of them as a bitmap so it stays comparable and free to copy.
const (
	minCode = 100
	maxCode = 699
)

// CodeSet is a set of SIP status codes. The zero value is empty; a Check with
// an empty Accept set accepts only 200.
type CodeSet struct {
	bits [(maxCode + 64) / 64]uint64
}

// Codes returns a set holding the given codes; codes outside 100-699 are
// ignored.
func Codes(codes ...int) CodeSet {
	var s CodeSet
	for _, c := range codes {
		s.Add(c)
	}
	return s
}

// Add puts code in the set; it reports false if the code is not a SIP status
// code.
func (s *CodeSet) Add(code int) bool {
	if code < minCode || code > maxCode {
		return false
	}
	s.bits[code/64] |= 1 << (code % 64)
	return true
}

// Has reports whether code is in the set.
func (s CodeSet) Has(code int) bool {
	if code < minCode || code > maxCode {
		return false
	}
	return s.bits[code/64]&(1<<(code%64)) != 0
}

// Empty reports whether the set holds no code.
func (s CodeSet) Empty() bool {
	return s == CodeSet{}
}

// ErrBadCodes is wrapped by every ParseCodes error.
var ErrBadCodes = errors.New("bad status code list")

// ParseCodes reads a comma-separated list of codes and inclusive ranges, such
// as "200-299,401". Blanks around items are allowed; every code must be in
// 100-699, ranges must not run backwards, and the list must not be empty.
func ParseCodes(text string) (CodeSet, error) {
	var s CodeSet
	if strings.TrimSpace(text) == "" {
		return s, fmt.Errorf("%w: empty", ErrBadCodes)
	}
	for item := range strings.SplitSeq(text, ",") {
		item = strings.TrimSpace(item)
		lo, hi, isRange := strings.Cut(item, "-")
		first, err := parseCode(lo)
		if err != nil {
			return CodeSet{}, err
		}
		last := first
		if isRange {
			if last, err = parseCode(hi); err != nil {
				return CodeSet{}, err
			}
			if last < first {
				return CodeSet{}, fmt.Errorf("%w: range %q runs backwards", ErrBadCodes, item)
			}
		}
		for c := first; c <= last; c++ {
			s.Add(c)
		}
	}
	return s, nil
}

func parseCode(text string) (int, error) {
	text = strings.TrimSpace(text)
	c, err := strconv.Atoi(text)
	if err != nil || len(text) != 3 {
		return 0, fmt.Errorf("%w: %q is not a three-digit code", ErrBadCodes, text)
	}
	if c < minCode || c > maxCode {
		return 0, fmt.Errorf("%w: %d is outside 100-699", ErrBadCodes, c)
	}
	return c, nil
}

// String gives the canonical form: ascending, runs of two or more codes
// written as "lo-hi", items joined by commas without blanks. It is what the
// running-config prints, so ParseCodes(s.String()) == s for every set.
func (s CodeSet) String() string {
	var b strings.Builder
	for c := minCode; c <= maxCode; c++ {
		if !s.Has(c) {
			continue
		}
		end := c
		for end+1 <= maxCode && s.Has(end+1) {
			end++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(c))
		if end > c {
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(end))
		}
		c = end
	}
	return b.String()
}
