package appliance

import (
	"fmt"
	"log/slog"
	"net/netip"
	"slices"

	"sipslb/slb/config"
	"sipslb/slb/health"
	"sipslb/slb/status"
	"sipslb/sys/snmp"
)

// snmpService keeps the SNMP agent in step with the running config and
// feeds it the engine's state.
type snmpService struct {
	agent   *snmp.Agent
	version string
	cfg     func() *config.Config
	st      func() *status.Snapshot
}

func startSNMP(dir, version string, cfg func() *config.Config, st func() *status.Snapshot, log *slog.Logger) (*snmpService, error) {
	s := &snmpService{version: version, cfg: cfg, st: st}
	a, err := snmp.New(snmp.Options{StateDir: dir, Source: snmp.SourceFunc(s.view), Logger: log})
	if err != nil {
		return nil, fmt.Errorf("snmp agent: %w", err)
	}
	s.agent = a
	return s, nil
}

func authProto(name string) snmp.AuthProto {
	if name == "sha256" {
		return snmp.AuthSHA256
	}
	return snmp.AuthSHA1
}

// localize turns a passphrase into a key for this agent's engine ID.
func (s *snmpService) localize(auth, pass string) ([]byte, error) {
	k := snmp.LocalizeKey(authProto(auth), pass, s.agent.EngineID())
	if auth == "sha256" || len(k) >= 20 {
		return k, nil
	}
	return nil, fmt.Errorf("key localization failed")
}

// agentConfig maps the config model onto the agent's settings.
func (s *snmpService) agentConfig(c *config.Config) snmp.Config {
	sc := c.SNMP
	addr := sc.Listen
	if !addr.IsValid() {
		addr = netip.IPv6Unspecified()
	}
	out := snmp.Config{
		Enabled:      !sc.Disabled && (len(sc.Communities) > 0 || len(sc.Users) > 0),
		Addr:         netip.AddrPortFrom(addr, sc.Port),
		TrapsEnabled: sc.TrapsEnabled,
		Descr:        "sipslb SIP server load balancer " + s.version,
		Contact:      sc.Contact,
		Name:         c.Hostname,
		Location:     sc.Location,
	}
	for _, cm := range sc.Communities {
		out.Communities = append(out.Communities, snmp.Community{Name: cm.Name, Allow: slices.Clone(cm.Allow)})
	}
	for _, u := range sc.Users {
		su := snmp.User{Name: u.Name, Level: snmp.AuthNoPriv, Auth: authProto(u.Auth), AuthKey: u.AuthKey}
		if u.Priv == "aes" {
			su.Level, su.Priv, su.PrivKey = snmp.AuthPriv, snmp.PrivAES128, u.PrivKey
		}
		out.Users = append(out.Users, su)
	}
	for _, h := range sc.Hosts {
		th := snmp.TrapHost{Addr: netip.AddrPortFrom(h.Addr, h.Port), Version: snmp.TrapV2c, Community: h.Community}
		if h.Version == "3" {
			th.Version, th.Community, th.User = snmp.TrapV3, "", h.User
		}
		out.TrapHosts = append(out.TrapHosts, th)
	}
	return out
}

func (s *snmpService) apply(c *config.Config) error { return s.agent.Configure(s.agentConfig(c)) }

func (s *snmpService) close() { s.agent.Close() }

// healthEvent turns a prober transition into traps. Only changes of
// eligibility are news to a manager: Unknown→Up at boot is not, and
// admin-disabled is the operator's own doing.
func (s *snmpService) healthEvent(ev health.Event) {
	if ev.From == status.Disabled || ev.To == status.Disabled {
		return
	}
	switch {
	case ev.From.Eligible() && !ev.To.Eligible():
	case !ev.From.Eligible() && ev.To == status.Up:
	default:
		return
	}
	r := s.cfg().Real(ev.Key.Real)
	if r == nil {
		return
	}
	s.notify(r, ev.Key.Port, ev.To.Eligible())
}

// notify sends the ServerIron real-server port traps for a health change,
// then the server-level trap when the server as a whole changed: it is up
// while any of its ports is, so a port going down takes the server down,
// and a port coming up brings it up, only when no other port is up.
func (s *snmpService) notify(r *config.RealServer, port uint16, up bool) {
	kind := snmp.TrapRealServerPortDown
	if up {
		kind = snmp.TrapRealServerPortUp
	}
	s.agent.Notify(snmp.TrapEvent{Kind: kind, Real: r.Name, Addr: r.Addr, Port: port})
	var others []status.Health
	if sr := s.st().Reals[r.Name]; sr != nil {
		for p, ps := range sr.Ports {
			if p != port {
				others = append(others, ps.Health)
			}
		}
	}
	if !serverChanged(others) {
		return
	}
	k := snmp.TrapRealServerDown
	if up {
		k = snmp.TrapRealServerUp
	}
	s.agent.Notify(snmp.TrapEvent{Kind: k, Real: r.Name, Addr: r.Addr})
}

// serverChanged reports whether one port's change changes its server's
// state, given the other ports' health: only when none of them is up.
// A port not probed (yet) is no evidence that the server is up.
func serverChanged(others []status.Health) bool {
	for _, h := range others {
		if h == status.Up || h == status.NoCheck {
			return false
		}
	}
	return true
}

// view builds the MIB's data from the config and the engine's status, so
// SNMP and `show` read the very same counters.
func (s *snmpService) view() *snmp.View {
	c, st := s.cfg(), s.st()
	v := &snmp.View{DSR: st.DSR}
	for _, r := range c.Reals {
		sr := snmp.Real{Name: r.Name, Addr: r.Addr, AdminUp: !r.Disabled, Weight: uint32(r.Weight), MaxConns: uint32(r.MaxConn),
			Health: status.Unknown}
		roles := config.Role(0)
		best := status.Down
		for _, rp := range r.Ports {
			roles |= rp.Role
			ps := &status.RealPort{}
			if x := st.Reals[r.Name]; x != nil && x.Ports[rp.Port] != nil {
				ps = x.Ports[rp.Port]
			}
			h := ps.Health
			if h == status.NoCheck {
				h = status.Up // trusted up: for the server as a whole, the same
			}
			if h == status.Up || (h == status.Unknown && best != status.Up) {
				best = h
			}
			sr.Ports = append(sr.Ports, snmp.RealPort{Port: rp.Port, AdminUp: !r.Disabled, State: h,
				Requests: ps.Requests, Responses: ps.Responses, CurDialogs: uint32(ps.Dialogs),
				Dialogs: ps.Placed, PeakDialog: uint32(ps.PeakDialogs)})
			sr.Requests += ps.Requests
			sr.Responses += ps.Responses
			sr.CurDialogs += uint32(ps.Dialogs)
			sr.Dialogs += ps.Placed
			sr.Drops += ps.Drops
		}
		if x := st.Reals[r.Name]; x != nil {
			sr.PeakDialog = uint32(x.PeakDialogs)
		}
		if len(r.Ports) > 0 {
			sr.Health = best
		}
		if r.Disabled {
			sr.Health = status.Disabled
		}
		sr.Role = map[config.Role]snmp.Role{config.RoleProxy: snmp.RoleProxy, config.RoleRegistrar: snmp.RoleRegistrar}[roles]
		if sr.Role == 0 {
			sr.Role = snmp.RoleBoth
		}
		v.Reals = append(v.Reals, sr)
	}
	for _, vs := range c.Virtuals {
		sv := snmp.Virtual{Name: vs.Name, Addr: vs.Addr, AdminUp: !vs.Disabled}
		for _, vp := range vs.Ports {
			ps := &status.VirtualPort{}
			if x := st.Virtuals[vs.Name]; x != nil && x.Ports[vp.Port] != nil {
				ps = x.Ports[vp.Port]
			}
			p := snmp.VirtualPort{Port: vp.Port, AdminUp: !vs.Disabled, DSR: vp.DSR, CurDialogs: uint32(ps.Dialogs),
				Dialogs: ps.Placed, PeakDialog: uint32(ps.PeakDialogs),
				Requests: ps.Requests, Responses: ps.Responses, Drops: ps.Drops}
			sv.Ports = append(sv.Ports, p)
			for _, b := range vp.Binds {
				v.Binds = append(v.Binds, snmp.Bind{Virtual: vs.Name, VPort: vp.Port, Real: b.Real, RPort: b.Port})
			}
		}
		v.Virtuals = append(v.Virtuals, sv)
	}
	return v
}
