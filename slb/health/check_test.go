package health

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	target := netip.MustParseAddrPort("127.77.0.1:5060")
	base := defaultCheck(target)
	tests := []struct {
		name   string
		modify func(*Check)
		want   string // substring of the error; "" means valid
	}{
		{"defaults", func(*Check) {}, ""},
		{"zero fields take defaults", func(c *Check) { *c = Check{Target: target} }, ""},
		{"timeout equals interval", func(c *Check) { c.Timeout = c.Interval }, "shorter than interval"},
		{"timeout above interval", func(c *Check) { c.Interval, c.Timeout = time.Second, 2*time.Second }, "shorter than interval"},
		{"zero interval takes default 5s, timeout 6s too long", func(c *Check) { c.Interval, c.Timeout = 0, 6*time.Second }, "shorter than interval"},
		{"negative timeout", func(c *Check) { c.Timeout = -time.Second }, "must be positive"},
		{"interval too short", func(c *Check) { c.Interval, c.Timeout = time.Millisecond, time.Microsecond }, "interval"},
		{"fall negative", func(c *Check) { c.Fall = -1 }, "fall"},
		{"rise too big", func(c *Check) { c.Rise = 1000 }, "rise"},
		{"no target", func(c *Check) { c.Target = netip.AddrPort{} }, "target"},
		{"port zero", func(c *Check) { c.Target = netip.MustParseAddrPort("127.77.0.1:0") }, "target"},
		{"unspecified target", func(c *Check) { c.Target = netip.MustParseAddrPort("0.0.0.0:5060") }, "target"},
		{"bad method", func(c *Check) { c.Method = 9 }, "method"},
		{"aor not sip", func(c *Check) { c.AoR = "mailto:x@y" }, "aor"},
		{"aor with crlf", func(c *Check) { c.AoR = "sip:a@b\r\nX: y" }, "aor"},
		{"aor with bracket", func(c *Check) { c.AoR = "sip:a@b>" }, "aor"},
		{"sips aor", func(c *Check) { c.AoR = "sips:probe@example.com" }, ""},
		{"local family mismatch", func(c *Check) { c.LocalAddr = netip.MustParseAddr("::1") }, "family"},
		{"ipv6", func(c *Check) {
			c.Target = netip.MustParseAddrPort("[::1]:5060")
			c.LocalAddr = netip.MustParseAddr("::1")
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base
			tt.modify(&c)
			err := c.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Validate: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Validate = %v, want an error about %q", err, tt.want)
			}
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	c := Check{Fall: -1, Rise: -1, Interval: time.Second, Timeout: time.Second}
	err := c.Validate()
	if err == nil {
		t.Fatal("Validate accepted a check with four problems")
	}
	for _, want := range []string{"target", "fall", "rise", "timeout"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}

func TestDefaultCheck(t *testing.T) {
	c := defaultCheck(netip.MustParseAddrPort("127.77.0.1:5060"))
	if c.Interval != 5*time.Second || c.Timeout != 2*time.Second || c.Fall != 3 || c.Rise != 2 ||
		c.Method != MethodOptions || c.Accept.String() != "200" || !c.ChallengeHealthy {
		t.Fatalf("DefaultCheck = %+v", c)
	}
	if got := (Check{Target: c.Target, ChallengeHealthy: true}).WithDefaults(); got != c {
		t.Fatalf("WithDefaults of a zero check = %+v, want %+v", got, c)
	}
}

func TestKeyCompare(t *testing.T) {
	tests := []struct {
		a, b Key
		want int
	}{
		{Key{"a", 5060}, Key{"b", 1}, -1},
		{Key{"a", 5061}, Key{"a", 5060}, 1},
		{Key{"a", 5060}, Key{"a", 5060}, 0},
	}
	for _, tt := range tests {
		if got := tt.a.Compare(tt.b); got != tt.want {
			t.Errorf("%v.Compare(%v) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

// defaultCheck is the check of target with every default: OPTIONS, 200
// accepted, a challenge to REGISTER healthy.
func defaultCheck(target netip.AddrPort) Check {
	return Check{Target: target, Method: MethodOptions, Accept: Codes(200), ChallengeHealthy: true}.WithDefaults()
}
