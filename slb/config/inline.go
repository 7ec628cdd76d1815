package config

import "net/netip"

// validateInline checks the inside leg's settings and the ports in inline
// mode (docs/inline.md): not also dsr, IPv4, and each real port bound to
// at most one inline port, since datagrams from it must leave with one
// VIP:port as their source.
func (c *Config) validateInline() []Problem {
	var ps []Problem
	in := c.InsideIf
	if in.Name != "" && !ValidIfName(in.Name) {
		ps = append(ps, Problem{"ip inside-interface", "invalid interface name " + in.Name})
	}
	if in.Addr.IsValid() {
		a := in.Addr.Addr()
		switch {
		case !a.Is4():
			ps = append(ps, Problem{"ip inside-address", "the inside address must be IPv4"})
		case in.Addr.Bits() < 1 || in.Addr.Bits() > 32 || a.IsUnspecified() || a.IsMulticast() || a.IsLoopback():
			ps = append(ps, Problem{"ip inside-address", in.Addr.String() + " cannot be the appliance's address"})
		case c.DataIf.Addr.IsValid() && c.DataIf.Addr.Addr() == a:
			ps = append(ps, Problem{"ip inside-address", "the inside address is the data interface's address"})
		}
	}
	type realPort struct {
		real string
		port uint16
	}
	owner := map[realPort]string{} // real port -> "VIP:port" it is bound to
	for _, v := range c.Virtuals {
		for _, p := range v.Ports {
			if !p.Inline {
				continue
			}
			path := "server virtual " + v.Name + " port " + PortName(p.Port) + " inline"
			if p.DSR {
				ps = append(ps, Problem{path, "a port is either dsr or inline"})
			}
			if !v.Addr.Unmap().Is4() {
				ps = append(ps, Problem{path, "IPv4 only"})
			}
			here := netip.AddrPortFrom(v.Addr.Unmap(), p.Port).String()
			for _, b := range p.Binds {
				k := realPort{b.Real, b.Port}
				if o, ok := owner[k]; ok && o != here {
					ps = append(ps, Problem{path, "real server " + b.Real + " port " + PortName(b.Port) + " is already bound to the inline port " + o + ": its datagrams can leave with one VIP:port only"})
					continue
				}
				owner[k] = here
			}
		}
	}
	return ps
}
