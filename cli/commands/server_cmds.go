package commands

import (
	"slices"

	"sipslb/cli/parse"
	"sipslb/slb/config"
)

// editReal edits the real server the session is in.
func editReal(m *parse.Match, f func(cfg *config.Config, r *config.RealServer) error) error {
	c := env(m)
	return c.edit(func(cfg *config.Config) error { return f(cfg, cfg.Real(c.s.Obj)) })
}

// realPort returns the port named in the line, creating it: settings of a
// port imply the port, as "port sip keepalive" does on a ServerIron.
func realPort(m *parse.Match, r *config.RealServer) *config.RealPort {
	p := port(m.Arg("PORT"))
	rp := r.Port(p)
	if rp == nil {
		rp = &config.RealPort{Port: p, Role: config.RoleBoth}
		r.Ports = append(r.Ports, rp)
	}
	return rp
}

func (in *Interp) realTree() []*parse.Node {
	portCmd := func(m *parse.Match) error {
		return editReal(m, func(cfg *config.Config, r *config.RealServer) error {
			p := port(m.Arg("PORT"))
			if !m.Negated {
				realPort(m, r)
				return nil
			}
			if r.Port(p) == nil {
				return m.ArgErr("PORT", "real server %s has no port %s", r.Name, config.PortName(p))
			}
			for _, ref := range cfg.BoundTo(r.Name) {
				if ref.RPort == p {
					return m.ArgErr("PORT", "port %s is bound to virtual server %s; unbind it first", config.PortName(p), ref.Virtual)
				}
			}
			r.Ports = slices.DeleteFunc(r.Ports, func(rp *config.RealPort) bool { return rp.Port == p })
			return nil
		})
	}
	keepalive := func(m *parse.Match) error {
		return editReal(m, func(_ *config.Config, r *config.RealServer) error {
			realPort(m, r).NoKeepalive = m.Negated
			return nil
		})
	}
	override := func(m *parse.Match, f func(*config.HealthParams, *config.HealthOverride)) error {
		return editReal(m, func(_ *config.Config, r *config.RealServer) error {
			f(nil, &realPort(m, r).Health)
			return nil
		})
	}
	role := func(m *parse.Match) error {
		return editReal(m, func(_ *config.Config, r *config.RealServer) error {
			rp := realPort(m, r)
			switch {
			case m.Negated:
				rp.Role = config.RoleBoth
			case m.Has("proxy"):
				rp.Role = config.RoleProxy
			case m.Has("registrar"):
				rp.Role = config.RoleRegistrar
			default:
				rp.Role = config.RoleBoth
			}
			return nil
		})
	}
	weight := func(m *parse.Match) error {
		return editReal(m, func(_ *config.Config, r *config.RealServer) error {
			r.Weight = config.DefaultWeight
			if !m.Negated {
				r.Weight = atoi(m.Arg("WEIGHT"))
			}
			return nil
		})
	}
	maxConn := func(m *parse.Match) error {
		return editReal(m, func(_ *config.Config, r *config.RealServer) error {
			r.MaxConn = 0
			if !m.Negated {
				r.MaxConn = atoi(m.Arg("DIALOGS"))
			}
			return nil
		})
	}
	admin := func(disable bool) parse.Handler {
		return func(m *parse.Match) error {
			return editReal(m, func(_ *config.Config, r *config.RealServer) error {
				r.Disabled = disable != m.Negated
				return nil
			})
		}
	}
	return []*parse.Node{
		K("port", "Define a SIP port of this server, or set its options",
			A(portArg("PORT"), "sip (5060) or a port number",
				K("keepalive", "SIP health check of this port (on by default); options override the globals",
					healthNodes(override)...).Do(keepalive).Undo(keepalive),
				K("sip-server-type", "Which requests this port receives (default: both)",
					K("proxy", "INVITE and every other method except REGISTER").Do(role),
					K("registrar", "REGISTER only").Do(role),
					K("both", "Proxy and registrar").Do(role)).Undo(role),
			).Do(portCmd).Undo(portCmd)),
		K("weight", "Share of new calls relative to the other servers (0 drains)",
			A(intArg("WEIGHT", 0, config.MaxWeight), "weight, default 1").Do(weight)).Undo(weight),
		K("max-conn", "Most concurrent dialogs sent to this server (0 = no limit)",
			A(intArg("DIALOGS", 0, config.MaxMaxConn), "dialogs").Do(maxConn)).Undo(maxConn),
		K("disable", "Take the server out of service (drain: dialogs in progress finish)").Do(admin(true)).Undo(admin(true)),
		K("enable", "Put the server back in service").Do(admin(false)).Undo(admin(false)),
	}
}

// editVirtual edits the virtual server the session is in.
func editVirtual(m *parse.Match, f func(cfg *config.Config, v *config.VirtualServer) error) error {
	c := env(m)
	return c.edit(func(cfg *config.Config) error { return f(cfg, cfg.Virtual(c.s.Obj)) })
}

func virtualPort(v *config.VirtualServer, p uint16) *config.VirtualPort {
	vp := v.Port(p)
	if vp == nil {
		vp = &config.VirtualPort{Port: p}
		v.Ports = append(v.Ports, vp)
	}
	return vp
}

func (in *Interp) virtualTree(realNames func() []string) []*parse.Node {
	portCmd := func(m *parse.Match) error {
		return editVirtual(m, func(_ *config.Config, v *config.VirtualServer) error {
			p := port(m.Arg("PORT"))
			if !m.Negated {
				virtualPort(v, p)
				return nil
			}
			if v.Port(p) == nil {
				return m.ArgErr("PORT", "virtual server %s has no port %s", v.Name, config.PortName(p))
			}
			v.Ports = slices.DeleteFunc(v.Ports, func(vp *config.VirtualPort) bool { return vp.Port == p })
			return nil
		})
	}
	flag := func(set func(vp *config.VirtualPort, on bool), invert bool) parse.Handler {
		return func(m *parse.Match) error {
			return editVirtual(m, func(_ *config.Config, v *config.VirtualServer) error {
				set(virtualPort(v, port(m.Arg("PORT"))), m.Negated == invert)
				return nil
			})
		}
	}
	sipSwitch := flag(func(vp *config.VirtualPort, on bool) { vp.NoSIPSwitch = on }, true)
	dsr := flag(func(vp *config.VirtualPort, on bool) { vp.DSR = on }, false)
	inl := flag(func(vp *config.VirtualPort, on bool) { vp.Inline = on }, false)
	stateless := flag(func(vp *config.VirtualPort, on bool) { vp.Stateless = on }, false)
	rr := flag(func(vp *config.VirtualPort, on bool) { vp.RecordRoute = on }, false)

	bind := func(m *parse.Match) error {
		c := env(m)
		reals := m.Args("REAL")
		rports := m.Args("RPORT")
		for i, rv := range reals {
			r := c.cfg.Real(rv.Text)
			if r == nil {
				return &parse.Error{Kind: parse.ErrRejected, Pos: rv.Pos, Msg: "real server " + rv.Text + " is not defined"}
			}
			if !m.Negated && r.Port(port(rports[i].Text)) == nil {
				return &parse.Error{Kind: parse.ErrRejected, Pos: rports[i].Pos,
					Msg: "real server " + rv.Text + " has no port " + rports[i].Text + "; add it with 'port " + rports[i].Text + "' under the real server"}
			}
		}
		return editVirtual(m, func(_ *config.Config, v *config.VirtualServer) error {
			vpn := port(m.Arg("VPORT"))
			vp := v.Port(vpn)
			if m.Negated && vp == nil {
				return m.ArgErr("VPORT", "virtual server %s has no port %s", v.Name, config.PortName(vpn))
			}
			if vp == nil {
				vp = virtualPort(v, vpn)
			}
			for i, rv := range reals {
				b := config.Bind{Real: rv.Text, Port: port(rports[i].Text)}
				has := slices.Contains(vp.Binds, b)
				switch {
				case m.Negated && !has:
					return &parse.Error{Kind: parse.ErrRejected, Pos: rv.Pos, Msg: "not bound: " + rv.Text + " " + rports[i].Text}
				case m.Negated:
					vp.Binds = slices.DeleteFunc(vp.Binds, func(x config.Bind) bool { return x == b })
				case !has:
					vp.Binds = append(vp.Binds, b)
				}
			}
			return nil
		})
	}
	realN := A(nameArg("REAL", realNames), "real server")
	rportN := A(portArg("RPORT"), "its port (sip or a number)").Do(bind).Undo(bind)
	realN.Next = []*parse.Node{rportN}
	rportN.Next = []*parse.Node{realN} // more pairs may follow

	admin := func(disable bool) parse.Handler {
		return func(m *parse.Match) error {
			return editVirtual(m, func(_ *config.Config, v *config.VirtualServer) error {
				v.Disabled = disable != m.Negated
				return nil
			})
		}
	}
	return []*parse.Node{
		K("port", "Enable a SIP port on this VIP, or set its options",
			A(portArg("PORT"), "sip (5060) or a port number",
				K("sip-switch", "Call-ID persistence and REGISTER/INVITE switching (on by default)").Do(sipSwitch).Undo(sipSwitch),
				K("dsr", "Direct server return: servers answer clients from the VIP").Do(dsr).Undo(dsr),
				K("inline", "Inline: the appliance is the servers' gateway and translates VIP<->real, SIP untouched").Do(inl).Undo(inl),
				K("stateless", "Pure Call-ID hashing, no dialog table").Do(stateless).Undo(stateless),
				K("record-route", "Add a Record-Route so in-dialog requests come back through the VIP").Do(rr).Undo(rr),
			).Do(portCmd).Undo(portCmd)),
		K("bind", "Bind real server ports to a virtual port",
			A(portArg("VPORT"), "virtual port (sip or a number)", realN)),
		K("disable", "Stop accepting traffic on this VIP").Do(admin(true)).Undo(admin(true)),
		K("enable", "Accept traffic on this VIP").Do(admin(false)).Undo(admin(false)),
	}
}
