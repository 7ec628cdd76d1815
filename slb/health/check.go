package health

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Key names a probed target. The engine uses the real server's name and the
// port being checked; the prober only needs it to be comparable and ordered.
type Key struct {
	Real string
	Port uint16
}

func (k Key) String() string { return fmt.Sprintf("%s:%d", k.Real, k.Port) }

// Compare orders keys by Real, then Port, for slices.SortFunc; the prober
// uses the same order to space probes.
func (k Key) Compare(o Key) int {
	if c := strings.Compare(k.Real, o.Real); c != 0 {
		return c
	}
	return cmp.Compare(k.Port, o.Port)
}

// Method is the SIP request a probe sends.
type Method uint8

const (
	// MethodOptions is the default: every SIP element must answer OPTIONS.
	MethodOptions Method = iota
	// MethodRegister probes a registrar with a binding query (no Contact),
	// which changes no registration state.
	MethodRegister
)

func (m Method) String() string {
	switch m {
	case MethodOptions:
		return "OPTIONS"
	case MethodRegister:
		return "REGISTER"
	}
	return fmt.Sprintf("Method(%d)", m)
}

// Defaults proposed in docs/health.md. A zero field of a Check takes these.
const (
	DefaultInterval = 5 * time.Second
	DefaultTimeout  = 2 * time.Second
	DefaultFall     = 3
	DefaultRise     = 2
	DefaultAoR      = "sip:probe@sipslb.invalid"
)

// Bounds enforced by Validate.
const (
	MinInterval = 10 * time.Millisecond
	MaxInterval = time.Hour
	MaxFallRise = 100
)

// Check describes how one target is probed. Zero numeric fields, an empty
// Accept set and an empty AoR take the defaults above; ChallengeHealthy cannot
// default itself (false is a meaningful value): the engine copies it from the
// config model (server sip-keepalive challenge-healthy, on by default).
type Check struct {
	Target   netip.AddrPort
	Method   Method
	Interval time.Duration
	Timeout  time.Duration
	// Fall is the number of consecutive failed probes that take an Up target
	// down (ServerIron "retries").
	Fall int
	// Rise is the number of consecutive good probes that bring a Down or
	// Failing target back up.
	Rise   int
	Accept CodeSet
	// AoR is the To and From URI of REGISTER probes.
	AoR string
	// ChallengeHealthy makes 401 and 407 answers to REGISTER count as
	// healthy: a registrar that challenges is alive and doing its job.
	ChallengeHealthy bool
	// LocalAddr, if valid, is the source address of the probes.
	LocalAddr netip.Addr
	// Disabled puts the target in AdminDisabled: no probes, not eligible.
	Disabled bool
}

// WithDefaults returns c with every zero field replaced by its default,
// except ChallengeHealthy (see Check).
func (c Check) WithDefaults() Check {
	if c.Interval == 0 {
		c.Interval = DefaultInterval
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Fall == 0 {
		c.Fall = DefaultFall
	}
	if c.Rise == 0 {
		c.Rise = DefaultRise
	}
	if c.Accept.Empty() {
		c.Accept = Codes(200)
	}
	if c.AoR == "" {
		c.AoR = DefaultAoR
	}
	return c
}

// Validate reports every problem of the check after defaults are applied,
// joined, each naming its field.
func (c Check) Validate() error {
	c = c.WithDefaults()
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf(format, args...))
	}
	if !c.Target.IsValid() || c.Target.Port() == 0 || c.Target.Addr().IsUnspecified() {
		bad("target %v: need an address and a non-zero port", c.Target)
	}
	if c.Method != MethodOptions && c.Method != MethodRegister {
		bad("method %v: must be OPTIONS or REGISTER", c.Method)
	}
	if c.Interval < MinInterval || c.Interval > MaxInterval {
		bad("interval %v: must be within %v-%v", c.Interval, MinInterval, MaxInterval)
	}
	if c.Timeout <= 0 {
		bad("timeout %v: must be positive", c.Timeout)
	}
	if c.Timeout >= c.Interval {
		// One probe in flight per target relies on it.
		bad("timeout %v: must be shorter than interval %v", c.Timeout, c.Interval)
	}
	if c.Fall < 1 || c.Fall > MaxFallRise {
		bad("fall %d: must be within 1-%d", c.Fall, MaxFallRise)
	}
	if c.Rise < 1 || c.Rise > MaxFallRise {
		bad("rise %d: must be within 1-%d", c.Rise, MaxFallRise)
	}
	if !validAoR(c.AoR) {
		bad("aor %q: must be a sip: or sips: URI without blanks or angle brackets", c.AoR)
	}
	if c.LocalAddr.IsValid() && c.Target.IsValid() && c.LocalAddr.Unmap().Is4() != c.Target.Addr().Unmap().Is4() {
		bad("local address %v: not the family of target %v", c.LocalAddr, c.Target)
	}
	return errors.Join(errs...)
}

// validAoR keeps the AoR safe to paste into a header: it goes between angle
// brackets, so it must not contain any, nor blanks or line breaks.
func validAoR(s string) bool {
	if !strings.HasPrefix(s, "sip:") && !strings.HasPrefix(s, "sips:") {
		return false
	}
	if strings.HasSuffix(s, ":") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f || s[i] == '<' || s[i] == '>' || s[i] == '"' {
			return false
		}
	}
	return true
}
