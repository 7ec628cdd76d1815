package config

import (
	"net/netip"
	"strings"
	"testing"
)

// TestValidateRefusesAmbiguousServers: counters, health and SNMP know a
// real port by its address and port, so two real servers on one address
// and port (also spelled ::ffff:a.b.c.d), a real server on a VIP's address,
// a non-unicast address and a VIP bound to servers of the other address
// family are refused, each with its CLI path and a message that says why.
func TestValidateRefusesAmbiguousServers(t *testing.T) {
	addReal := func(c *Config, name, addr string) *RealServer {
		r := &RealServer{Name: name, Addr: netip.MustParseAddr(addr), Weight: 1, Ports: []*RealPort{{Port: 5060, Role: RoleBoth}}}
		c.Reals = append(c.Reals, r)
		return r
	}
	tests := []struct {
		name   string
		break_ func(c *Config)
		path   string
		msg    string
	}{
		{"same address and port", func(c *Config) { addReal(c, "rs9", "10.0.0.1") },
			"server real rs9 / port sip", "already server real rs1"},
		{"same address, v4-mapped spelling", func(c *Config) { addReal(c, "rs9", "::ffff:10.0.0.1") },
			"server real rs9 / port sip", "already server real rs1"},
		{"real on a VIP", func(c *Config) { addReal(c, "rs9", "10.0.0.100") },
			"server real rs9", "is the VIP of server virtual v"},
		{"real on a mapped VIP", func(c *Config) { addReal(c, "rs9", "::ffff:10.0.0.100") },
			"server real rs9", "is the VIP of server virtual v"},
		{"real on a loopback VIP's port", func(c *Config) {
			c.Virtuals[0].Addr = netip.MustParseAddr("::1")
			c.Reals[0].Addr = netip.MustParseAddr("::1")
		}, "server real rs1 / port sip", "requests would loop"},
		{"broadcast real", func(c *Config) { c.Reals[0].Addr = netip.MustParseAddr("255.255.255.255") },
			"server real rs1", "broadcast"},
		{"reserved real", func(c *Config) { c.Reals[0].Addr = netip.MustParseAddr("240.0.0.1") },
			"server real rs1", "reserved"},
		{"this-network real", func(c *Config) { c.Reals[0].Addr = netip.MustParseAddr("0.1.2.3") },
			"server real rs1", "this-network"},
		{"multicast real", func(c *Config) { c.Reals[0].Addr = netip.MustParseAddr("ff02::1") },
			"server real rs1", "multicast"},
		{"broadcast VIP", func(c *Config) { c.Virtuals[0].Addr = netip.MustParseAddr("255.255.255.255") },
			"server virtual v", "broadcast"},
		{"IPv6 VIP, IPv4 server", func(c *Config) { c.Virtuals[0].Addr = netip.MustParseAddr("2001:db8::100") },
			"server virtual v / bind sip rs1 sip", "different address families"},
		{"location with a newline", func(c *Config) { c.SNMP.Location = "x\nhostname INJECTED" },
			"snmp-server location", "control character"},
		{"contact with ESC", func(c *Config) { c.SNMP.Contact = "\x1b[2J" }, "snmp-server contact", "control character"},
		{"AoR not UTF-8", func(c *Config) { c.Health.AoR = "sip:\xff@x" }, "server sip-keepalive register-aor", "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validBase()
			tt.break_(c)
			for _, p := range c.Validate() {
				if p.Path == tt.path && strings.Contains(p.Msg, tt.msg) {
					return
				}
			}
			t.Fatalf("no problem %q at %q; got %v", tt.msg, tt.path, c.Validate())
		})
	}
	// One server with two ports, and two servers on one address with
	// different ports, are fine.
	c := validBase()
	c.Reals[0].Ports = append(c.Reals[0].Ports, &RealPort{Port: 5070, Role: RoleBoth})
	r := addReal(c, "rs9", "10.0.0.1")
	r.Ports[0].Port = 5080
	if ps := c.Validate(); len(ps) != 0 {
		t.Fatalf("distinct address:port pairs refused: %v", ps)
	}
	// On loopback a real server may share the VIP's address on another
	// port (one host runs everything; ::1 is the only IPv6 loopback).
	c = validBase()
	c.Virtuals[0].Addr, c.Reals[0].Addr = netip.MustParseAddr("::1"), netip.MustParseAddr("::1")
	c.Reals[0].Ports[0].Port = 5070
	c.Virtuals[0].Ports[0].Binds = []Bind{{"rs1", 5070}}
	if ps := c.Validate(); len(ps) != 0 {
		t.Fatalf("loopback real beside its VIP refused: %v", ps)
	}
}
