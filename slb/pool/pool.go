package pool

import (
	"net/netip"
	"strconv"

	"sipslb/slb/config"
	"sipslb/slb/dialog"
	"sipslb/slb/hash"
	"sipslb/slb/stats"
)

// Server is one real server port as the data path sees it.
type Server struct {
	Real     string
	Port     uint16
	Addr     netip.AddrPort
	ID       uint32 // dialog-table server id
	Role     config.Role
	Weight   int
	MaxConn  int  // 0 = no limit
	Disabled bool // the real server is admin-disabled (draining)
	Healthy  bool // health state allows traffic
	Stats    *stats.Real
}

// Eligible reports whether the server may receive new Call-IDs (max-conn
// aside, which depends on the dialog table at the time of the pick).
func (s *Server) Eligible() bool { return !s.Disabled && s.Weight > 0 && s.Healthy }

// GroupKind names a method group.
type GroupKind uint8

const (
	GroupProxy     GroupKind = iota // every method but REGISTER
	GroupRegistrar                  // REGISTER
	GroupAny                        // sip-switch off: every bound port, roles ignored
)

func (g GroupKind) String() string {
	return [...]string{"proxy", "registrar", "any (sip-switch off)"}[g]
}

// Group is the eligible servers of one method group and their table.
type Group struct {
	Kind    GroupKind
	Servers []*Server // index = hash table backend index
	Table   *hash.Table
}

// VPort is one listening VIP port.
type VPort struct {
	Virtual     string
	Addr        netip.AddrPort
	NoSIPSwitch bool
	Stateless   bool
	RecordRoute bool
	// DSR: frames to this port come from the dsr data path (no socket);
	// only the proxy workers of non-DSR ports read the others.
	DSR bool
	// Inline: frames to this port come from the inline data path, which
	// translates VIP<->real addresses (no socket either).
	Inline bool
	// ViaHost is our sent-by host (IPv6 in brackets) and RR our
	// Record-Route value, prepared once so forwarding only copies them.
	ViaHost []byte
	RR      []byte
	bound   map[uint32]*Server
	Servers []*Server // every bound port, in bind order
	Groups  [3]Group  // by GroupKind
	Stats   *stats.Port
}

// Bound returns the bound server with dialog id id, or nil.
func (v *VPort) Bound(id uint32) *Server { return v.bound[id] }

// Real is one real server: its ports and the high-water mark of the
// dialogs they held together.
type Real struct {
	Name  string
	Ports []*Server
	Peak  *stats.Peak
}

// State is the whole routing state.
type State struct {
	VPorts map[netip.AddrPort]*VPort
	// Reals is every configured real server, in config order.
	Reals []*Real
	// RealIPs holds the address of every configured real server: a request
	// from one of them is routed by its Route or Request-URI, never hashed
	// back into the farm.
	RealIPs map[netip.Addr]struct{}
	// ByAddr finds a real port by its address, for response counters.
	ByAddr map[netip.AddrPort]*Server
	// VIPs holds the address of every configured virtual server, enabled
	// or not: never a destination (Destination).
	VIPs map[netip.Addr]struct{}
	// InlineOut maps a real port bound to an inline VIP port to that port:
	// datagrams from it leave with the VIP:port as their source. A real
	// port bound to several inline ports keeps the first (config.Validate
	// refuses that config).
	InlineOut map[netip.AddrPort]*VPort
	Dialogs   *dialog.Table
	TTL       int64 // dialog entry lifetime, ns
}

// HealthFunc reports whether a real port may carry traffic.
type HealthFunc func(real string, port uint16, rp *config.RealPort) bool

// Build makes the routing state of cfg: every port of the enabled virtual
// servers, proxy ports (with listeners) and DSR ports (VPort.DSR, served by
// the dsr data path from the same groups and dialog table).
func Build(cfg *config.Config, healthy HealthFunc, reg *Registry) *State {
	st := &State{
		VPorts:    map[netip.AddrPort]*VPort{},
		RealIPs:   map[netip.Addr]struct{}{},
		ByAddr:    map[netip.AddrPort]*Server{},
		VIPs:      map[netip.Addr]struct{}{},
		InlineOut: map[netip.AddrPort]*VPort{},
		Dialogs:   reg.dialogs,
		TTL:       int64(cfg.Dialog.TTL),
	}
	servers := map[RealKey]*Server{}
	for _, r := range cfg.Reals {
		st.RealIPs[r.Addr.Unmap()] = struct{}{}
		sr := &Real{Name: r.Name, Peak: reg.peak(r.Name)}
		st.Reals = append(st.Reals, sr)
		for _, rp := range r.Ports {
			k := RealKey{r.Name, rp.Port}
			id, rs := reg.real(k)
			s := &Server{
				Real: r.Name, Port: rp.Port, Addr: netip.AddrPortFrom(r.Addr.Unmap(), rp.Port),
				ID: id, Role: rp.Role, Weight: r.Weight, MaxConn: r.MaxConn,
				Disabled: r.Disabled, Healthy: healthy(r.Name, rp.Port, rp), Stats: rs,
			}
			servers[k] = s
			sr.Ports = append(sr.Ports, s)
			st.ByAddr[s.Addr] = s
		}
	}
	for _, v := range cfg.Virtuals {
		st.VIPs[v.Addr.Unmap()] = struct{}{}
		if v.Disabled {
			continue
		}
		for _, p := range v.Ports {
			addr := netip.AddrPortFrom(v.Addr.Unmap(), p.Port)
			vp := &VPort{
				Virtual: v.Name, Addr: addr, NoSIPSwitch: p.NoSIPSwitch,
				Stateless: p.Stateless, RecordRoute: p.RecordRoute, DSR: p.DSR, Inline: p.Inline,
				bound: map[uint32]*Server{}, Stats: reg.port(addr),
			}
			vp.ViaHost = hostBytes(addr.Addr())
			vp.RR = append(append(append([]byte("<sip:"), vp.ViaHost...), ':'), strconv.Itoa(int(p.Port))+";lr>"...)
			for _, b := range p.Binds {
				s := servers[RealKey{b.Real, b.Port}]
				if s == nil || vp.bound[s.ID] != nil {
					continue
				}
				vp.bound[s.ID] = s
				vp.Servers = append(vp.Servers, s)
				if vp.Inline && st.InlineOut[s.Addr] == nil {
					st.InlineOut[s.Addr] = vp
				}
			}
			for k := range vp.Groups {
				vp.Groups[k] = buildGroup(GroupKind(k), vp.Servers)
			}
			st.VPorts[addr] = vp
		}
	}
	reg.retain(servers, st.VPorts, st.Reals)
	return st
}

func hostBytes(a netip.Addr) []byte {
	if a.Is6() {
		return []byte("[" + a.String() + "]")
	}
	return []byte(a.String())
}

func buildGroup(kind GroupKind, all []*Server) Group {
	g := Group{Kind: kind}
	var backends []hash.Backend
	for _, s := range all {
		if !s.Eligible() {
			continue
		}
		switch kind {
		case GroupProxy:
			if s.Role&config.RoleProxy == 0 {
				continue
			}
		case GroupRegistrar:
			if s.Role&config.RoleRegistrar == 0 {
				continue
			}
		}
		g.Servers = append(g.Servers, s)
		// The name includes the port so two ports of one real server are
		// two backends with stable permutations.
		backends = append(backends, hash.Backend{Name: s.Real + ":" + strconv.Itoa(int(s.Port)), Weight: uint32(s.Weight)})
	}
	if len(backends) > 0 {
		g.Table = hash.Build(backends, 0)
	}
	return g
}
