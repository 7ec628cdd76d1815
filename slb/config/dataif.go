package config

import (
	"net/netip"
	"strings"
)

// DataInterface is the appliance's own addressing where the dsr data path
// needs it (ip data-interface NAME, ip address A.B.C.D M.M.M.M): the Linux
// interface that carries the VIPs' traffic, and the appliance's own IPv4
// address on it, which ARP requests for real servers and DSR health
// probes come from. The VIPs themselves are never put on an interface.
type DataInterface struct {
	Name string       // "" = none configured
	Addr netip.Prefix // invalid = none configured
}

// Configured reports whether an interface is named.
func (d DataInterface) Configured() bool { return d.Name != "" }

// ValidIfName reports whether s can name a Linux network interface
// (IFNAMSIZ-1 bytes, no '/', ':' or white space).
func ValidIfName(s string) bool {
	return s != "" && len(s) <= 15 && s != "." && s != ".." && !strings.ContainsAny(s, "/: \t\n")
}

func (c *Config) validateDataInterface() []Problem {
	var ps []Problem
	d := c.DataIf
	if d.Name != "" && !ValidIfName(d.Name) {
		ps = append(ps, Problem{"ip data-interface", "invalid interface name " + d.Name})
	}
	if d.Addr.IsValid() {
		a := d.Addr.Addr()
		switch {
		case !a.Is4():
			ps = append(ps, Problem{"ip address", "the data interface address must be IPv4"})
		case d.Addr.Bits() < 1 || d.Addr.Bits() > 32 || a.IsUnspecified() || a.IsMulticast() || a.IsLoopback():
			ps = append(ps, Problem{"ip address", d.Addr.String() + " cannot be the appliance's address"})
		}
		for _, v := range c.Virtuals {
			if v.Addr.Unmap() == a {
				ps = append(ps, Problem{"server virtual " + v.Name, "the VIP is the appliance's own address (ip address)"})
			}
		}
	}
	return ps
}
