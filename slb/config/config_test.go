package config

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestParseCodes(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{in: "200", want: "200"},
		{in: "200-299,401", want: "200-299,401"},
		{in: "401,200-299", want: "200-299,401"},
		{in: "200,201,202", want: "200-202"},
		{in: "200-250,240-299", want: "200-299"},
		{in: "", err: "empty"},
		{in: "99", err: "not a SIP status code"},
		{in: "300-200", err: "backwards"},
		{in: "200,,", err: "not a SIP status code"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			c, err := ParseCodes(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || c.String() != tt.want {
				t.Fatalf("got %q %v, want %q", c, err, tt.want)
			}
		})
	}
	c, _ := ParseCodes("200-299,401")
	for code, want := range map[int]bool{200: true, 250: true, 299: true, 300: false, 401: true, 407: false} {
		if c.Contains(code) != want {
			t.Errorf("Contains(%d) = %v", code, !want)
		}
	}
}

func TestDurations(t *testing.T) {
	for in, want := range map[string]time.Duration{"5": 5 * time.Second, "500ms": 500 * time.Millisecond, "1500ms": 1500 * time.Millisecond} {
		d, err := ParseDuration(in)
		if err != nil || d != want {
			t.Errorf("%s: %v %v", in, d, err)
		}
		if back := FormatDuration(d); back != in && !(in == "1500ms" && back == "1500ms") {
			t.Errorf("format %v = %s", d, back)
		}
	}
	for _, bad := range []string{"0", "-1", "5s", "x", "0ms"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func validBase() *Config {
	c := New()
	c.Reals = []*RealServer{
		{Name: "rs1", Addr: netip.MustParseAddr("10.0.0.1"), Weight: 1, Ports: []*RealPort{{Port: 5060, Role: RoleBoth}}},
		{Name: "reg", Addr: netip.MustParseAddr("10.0.0.2"), Weight: 1, Ports: []*RealPort{{Port: 5060, Role: RoleRegistrar}}},
	}
	c.Virtuals = []*VirtualServer{{Name: "v", Addr: netip.MustParseAddr("10.0.0.100"),
		Ports: []*VirtualPort{{Port: 5060, Binds: []Bind{{"rs1", 5060}}}}}}
	return c
}

// TestValidate: each broken config yields its problem with the CLI path,
// and every problem is reported, not just the first.
func TestValidate(t *testing.T) {
	if ps := validBase().Validate(); len(ps) != 0 {
		t.Fatalf("base config: %v", ps)
	}
	tests := []struct {
		name   string
		break_ func(c *Config)
		path   string
	}{
		{"bind to undefined real", func(c *Config) {
			c.Virtuals[0].Ports[0].Binds = append(c.Virtuals[0].Ports[0].Binds, Bind{"nope", 5060})
		}, "server virtual v / bind sip nope sip"},
		{"bind to missing port", func(c *Config) {
			c.Virtuals[0].Ports[0].Binds = append(c.Virtuals[0].Ports[0].Binds, Bind{"rs1", 5070})
		}, "server virtual v / bind sip rs1 5070"},
		{"duplicate VIP:port", func(c *Config) {
			c.Virtuals = append(c.Virtuals, &VirtualServer{Name: "w", Addr: c.Virtuals[0].Addr, Ports: []*VirtualPort{{Port: 5060}}})
		}, "server virtual w / port sip"},
		{"weight out of range", func(c *Config) { c.Reals[0].Weight = 70000 }, "server real rs1 / weight"},
		{"timeout not below interval", func(c *Config) { c.Health.Timeout = c.Health.Interval }, "server sip-keepalive timeout"},
		{"port override timeout", func(c *Config) { d := 9 * time.Second; c.Reals[0].Ports[0].Health.Timeout = &d }, "server real rs1 / port sip keepalive timeout"},
		{"duplicate real", func(c *Config) { c.Reals = append(c.Reals, c.Reals[0]) }, "server real rs1"},
		{"bad name", func(c *Config) { c.Reals[0].Name = "has space" }, "server real has space"},
		{"DSR mixed family", func(c *Config) {
			c.Reals[0].Addr = netip.MustParseAddr("2001:db8::1")
			c.Virtuals[0].Ports[0].DSR = true
		}, "server virtual v / bind sip rs1 sip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validBase()
			tt.break_(c)
			ps := c.Validate()
			found := false
			for _, p := range ps {
				if p.Path == tt.path {
					found = true
				}
			}
			if !found {
				t.Fatalf("no problem at %q; got %v", tt.path, ps)
			}
		})
	}
	// all problems at once
	c := validBase()
	c.Reals[0].Weight = -1
	c.Health.Retries = 0
	c.Virtuals[0].Ports[0].Binds = append(c.Virtuals[0].Ports[0].Binds, Bind{"ghost", 5060})
	if ps := c.Validate(); len(ps) != 3 {
		t.Errorf("want 3 problems, got %v", ps)
	}
	// a registrar-only VIP is valid
	c = validBase()
	c.Virtuals[0].Ports[0].Binds = []Bind{{"reg", 5060}}
	if ps := c.Validate(); len(ps) != 0 {
		t.Errorf("registration-only VIP rejected: %v", ps)
	}
}

// TestCloneIsDeep: editing a clone never shows through the original, the
// property every CLI command relies on to refuse a change cleanly.
func TestCloneIsDeep(t *testing.T) {
	c := validBase()
	d := 3 * time.Second
	c.Reals[0].Ports[0].Health.Interval = &d
	n := c.Clone()
	n.Reals[0].Weight = 9
	n.Reals[0].Ports[0].Role = RoleProxy
	*n.Reals[0].Ports[0].Health.Interval = time.Second
	n.Virtuals[0].Ports[0].Binds[0].Real = "x"
	n.Health.Codes[0][0] = 100
	if c.Reals[0].Weight != 1 || c.Reals[0].Ports[0].Role != RoleBoth || *c.Reals[0].Ports[0].Health.Interval != d ||
		c.Virtuals[0].Ports[0].Binds[0].Real != "rs1" || c.Health.Codes[0][0] != 200 {
		t.Fatal("clone shares memory with the original")
	}
}
