package config

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// HealthMethod is the SIP request a health check sends.
type HealthMethod uint8

const (
	MethodOptions HealthMethod = iota
	MethodRegister
)

func (m HealthMethod) String() string {
	if m == MethodRegister {
		return "register"
	}
	return "options"
}

// HealthParams is one complete set of health-check settings.
type HealthParams struct {
	Method           HealthMethod
	Interval         time.Duration
	Timeout          time.Duration
	Retries          int // consecutive failures before down (fall)
	Rise             int // consecutive successes before up
	Codes            Codes
	AoR              string // REGISTER probes: the address-of-record
	ChallengeHealthy bool   // REGISTER probes: 401/407 count as alive
}

// DefaultHealth is the factory setting; docs/health.md explains the choice.
func DefaultHealth() HealthParams {
	return HealthParams{
		Method:           MethodOptions,
		Interval:         5 * time.Second,
		Timeout:          2 * time.Second,
		Retries:          3,
		Rise:             2,
		Codes:            Codes{{200, 200}},
		AoR:              "sip:keepalive@sipslb.invalid",
		ChallengeHealthy: true,
	}
}

func (h HealthParams) clone() HealthParams {
	h.Codes = slices.Clone(h.Codes)
	return h
}

// HealthOverride holds the per-port settings that differ from the globals;
// nil means "inherit", so running-config shows only what was set.
type HealthOverride struct {
	Method           *HealthMethod
	Interval         *time.Duration
	Timeout          *time.Duration
	Retries          *int
	Rise             *int
	Codes            Codes // nil = inherit
	AoR              *string
	ChallengeHealthy *bool
}

// IsZero reports whether the port overrides nothing.
func (o HealthOverride) IsZero() bool {
	return o.Method == nil && o.Interval == nil && o.Timeout == nil && o.Retries == nil && o.Rise == nil &&
		o.Codes == nil && o.AoR == nil && o.ChallengeHealthy == nil
}

func (o HealthOverride) clone() HealthOverride {
	n := HealthOverride{Codes: slices.Clone(o.Codes)}
	n.Method = clonePtr(o.Method)
	n.Interval = clonePtr(o.Interval)
	n.Timeout = clonePtr(o.Timeout)
	n.Retries = clonePtr(o.Retries)
	n.Rise = clonePtr(o.Rise)
	n.AoR = clonePtr(o.AoR)
	n.ChallengeHealthy = clonePtr(o.ChallengeHealthy)
	return n
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// Apply returns base with the overrides laid over it.
func (o HealthOverride) Apply(base HealthParams) HealthParams {
	h := base.clone()
	if o.Method != nil {
		h.Method = *o.Method
	}
	if o.Interval != nil {
		h.Interval = *o.Interval
	}
	if o.Timeout != nil {
		h.Timeout = *o.Timeout
	}
	if o.Retries != nil {
		h.Retries = *o.Retries
	}
	if o.Rise != nil {
		h.Rise = *o.Rise
	}
	if o.Codes != nil {
		h.Codes = slices.Clone(o.Codes)
	}
	if o.AoR != nil {
		h.AoR = *o.AoR
	}
	if o.ChallengeHealthy != nil {
		h.ChallengeHealthy = *o.ChallengeHealthy
	}
	return h
}

// Codes is a sorted list of inclusive status-code ranges.
type Codes [][2]int

// ParseCodes reads "200", "200-299,401" and similar.
func ParseCodes(s string) (Codes, error) {
	if s == "" {
		return nil, fmt.Errorf("empty status-code list")
	}
	var out Codes
	for part := range strings.SplitSeq(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := parseCode(lo)
		if err != nil {
			return nil, err
		}
		b := a
		if isRange {
			if b, err = parseCode(hi); err != nil {
				return nil, err
			}
			if b < a {
				return nil, fmt.Errorf("range %s is backwards", part)
			}
		}
		out = append(out, [2]int{a, b})
	}
	return out.normalize(), nil
}

func parseCode(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 100 || n > 699 {
		return 0, fmt.Errorf("%q is not a SIP status code (100-699)", s)
	}
	return n, nil
}

// normalize sorts and merges overlapping or adjacent ranges so that equal
// sets always render the same way.
func (c Codes) normalize() Codes {
	slices.SortFunc(c, func(a, b [2]int) int { return a[0] - b[0] })
	var out Codes
	for _, r := range c {
		if n := len(out); n > 0 && r[0] <= out[n-1][1]+1 {
			out[n-1][1] = max(out[n-1][1], r[1])
			continue
		}
		out = append(out, r)
	}
	return out
}

// Contains reports whether code is in the set.
func (c Codes) Contains(code int) bool {
	for _, r := range c {
		if code >= r[0] && code <= r[1] {
			return true
		}
	}
	return false
}

func (c Codes) String() string {
	var b strings.Builder
	for i, r := range c {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(r[0]))
		if r[1] != r[0] {
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(r[1]))
		}
	}
	return b.String()
}

// FormatDuration prints a duration the way the CLI reads it back: whole
// seconds as a bare number, anything finer in milliseconds.
func FormatDuration(d time.Duration) string {
	if d%time.Second == 0 {
		return strconv.FormatInt(int64(d/time.Second), 10)
	}
	return strconv.FormatInt(int64(d/time.Millisecond), 10) + "ms"
}

// ParseDuration reads "5" (seconds) or "500ms".
func ParseDuration(s string) (time.Duration, error) {
	if ms, ok := strings.CutSuffix(s, "ms"); ok {
		n, err := strconv.Atoi(ms)
		if err != nil || n < 1 || n > 86400000 {
			return 0, fmt.Errorf("%q is not a duration (1ms-86400000ms)", s)
		}
		return time.Duration(n) * time.Millisecond, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 86400 {
		return 0, fmt.Errorf("%q is not a duration (1-86400 seconds or Nms)", s)
	}
	return time.Duration(n) * time.Second, nil
}

// Duration is a time.Duration; the alias keeps CLI code short.
type Duration = time.Duration
