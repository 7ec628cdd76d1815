package commands

import (
	"fmt"
	"net/netip"
	"strings"

	"sipslb/cli/parse"
	"sipslb/slb/config"
)

// The appliance's own addressing for the dsr data path, at the global
// level as on a ServerIron running switch code ("ip address A.B.C.D
// M.M.M.M"), plus the Linux interface that carries the VIPs' traffic:
//
//	ip data-interface eth1
//	ip address 198.51.100.2 255.255.255.0   (or 198.51.100.2/24)

var ifNameArg = &parse.Arg{Name: "IFNAME", Check: func(s string) error {
	if !config.ValidIfName(s) {
		return fmt.Errorf("a Linux interface name (at most 15 characters, no / or :)")
	}
	return nil
}}

var addrArg = &parse.Arg{Name: "A.B.C.D[/NN]", Check: func(s string) error {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil || !p.Addr().Is4() {
			return fmt.Errorf("%q is not an IPv4 address with a prefix length", s)
		}
		return nil
	}
	if a, err := netip.ParseAddr(s); err != nil || !a.Is4() {
		return fmt.Errorf("%q is not an IPv4 address", s)
	}
	return nil
}}

var maskArg = &parse.Arg{Name: "M.M.M.M", Check: func(s string) error {
	if _, ok := maskBits(s); !ok {
		return fmt.Errorf("%q is not a contiguous IPv4 netmask", s)
	}
	return nil
}}

// maskBits turns a dotted netmask into a prefix length.
func maskBits(s string) (int, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return 0, false
	}
	b := a.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	n := 0
	for v&0x80000000 != 0 {
		n++
		v <<= 1
	}
	return n, v == 0
}

func maskOf(bits int) string {
	v := ^uint32(0) << (32 - bits)
	if bits == 0 {
		v = 0
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}).String()
}

// dsrIPTree is the ip tree with the data interface commands added.
func dsrIPTree() *parse.Node {
	n := ipTree()
	n.Next = append(n.Next,
		K("data-interface", "The interface that carries DSR VIP traffic",
			A(ifNameArg, "Linux interface name").Do(cmdDataIf)).Undo(cmdDataIf),
		K("address", "The appliance's own IPv4 address on the data interface",
			A(addrArg, "address, or address/prefix-length",
				A(maskArg, "netmask").Do(cmdIPAddress)).Do(cmdIPAddress)).Undo(cmdIPAddress),
	)
	n.Next = append(n.Next, insideIPNodes()...)
	return n
}

func cmdDataIf(m *parse.Match) error {
	return env(m).edit(func(cfg *config.Config) error {
		cfg.DataIf.Name = ""
		if !m.Negated {
			cfg.DataIf.Name = m.Arg("IFNAME")
		}
		return nil
	})
}

func cmdIPAddress(m *parse.Match) error {
	return env(m).edit(func(cfg *config.Config) error { return setPrefix(m, &cfg.DataIf.Addr) })
}

// setPrefix sets *dst from the address and netmask (or prefix length)
// arguments, or clears it for the no form.
func setPrefix(m *parse.Match, dst *netip.Prefix) error {
	if m.Negated {
		*dst = netip.Prefix{}
		return nil
	}
	s := m.Arg("A.B.C.D[/NN]")
	var p netip.Prefix
	switch mask := m.Arg("M.M.M.M"); {
	case strings.Contains(s, "/"):
		if mask != "" {
			return m.ArgErr("M.M.M.M", "give a prefix length or a netmask, not both")
		}
		p = netip.MustParsePrefix(s)
	case mask != "":
		bits, _ := maskBits(mask)
		p = netip.PrefixFrom(netip.MustParseAddr(s), bits)
	default:
		return m.ArgErr("A.B.C.D[/NN]", "give a netmask or a /prefix-length")
	}
	*dst = p
	return nil
}

// renderDataIf prints the data interface settings (none by default).
func renderDataIf(p func(string, ...any), c *config.Config) {
	if c.DataIf.Name != "" {
		p("ip data-interface %s", c.DataIf.Name)
	}
	if a := c.DataIf.Addr; a.IsValid() {
		p("ip address %s %s", a.Addr(), maskOf(a.Bits()))
	}
}
