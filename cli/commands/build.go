package commands

import (
	"fmt"
	"net/netip"

	"sipslb/cli/parse"
	"sipslb/slb/config"
)

var (
	K = parse.K
	A = parse.A
)

func env(m *parse.Match) *call { return m.Env.(*call) }

// build assembles the grammar of every mode. Values for completion read the
// running config under the interpreter's lock (Help and Complete hold it).
func (in *Interp) build() {
	realNames := func() []string {
		var out []string
		for _, r := range in.cfg.Reals {
			out = append(out, r.Name)
		}
		return out
	}
	virtNames := func() []string {
		var out []string
		for _, v := range in.cfg.Virtuals {
			out = append(out, v.Name)
		}
		return out
	}
	show := in.showTree(realNames, virtNames)

	// User exec knows the privileged commands only to refuse them with
	// access denied (a read-only user must learn why, not read "Invalid
	// input").
	user := []*parse.Node{
		K("configure", "Enter configuration mode (privileged)",
			K("terminal", "Configure from this terminal").Do(cmdPrivilegedOnly)),
		K("erase", "Erase a file (privileged)",
			K("startup-config", "Delete startup-config").Do(cmdPrivilegedOnly)),
		K("write", "Save the configuration (privileged)",
			K("memory", "Save running-config as startup-config").Do(cmdPrivilegedOnly)),
		K("enable", "Enter privileged exec mode", enableArg()).Do(cmdEnable),
		K("exit", "Leave the CLI").Do(cmdLogout),
		K("logout", "Leave the CLI").Do(cmdLogout),
		K("quit", "Leave the CLI").Do(cmdLogout),
		show.user,
	}
	exec := []*parse.Node{
		K("configure", "Enter configuration mode",
			K("terminal", "Configure from this terminal").Do(cmdConfigure)),
		K("disable", "Return to user exec mode").Do(cmdDisable),
		K("enable", "Enter privileged exec mode", enableArg()).Do(cmdEnable),
		K("end", "Stay in privileged exec mode").Do(cmdEnd),
		K("erase", "Erase a file",
			K("startup-config", "Delete startup-config (factory defaults at next boot)").Do(cmdErase)),
		K("exit", "Leave the CLI").Do(cmdLogout),
		K("logout", "Leave the CLI").Do(cmdLogout),
		K("quit", "Leave the CLI").Do(cmdLogout),
		show.exec,
		K("write", "Save the configuration",
			K("memory", "Save running-config as startup-config").Do(cmdWriteMemory)),
	}

	common := func(nodes ...*parse.Node) []*parse.Node {
		return append(nodes,
			K("do", "Run an exec command without leaving config mode",
				A(&parse.Arg{Name: "LINE"}, "exec command")),
			K("end", "Return to privileged exec mode").Do(cmdEnd),
			K("exit", "Leave this mode").Do(cmdExit),
		)
	}
	withNo := func(nodes []*parse.Node) []*parse.Node {
		no := &parse.Node{Word: "no", Help: "Negate a command or restore its default", Negate: true, Next: nodes}
		return append(nodes, no)
	}

	cfg := withNo(common(
		K("hostname", "Set the system name (the prompt)",
			A(hostnameArg, "new hostname").Do(cmdHostname)).Undo(cmdHostname),
		in.userTree(),
		enableTree(),
		dsrIPTree(),
		in.serverTree(realNames, virtNames),
		in.snmpTree(),
	))
	rs := withNo(common(in.realTree()...))
	vs := withNo(common(in.virtualTree(realNames)...))

	in.grammar[ModeUser] = user
	in.grammar[ModeExec] = exec
	in.grammar[ModeConfig] = cfg
	in.grammar[ModeReal] = rs
	in.grammar[ModeVirtual] = vs
}

func cmdEnable(m *parse.Match) error {
	c := env(m)
	if c.s.Mode == ModeUser {
		c.s.Mode = ModeExec
	}
	return nil
}

func cmdLogout(m *parse.Match) error {
	env(m).s.Mode = ModeClosed
	return nil
}

func cmdEnd(m *parse.Match) error {
	c := env(m)
	c.s.Mode, c.s.Obj = ModeExec, ""
	return nil
}

func cmdExit(m *parse.Match) error {
	c := env(m)
	switch c.s.Mode {
	case ModeReal, ModeVirtual:
		c.s.Mode, c.s.Obj = ModeConfig, ""
	default:
		c.s.Mode = ModeExec
	}
	return nil
}

// cmdPrivilegedOnly refuses a privileged command typed in user exec.
func cmdPrivilegedOnly(m *parse.Match) error {
	c := env(m)
	if c.s.Priv != PrivSuper {
		return readOnlyDenied(c.s)
	}
	return &parse.Error{Kind: parse.ErrDenied, Msg: "Access denied: privileged exec mode only; type enable first"}
}

func readOnlyDenied(s *Session) error {
	return &parse.Error{Kind: parse.ErrDenied, Msg: fmt.Sprintf("Access denied: user %s is read-only (privilege %d)", s.User, s.Priv)}
}

func cmdConfigure(m *parse.Match) error {
	c := env(m)
	if c.s.Priv != PrivSuper {
		return readOnlyDenied(c.s)
	}
	c.s.Mode = ModeConfig
	return nil
}

func cmdHostname(m *parse.Match) error {
	return env(m).edit(func(cfg *config.Config) error {
		cfg.Hostname = config.DefaultHostname
		if !m.Negated {
			cfg.Hostname = m.Arg("NAME")
		}
		return nil
	})
}

func (in *Interp) serverTree(realNames, virtNames func() []string) *parse.Node {
	realObj := func(m *parse.Match) error { return serverObj(m, true) }
	virtObj := func(m *parse.Match) error { return serverObj(m, false) }
	real := func(word string, hidden bool) *parse.Node {
		n := K(word, "Define or edit a real server (a SIP proxy or registrar)",
			A(nameArg("REAL", realNames), "real server name",
				A(ipArg, "its IP address").Do(realObj)).Do(realObj).Undo(realObj))
		n.Hidden = hidden
		return n
	}
	virt := func(word string, hidden bool) *parse.Node {
		n := K(word, "Define or edit a virtual server (a VIP)",
			A(nameArg("VIRTUAL", virtNames), "virtual server name",
				A(ipArg, "the VIP address").Do(virtObj)).Do(virtObj).Undo(virtObj))
		n.Hidden = hidden
		return n
	}
	return K("server", "Server load balancing",
		real("real", false),
		real("real-name-or-ip", true), // the 12.x manuals' spelling
		virt("virtual", false),
		virt("virtual-name-or-ip", true),
		K("sip-keepalive", "Health-check defaults for every real SIP port",
			healthNodes(func(m *parse.Match, f func(*config.HealthParams, *config.HealthOverride)) error {
				return env(m).edit(func(cfg *config.Config) error {
					f(&cfg.Health, nil)
					return nil
				})
			})...),
		K("sip-dialog", "Dialog table (keeps a dialog on its server when the pool changes)",
			K("max-entries", "Dialog table size",
				A(intArg("ENTRIES", 1024, 1<<24), "entries (memory per entry: see docs/hashing.md)").Do(cmdDialog)).Undo(cmdDialog),
			K("ttl", "Idle time after which a dialog is forgotten",
				A(durationArg, "time").Do(cmdDialog)).Undo(cmdDialog),
		),
	)
}

func cmdDialog(m *parse.Match) error {
	return env(m).edit(func(cfg *config.Config) error {
		def := config.New().Dialog
		switch {
		case m.Has("max-entries") && m.Negated:
			cfg.Dialog.MaxEntries = def.MaxEntries
		case m.Has("max-entries"):
			cfg.Dialog.MaxEntries = atoi(m.Arg("ENTRIES"))
		case m.Negated:
			cfg.Dialog.TTL = def.TTL
		default:
			d, _ := config.ParseDuration(m.Arg("SECONDS|Nms"))
			cfg.Dialog.TTL = d
		}
		return nil
	})
}

// serverObj creates, enters, re-addresses or (with "no") deletes a server.
func serverObj(m *parse.Match, isReal bool) error {
	c := env(m)
	label := "VIRTUAL"
	if isReal {
		label = "REAL"
	}
	name := m.Arg(label)
	ipText := m.Arg("A.B.C.D|X:X::X")
	var addr netip.Addr
	if ipText != "" {
		addr = netip.MustParseAddr(ipText).Unmap()
	}
	kind := map[bool]string{true: "real", false: "virtual"}[isReal]
	exists := isReal && c.cfg.Real(name) != nil || !isReal && c.cfg.Virtual(name) != nil
	if m.Negated {
		if !exists {
			return m.ArgErr(label, "server %s %s does not exist", kind, name)
		}
		if isReal {
			if refs := c.cfg.BoundTo(name); len(refs) > 0 {
				return m.ArgErr(label, "real server %s is bound to virtual server %s port %s; unbind it first",
					name, refs[0].Virtual, config.PortName(refs[0].VPort))
			}
		}
		return c.edit(func(cfg *config.Config) error {
			if isReal {
				cfg.RemoveReal(name)
			} else {
				cfg.RemoveVirtual(name)
			}
			return nil
		})
	}
	if !exists && !addr.IsValid() {
		return &parse.Error{Kind: parse.ErrIncomplete}
	}
	if addr.IsValid() {
		err := c.edit(func(cfg *config.Config) error {
			if isReal {
				if r := cfg.Real(name); r != nil {
					r.Addr = addr
				} else {
					cfg.Reals = append(cfg.Reals, &config.RealServer{Name: name, Addr: addr, Weight: config.DefaultWeight})
				}
			} else {
				if v := cfg.Virtual(name); v != nil {
					v.Addr = addr
				} else {
					cfg.Virtuals = append(cfg.Virtuals, &config.VirtualServer{Name: name, Addr: addr})
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	c.s.Obj = name
	c.s.Mode = map[bool]Mode{true: ModeReal, false: ModeVirtual}[isReal]
	return nil
}
