package config

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
)

// Problem is one validation failure, located by the CLI path that holds
// the offending setting ("server virtual v1 / bind sip rs9 sip").
type Problem struct {
	Path string
	Msg  string
}

func (p Problem) Error() string { return p.Path + ": " + p.Msg }

// nameRE is the ServerIron rule for object names (L4ServerName: 1-32
// octets), narrowed to characters that survive CLI tokenising unquoted.
var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:-]{0,31}$`)

// ValidName reports whether s may name a real or virtual server.
func ValidName(s string) bool { return nameRE.MatchString(s) }

// Validate returns every problem in c, not just the first, so an operator
// sees all of them at once. A nil result means c may be applied.
func (c *Config) Validate() []Problem {
	var ps []Problem
	add := func(path, format string, a ...any) {
		ps = append(ps, Problem{Path: path, Msg: fmt.Sprintf(format, a...)})
	}
	if !ValidHostname(c.Hostname) {
		add("hostname", "%q is not a valid hostname", c.Hostname)
	}
	ps = append(ps, validateUsers(c)...)
	ps = append(ps, validateHealth("server sip-keepalive", c.Health)...)
	if c.Dialog.MaxEntries < 1024 || c.Dialog.MaxEntries > 1<<24 {
		add("server sip-dialog max-entries", "%d is out of range (1024-16777216)", c.Dialog.MaxEntries)
	}
	ps = append(ps, c.SNMP.validate()...)
	ps = append(ps, c.HTTP.validate()...)
	ps = append(ps, c.validateDataInterface()...)
	ps = append(ps, c.validateInline()...)
	if c.Dialog.TTL < 1e9 {
		add("server sip-dialog ttl", "must be at least one second")
	}
	ps = append(ps, c.validateTexts()...)

	vipAddrs := map[netip.Addr]string{} // VIP address -> a virtual server with it
	for _, v := range c.Virtuals {
		vipAddrs[v.Addr.Unmap()] = v.Name
	}
	// realAt: "address port" of every real port -> the real server that has
	// it. Counters, health and SNMP know a real port by its address and
	// port, so two servers must not share one (::ffff:a.b.c.d is a.b.c.d).
	realAt := map[netip.AddrPort]string{}
	vipAt := map[netip.AddrPort]string{} // VIP address and port -> virtual server
	for _, v := range c.Virtuals {
		for _, vp := range v.Ports {
			vipAt[netip.AddrPortFrom(v.Addr.Unmap(), vp.Port)] = v.Name
		}
	}

	reals := map[string]*RealServer{}
	for _, r := range c.Reals {
		path := "server real " + r.Name
		if !ValidName(r.Name) {
			add(path, "invalid name %q (1-32 letters, digits, _ . : -)", r.Name)
		}
		if reals[r.Name] != nil {
			add(path, "defined twice")
		}
		reals[r.Name] = r
		if why := notUnicast(r.Addr); why != "" {
			add(path, "address %v cannot be a real server: %s", r.Addr, why)
		}
		// A real server on a VIP's address is the balancer itself: requests
		// would loop. On loopback (::1 is the only IPv6 one) a test or demo
		// runs everything on one host, so there only the VIP's own ports are
		// refused (below).
		if v, ok := vipAddrs[r.Addr.Unmap()]; ok && !r.Addr.IsLoopback() {
			add(path, "address %v is the VIP of server virtual %s; a real server must be another host", r.Addr, v)
		}
		if r.Weight < 0 || r.Weight > MaxWeight {
			add(path+" / weight", "%d is out of range (0-%d)", r.Weight, MaxWeight)
		}
		if r.MaxConn < 0 || r.MaxConn > MaxMaxConn {
			add(path+" / max-conn", "%d is out of range (0-%d)", r.MaxConn, MaxMaxConn)
		}
		seen := map[uint16]bool{}
		for _, p := range r.Ports {
			pp := path + " / port " + PortName(p.Port)
			if p.Port == 0 {
				add(pp, "port 0 is not usable")
			}
			if seen[p.Port] {
				add(pp, "defined twice")
			}
			seen[p.Port] = true
			at := netip.AddrPortFrom(r.Addr.Unmap(), p.Port)
			if other, dup := realAt[at]; dup && other != r.Name {
				add(pp, "%v port %s is already server real %s; two real servers cannot share an address and port", r.Addr.Unmap(), PortName(p.Port), other)
			} else {
				realAt[at] = r.Name
			}
			if v, ok := vipAt[at]; ok {
				add(pp, "%v port %s is a port of server virtual %s: requests would loop", r.Addr.Unmap(), PortName(p.Port), v)
			}
			if p.Role&RoleBoth == 0 {
				add(pp, "sip-server-type must be proxy, registrar or both")
			}
			if !p.Health.IsZero() { // else the global check already covers it
				ps = append(ps, validateHealth(pp+" keepalive", p.Health.Apply(c.Health))...)
			}
		}
	}

	vips := map[string]string{} // "addr port" -> virtual server name
	names := map[string]bool{}
	for _, v := range c.Virtuals {
		path := "server virtual " + v.Name
		if !ValidName(v.Name) {
			add(path, "invalid name %q (1-32 letters, digits, _ . : -)", v.Name)
		}
		if names[v.Name] {
			add(path, "defined twice")
		}
		names[v.Name] = true
		if why := notUnicast(v.Addr); why != "" {
			add(path, "address %v cannot be a VIP: %s", v.Addr, why)
		}
		seen := map[uint16]bool{}
		for _, vp := range v.Ports {
			pp := path + " / port " + PortName(vp.Port)
			if vp.Port == 0 {
				add(pp, "port 0 is not usable")
			}
			if seen[vp.Port] {
				add(pp, "defined twice")
			}
			seen[vp.Port] = true
			key := fmt.Sprintf("%v %d", v.Addr.Unmap(), vp.Port)
			if other, dup := vips[key]; dup {
				add(pp, "%v port %s is already used by server virtual %s", v.Addr, PortName(vp.Port), other)
			}
			vips[key] = v.Name
			bound := map[Bind]bool{}
			for _, b := range vp.Binds {
				bp := path + " / bind " + PortName(vp.Port) + " " + b.Real + " " + PortName(b.Port)
				if bound[b] {
					add(bp, "bound twice")
				}
				bound[b] = true
				r := reals[b.Real]
				switch {
				case r == nil:
					add(bp, "real server %s is not defined", b.Real)
				case r.Port(b.Port) == nil:
					add(bp, "real server %s has no port %s", b.Real, PortName(b.Port))
				case r.Addr.Unmap().Is4() != v.Addr.Unmap().Is4():
					// The balancer relays from the VIP's socket, in its family.
					add(bp, "the VIP %v and real server %s (%v) are in different address families; bind servers of the VIP's family", v.Addr, b.Real, r.Addr)
				}
			}
		}
	}
	return ps
}

// notUnicast says why a is not a unicast host address, or returns "".
func notUnicast(a netip.Addr) string {
	a = a.Unmap()
	switch {
	case !a.IsValid():
		return "no address"
	case a.IsUnspecified():
		return "unspecified"
	case a.IsMulticast():
		return "multicast"
	case a == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return "broadcast"
	case a.Is4() && a.As4()[0] == 0:
		return "0.0.0.0/8 is this-network, not a host"
	case a.Is4() && a.As4()[0] >= 240:
		return "240.0.0.0/4 is reserved"
	}
	return ""
}

func validateHealth(path string, h HealthParams) []Problem {
	var ps []Problem
	add := func(sub, format string, a ...any) {
		ps = append(ps, Problem{Path: path + " " + sub, Msg: fmt.Sprintf(format, a...)})
	}
	if h.Interval < MinInterval {
		add("interval", "must be at least %s", FormatDuration(MinInterval))
	}
	if h.Timeout >= h.Interval {
		add("timeout", "timeout %s must be shorter than the interval %s", FormatDuration(h.Timeout), FormatDuration(h.Interval))
	}
	if h.Retries < 1 || h.Retries > 10 {
		add("retries", "%d is out of range (1-10)", h.Retries)
	}
	if h.Rise < 1 || h.Rise > 10 {
		add("rise", "%d is out of range (1-10)", h.Rise)
	}
	if len(h.Codes) == 0 {
		add("status-codes", "no accepted status code")
	}
	return ps
}

// MinInterval keeps probes from flooding a server.
const MinInterval = 50e6 // 50ms

// Err joins problems into one error, or returns nil.
func Err(ps []Problem) error {
	errs := make([]error, len(ps))
	for i, p := range ps {
		errs[i] = p
	}
	return errors.Join(errs...)
}

var hostRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)

// ValidHostname reports whether s is a usable prompt name (one DNS label).
func ValidHostname(s string) bool { return hostRE.MatchString(s) }

// PortName prints a port the canonical way: 5060 is always "sip".
func PortName(p uint16) string {
	if p == SIPPort {
		return "sip"
	}
	return fmt.Sprint(p)
}
