package commands

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"sipslb/cli/parse"
	"sipslb/slb/config"
)

// Admin access commands: login users, the enable secret and the SSH
// server. A clear-text secret typed here is hashed at once and never kept
// or printed; running-config carries the hash under a distinct keyword
// (password-hash, secret-hash) that replays it as is.

var privArg = &parse.Arg{Name: "0|5", Values: func() []string { return []string{"0", "5"} }, Check: func(s string) error {
	if s != "0" && s != "5" {
		return fmt.Errorf("privilege 0 (full) or 5 (read-only)")
	}
	return nil
}}

var loginSecretArg = &parse.Arg{Name: "SECRET", Check: func(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("an empty secret is not allowed")
	case len(s) > 72:
		return fmt.Errorf("a secret is at most 72 bytes")
	case strings.Contains(s, `"`):
		return fmt.Errorf("a secret holds no double quote")
	}
	return nil
}}

var hashArg = &parse.Arg{Name: "HASH", Check: config.CheckHash}

var keyTypeArg = &parse.Arg{Name: "KEY-TYPE", Values: func() []string {
	return []string{"ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa"}
}}

// userTree is "username NAME ..." in config mode.
func (in *Interp) userTree() *parse.Node {
	names := func() []string {
		var out []string
		for _, u := range in.cfg.Users {
			out = append(out, u.Name)
		}
		return out
	}
	secret := A(loginSecretArg, "the password (stored as a bcrypt hash)").Do(cmdUsername)
	hash := A(hashArg, "a bcrypt hash, as running-config shows it").Do(cmdUsername)
	comment := A(&parse.Arg{Name: "COMMENT"}, "a label for the key (quote it if it has blanks)").Do(cmdUserKey).Undo(cmdUserKey)
	return K("username", "Login accounts for SSH",
		A(nameArg("NAME", names), "user name",
			K("privilege", "Privilege level: 0 full, 5 read-only",
				A(privArg, "privilege level",
					K("password", "Set the password", secret),
					K("password-hash", "Set the password from a stored hash", hash),
				).Do(cmdUsername)),
			K("password", "Set the password", secret),
			K("password-hash", "Set the password from a stored hash", hash),
			K("ssh-key", "Add (or with no, remove) a public key for SSH login",
				A(keyTypeArg, "key type",
					A(&parse.Arg{Name: "BASE64"}, "the key", comment).Do(cmdUserKey).Undo(cmdUserKey))),
		).Undo(cmdNoUsername))
}

func cmdUsername(m *parse.Match) error {
	c := env(m)
	name := m.Arg("NAME")
	var hash string
	switch {
	case m.Has("password"):
		h, err := c.hash(m.Arg("SECRET"))
		if err != nil {
			return err
		}
		if h.err != nil {
			return m.ArgErr("SECRET", "%v", h.err)
		}
		hash = h.hash
	case m.Has("password-hash"):
		hash = m.Arg("HASH")
	}
	return c.edit(func(cfg *config.Config) error {
		u := cfg.User(name)
		if u == nil {
			// A user created without a level is read-only: least privilege.
			u = &config.User{Name: name, Priv: config.PrivReadOnly}
			cfg.Users = append(cfg.Users, u)
		}
		if m.Has("privilege") {
			u.Priv = atoi(m.Arg("0|5"))
		}
		if hash != "" {
			u.PasswordHash = hash
		}
		return nil
	})
}

func cmdNoUsername(m *parse.Match) error {
	c := env(m)
	name := m.Arg("NAME")
	if c.cfg.User(name) == nil {
		return m.ArgErr("NAME", "user %s does not exist", name)
	}
	err := c.edit(func(cfg *config.Config) error {
		cfg.RemoveUser(name)
		return nil
	})
	if err == nil && !c.cfg.HasSuperUser() {
		fmt.Fprintln(c.out, "% Warning: no privilege-0 user is left; SSH refuses every login until one is configured.")
	}
	return err
}

func cmdUserKey(m *parse.Match) error {
	c := env(m)
	name := m.Arg("NAME")
	text := m.Arg("KEY-TYPE") + " " + m.Arg("BASE64")
	if cm := m.Arg("COMMENT"); cm != "" {
		if strings.Contains(cm, `"`) {
			return m.ArgErr("COMMENT", "a key comment holds no double quote")
		}
		text += " " + cm
	}
	key, err := config.ParseKey(text)
	if err != nil {
		return m.ArgErr("BASE64", "%v", err)
	}
	u := c.cfg.User(name)
	if u == nil {
		return m.ArgErr("NAME", "user %s does not exist; create it with: username %s privilege 0|5", name, name)
	}
	i := u.FindKey(key)
	if m.Negated && i < 0 {
		return m.ArgErr("BASE64", "user %s has no such key", name)
	}
	return c.edit(func(cfg *config.Config) error {
		u := cfg.User(name)
		switch {
		case m.Negated:
			u.Keys = append(u.Keys[:i], u.Keys[i+1:]...)
		case i >= 0:
			u.Keys[i] = key // same key: the comment may change
		default:
			u.Keys = append(u.Keys, key)
		}
		return nil
	})
}

// enableTree is "enable secret ..." in config mode.
func enableTree() *parse.Node {
	return K("enable", "The secret that raises a read-only session to privilege 0",
		K("secret", "Set the enable secret (stored as a bcrypt hash)",
			A(loginSecretArg, "the secret").Do(cmdEnableSecret)).Undo(cmdEnableSecret),
		K("secret-hash", "Set the enable secret from a stored hash",
			A(hashArg, "a bcrypt hash, as running-config shows it").Do(cmdEnableSecret)))
}

// hash hashes a typed secret outside the interpreter lock (slow.go).
func (c *call) hash(secret string) (hashed, error) {
	in := c.in
	r, err := c.slow("hash\x00"+secret, func() any { return in.hashSecret(secret) })
	if err != nil {
		return hashed{}, err
	}
	return r.(hashed), nil
}

func cmdEnableSecret(m *parse.Match) error {
	var hash string
	switch {
	case m.Negated:
	case m.Has("secret-hash"):
		hash = m.Arg("HASH")
	default:
		h, err := env(m).hash(m.Arg("SECRET"))
		if err != nil {
			return err
		}
		if h.err != nil {
			return m.ArgErr("SECRET", "%v", h.err)
		}
		hash = h.hash
	}
	return env(m).edit(func(cfg *config.Config) error {
		cfg.EnableHash = hash
		return nil
	})
}

// enableArg extends exec-mode "enable" with the secret: a read-only
// session that knows it runs at privilege 0 until disable or logout.
func enableArg() *parse.Node {
	return A(&parse.Arg{Name: "SECRET"}, "the enable secret (raises a read-only session to privilege 0)").Do(cmdEnableWithSecret)
}

func cmdEnableWithSecret(m *parse.Match) error {
	c := env(m)
	if c.s.Priv == PrivSuper {
		c.s.Mode = ModeExec
		return nil
	}
	if c.cfg.EnableHash == "" {
		c.in.logLocked("enable refused for %s (%s): no enable secret is configured", c.s.User, c.s.From)
		return &parse.Error{Kind: parse.ErrDenied, Msg: "Access denied: no enable secret is configured"}
	}
	// The check runs unlocked, after the per-user throttle's wait.
	in, user, hash, secret := c.in, c.s.User, c.cfg.EnableHash, m.Arg("SECRET")
	r, err := c.slow("enable\x00"+user+"\x00"+hash+"\x00"+secret, func() any { return in.checkEnable(user, hash, secret) })
	if err != nil {
		return err
	}
	switch v := r.(enableVerdict); {
	case v.refused:
		c.in.logLocked("enable refused for %s (%s): too many wrong secrets queued for this user", c.s.User, c.s.From)
		c.in.log.Warn("enable: refused unjudged, too many wrong secrets queued", "user", c.s.User, "from", c.s.From)
		return &parse.Error{Kind: parse.ErrDenied, Msg: "Access denied: too many wrong enable secrets for user " + c.s.User + "; try again later"}
	case !v.ok:
		c.s.enableFails++
		c.in.logLocked("enable refused for %s (%s): wrong secret (%d in this session)", c.s.User, c.s.From, c.s.enableFails)
		c.in.log.Warn("enable: wrong secret", "user", c.s.User, "from", c.s.From, "session_failures", c.s.enableFails, "delayed", v.waited)
		if c.s.enableFails >= MaxEnableTries {
			c.s.Mode = ModeClosed
			return &parse.Error{Kind: parse.ErrDenied, Msg: fmt.Sprintf("Bad secrets: %d wrong enable secrets; session closed", c.s.enableFails)}
		}
		return &parse.Error{Kind: parse.ErrDenied, Msg: "Access denied: wrong enable secret"}
	}
	c.s.Priv, c.s.Elevated, c.s.Mode = PrivSuper, true, ModeExec
	c.in.logLocked("%s (%s) enabled to privilege 0", c.s.User, c.s.From)
	c.in.log.Info("enable: session raised to privilege 0", "user", c.s.User, "from", c.s.From)
	return nil
}

// cmdDisable returns to user exec and drops a privilege that enable raised.
func cmdDisable(m *parse.Match) error {
	c := env(m)
	c.s.Mode = ModeUser
	if c.s.Elevated {
		c.s.Priv, c.s.Elevated = PrivReadOnly, false
	}
	return nil
}

// ipTree is "ip ssh ..." and "ip http ..." (http_cmds.go) in config mode.
func ipTree() *parse.Node {
	return K("ip", "IP services",
		K("ssh", "The SSH server (no ip ssh: turn it off)",
			K("port", "TCP port (default 22)",
				A(intArg("PORT", 1, 65535), "port").Do(cmdIPSSH)).Undo(cmdIPSSH),
			K("listen-address", "Listen on one address only (default: every address)",
				A(ipArg, "local address").Do(cmdIPSSH)).Undo(cmdIPSSH),
			K("idle-timeout", "Close a session idle this long (default 600; 0 = never)",
				A(intArg("SECONDS", 0, int(config.MaxSSHIdleTimeout/time.Second)), "seconds").Do(cmdIPSSH)).Undo(cmdIPSSH),
		).Do(cmdIPSSH).Undo(cmdIPSSH),
		httpTree())
}

func cmdIPSSH(m *parse.Match) error {
	return env(m).edit(func(cfg *config.Config) error {
		def := config.DefaultSSH()
		s := &cfg.SSH
		switch {
		case m.Has("port") && m.Negated:
			s.Port = def.Port
		case m.Has("port"):
			s.Port = uint16(atoi(m.Arg("PORT")))
		case m.Has("listen-address") && m.Negated:
			s.Listen = netip.Addr{}
		case m.Has("listen-address"):
			s.Listen = netip.MustParseAddr(m.Arg("A.B.C.D|X:X::X")).Unmap()
		case m.Has("idle-timeout") && m.Negated:
			s.IdleTimeout = def.IdleTimeout
		case m.Has("idle-timeout"):
			s.IdleTimeout = time.Duration(atoi(m.Arg("SECONDS"))) * time.Second
		default:
			s.Disabled = m.Negated
		}
		return nil
	})
}

// renderAccess prints the admin access settings that differ from their
// defaults.
func renderAccess(p func(string, ...any), c *config.Config) {
	for _, u := range c.Users {
		line := fmt.Sprintf("username %s privilege %d", u.Name, u.Priv)
		if u.PasswordHash != "" {
			line += " password-hash " + u.PasswordHash
		}
		p("%s", line)
		for _, k := range u.Keys {
			f := strings.SplitN(k, " ", 3)
			if len(f) == 3 {
				f[2] = parse.Quote(f[2])
			}
			p("username %s ssh-key %s", u.Name, strings.Join(f, " "))
		}
	}
	if c.EnableHash != "" {
		p("enable secret-hash %s", c.EnableHash)
	}
	def := config.DefaultSSH()
	if c.SSH.Disabled {
		p("no ip ssh")
	}
	if c.SSH.Port != def.Port {
		p("ip ssh port %d", c.SSH.Port)
	}
	if c.SSH.Listen.IsValid() {
		p("ip ssh listen-address %s", c.SSH.Listen)
	}
	if c.SSH.IdleTimeout != def.IdleTimeout {
		p("ip ssh idle-timeout %d", int(c.SSH.IdleTimeout/time.Second))
	}
}
