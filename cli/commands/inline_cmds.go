package commands

import (
	"sipslb/cli/parse"
	"sipslb/slb/config"
)

// Inline mode's inside leg (docs/inline.md), beside the data interface
// that is its outside leg:
//
//	ip inside-interface eth2
//	ip inside-address 10.0.0.1 255.255.255.0   (or 10.0.0.1/24)

func insideIPNodes() []*parse.Node {
	return []*parse.Node{
		K("inside-interface", "The interface towards the real servers in inline mode",
			A(ifNameArg, "Linux interface name").Do(cmdInsideIf)).Undo(cmdInsideIf),
		K("inside-address", "The appliance's inside IPv4 address: the real servers' default gateway in inline mode",
			A(addrArg, "address, or address/prefix-length",
				A(maskArg, "netmask").Do(cmdInsideAddr)).Do(cmdInsideAddr)).Undo(cmdInsideAddr),
	}
}

func cmdInsideIf(m *parse.Match) error {
	return env(m).edit(func(cfg *config.Config) error {
		cfg.InsideIf.Name = ""
		if !m.Negated {
			cfg.InsideIf.Name = m.Arg("IFNAME")
		}
		return nil
	})
}

func cmdInsideAddr(m *parse.Match) error {
	return env(m).edit(func(cfg *config.Config) error { return setPrefix(m, &cfg.InsideIf.Addr) })
}

// renderInsideIf prints the inside leg's settings (none by default).
func renderInsideIf(p func(string, ...any), c *config.Config) {
	if c.InsideIf.Name != "" {
		p("ip inside-interface %s", c.InsideIf.Name)
	}
	if a := c.InsideIf.Addr; a.IsValid() {
		p("ip inside-address %s %s", a.Addr(), maskOf(a.Bits()))
	}
}
