package config

import "net/netip"

// validateInline checks the ports in inline mode (docs/inline.md): not
// also dsr, IPv4, and each real port bound to at most one inline port,
// since datagrams from it must leave with one VIP:port as their source.
func (c *Config) validateInline() []Problem {
	var ps []Problem
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
