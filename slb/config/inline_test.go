package config

import (
	"net/netip"
	"strings"
	"testing"
)

func TestValidateInline(t *testing.T) {
	base := func() *Config {
		c := New()
		c.Reals = []*RealServer{{Name: "rs1", Addr: netip.MustParseAddr("10.0.0.11"), Weight: 1, Ports: []*RealPort{{Port: 5060, Role: RoleBoth}}}}
		c.Virtuals = []*VirtualServer{
			{Name: "a", Addr: netip.MustParseAddr("192.0.2.100"), Ports: []*VirtualPort{{Port: 5060, Inline: true, Binds: []Bind{{"rs1", 5060}}}}},
		}
		return c
	}
	tests := []struct {
		name string
		mod  func(c *Config)
		want string // "" = valid
	}{
		{name: "inline", mod: func(*Config) {}},
		{name: "dsr and inline", mod: func(c *Config) { c.Virtuals[0].Ports[0].DSR = true }, want: "either dsr or inline"},
		{name: "ipv6 vip", mod: func(c *Config) { c.Virtuals[0].Addr = netip.MustParseAddr("2001:db8::1") }, want: "IPv4 only"},
		{name: "real bound to two inline ports", mod: func(c *Config) {
			c.Virtuals = append(c.Virtuals, &VirtualServer{Name: "b", Addr: netip.MustParseAddr("192.0.2.101"),
				Ports: []*VirtualPort{{Port: 5060, Inline: true, Binds: []Bind{{"rs1", 5060}}}}})
		}, want: "already bound to the inline port 192.0.2.100:5060"},
		{name: "real bound to an inline and a proxy port", mod: func(c *Config) {
			c.Virtuals = append(c.Virtuals, &VirtualServer{Name: "b", Addr: netip.MustParseAddr("192.0.2.101"),
				Ports: []*VirtualPort{{Port: 5060, Binds: []Bind{{"rs1", 5060}}}}})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base()
			tt.mod(c)
			var msgs []string
			for _, p := range c.Validate() {
				msgs = append(msgs, p.Error())
			}
			got := strings.Join(msgs, "\n")
			if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
				t.Fatalf("problems %q, want one containing %q", got, tt.want)
			}
		})
	}
}
