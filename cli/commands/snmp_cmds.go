package commands

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"sipslb/cli/parse"
	"sipslb/slb/config"
)

var prefixArg = &parse.Arg{Name: "A.B.C.D/NN", Check: func(s string) error {
	if _, err := netip.ParsePrefix(s); err != nil {
		return fmt.Errorf("a source prefix such as 192.0.2.0/24")
	}
	return nil
}}

var hexArg = &parse.Arg{Name: "HEX", Check: func(s string) error {
	if _, err := hex.DecodeString(s); err != nil || len(s) < 32 {
		return fmt.Errorf("a localized key in hex")
	}
	return nil
}}

var textArg = &parse.Arg{Name: "TEXT"}

// oneWord checks a community or SNMP user name: running-config prints it
// as one word (and masks it as one for a read-only session), so it holds
// no blank and no double quote.
func oneWord(what string) func(string) error {
	return func(s string) error {
		if s == "" || strings.ContainsAny(s, " \t\"") {
			return fmt.Errorf("%s is one word: not empty, no blanks, no double quotes", what)
		}
		return nil
	}
}

var (
	communityArg = &parse.Arg{Name: "COMMUNITY", Check: oneWord("a community")}
	snmpUserArg  = &parse.Arg{Name: "USER", Check: oneWord("an SNMP user name")}
)
var secretArg = &parse.Arg{Name: "SECRET", Check: func(s string) error {
	if len(s) < 8 {
		return fmt.Errorf("an SNMPv3 passphrase has at least 8 characters (RFC 3414)")
	}
	return nil
}}

func editSNMP(m *parse.Match, f func(s *config.SNMP) error) error {
	return env(m).edit(func(cfg *config.Config) error { return f(&cfg.SNMP) })
}

// snmpTree is "snmp-server ...": the agent, communities, v3 users (keys
// localized to this box's engine ID, never stored as passphrases) and
// notification receivers.
func (in *Interp) snmpTree() *parse.Node {
	enable := func(m *parse.Match) error {
		return editSNMP(m, func(s *config.SNMP) error {
			if m.Has("traps") {
				s.TrapsEnabled = !m.Negated
			} else {
				s.Disabled = m.Negated
			}
			return nil
		})
	}
	port := func(m *parse.Match) error {
		return editSNMP(m, func(s *config.SNMP) error {
			s.Port = config.DefaultSNMPPort
			if !m.Negated {
				s.Port = uint16(atoi(m.Arg("PORT")))
			}
			return nil
		})
	}
	listen := func(m *parse.Match) error {
		return editSNMP(m, func(s *config.SNMP) error {
			s.Listen = netip.Addr{}
			if !m.Negated {
				s.Listen = netip.MustParseAddr(m.Arg("A.B.C.D|X:X::X"))
			}
			return nil
		})
	}
	text := func(field func(s *config.SNMP) *string) parse.Handler {
		return func(m *parse.Match) error {
			return editSNMP(m, func(s *config.SNMP) error {
				*field(s) = ""
				if !m.Negated {
					*field(s) = m.Arg("TEXT")
				}
				return nil
			})
		}
	}
	community := func(m *parse.Match) error {
		name := m.Arg("COMMUNITY")
		named := func(c config.Community) bool { return c.Name == name }
		return editSNMP(m, func(s *config.SNMP) error {
			if m.Negated {
				if !remove(&s.Communities, named) {
					return m.ArgErr("COMMUNITY", "no community %s", name)
				}
				return nil
			}
			c := config.Community{Name: name}
			for _, v := range m.Args("A.B.C.D/NN") {
				c.Allow = append(c.Allow, netip.MustParsePrefix(v.Text).Masked())
			}
			upsert(&s.Communities, named, c)
			return nil
		})
	}
	user := func(m *parse.Match) error {
		c := env(m)
		name := m.Arg("USER")
		named := func(u config.SNMPUser) bool { return u.Name == name }
		if m.Negated {
			return editSNMP(m, func(s *config.SNMP) error {
				if !remove(&s.Users, named) {
					return m.ArgErr("USER", "no SNMP user %s", name)
				}
				return nil
			})
		}
		u := config.SNMPUser{Name: name, Auth: "sha"}
		if m.Has("sha256") {
			u.Auth = "sha256"
		}
		// The two keys come in order: auth first, then priv.
		keys := [2][]byte{}
		secrets := m.Args("SECRET")
		hexes := m.Args("HEX")
		for slot := range 2 {
			if slot == 1 && !m.Has("priv") {
				break
			}
			localized := m.Has([]string{"auth-key-localized", "priv-key-localized"}[slot])
			switch {
			case localized:
				keys[slot], _ = hex.DecodeString(hexes[0].Text)
				hexes = hexes[1:]
			default:
				k, err := c.in.be.LocalizeSNMPKey(u.Auth, secrets[0].Text)
				if err != nil {
					return &parse.Error{Kind: parse.ErrRejected, Pos: secrets[0].Pos, Msg: err.Error()}
				}
				keys[slot] = k
				secrets = secrets[1:]
			}
		}
		u.AuthKey = keys[0]
		if m.Has("priv") {
			u.Priv, u.PrivKey = "aes", keys[1]
		}
		return editSNMP(m, func(s *config.SNMP) error {
			upsert(&s.Users, named, u)
			return nil
		})
	}
	host := func(m *parse.Match) error {
		addr := netip.MustParseAddr(m.Arg("A.B.C.D|X:X::X")).Unmap()
		at := func(h config.TrapHost) bool { return h.Addr == addr }
		return editSNMP(m, func(s *config.SNMP) error {
			if m.Negated {
				if !remove(&s.Hosts, at) {
					return m.ArgErr("A.B.C.D|X:X::X", "no SNMP host %s", addr)
				}
				return nil
			}
			h := config.TrapHost{Addr: addr, Port: 162, Version: "2c", Community: m.Arg("COMMUNITY")}
			if m.Has("3") {
				h.Version, h.Community, h.User = "3", "", m.Arg("USER")
			}
			if p := m.Arg("PORT"); p != "" {
				h.Port = uint16(atoi(p))
			}
			upsert(&s.Hosts, at, h)
			return nil
		})
	}

	// user NAME auth sha|sha256 (SECRET | auth-key-localized HEX) [priv aes (SECRET | priv-key-localized HEX)]
	privKey := K("aes", "AES-128 (RFC 3826)",
		A(secretArg, "privacy passphrase (stored localized, never in clear)").Do(user),
		K("priv-key-localized", "a key already localized to this engine ID (as running-config shows it)",
			A(hexArg, "key in hex").Do(user)))
	priv := K("priv", "Encrypt (authPriv)", privKey)
	authKey := func(word, help string) *parse.Node {
		return K(word, help,
			A(secretArg, "authentication passphrase (stored localized, never in clear)", priv).Do(user),
			K("auth-key-localized", "a key already localized to this engine ID (as running-config shows it)",
				A(hexArg, "key in hex", priv).Do(user)))
	}
	hostPort := K("port", "Receiver port (default 162)", A(intArg("PORT", 1, 65535), "port").Do(host))
	return K("snmp-server", "SNMP agent",
		K("enable", "Run the agent (default on; it answers once a community or user exists)",
			K("traps", "Send notifications to the snmp-server hosts").Do(enable).Undo(enable)).Do(enable).Undo(enable),
		K("port", "UDP port of the agent (default 161)", A(intArg("PORT", 1, 65535), "port").Do(port)).Undo(port),
		K("listen-address", "Address the agent listens on (default: all)", A(ipArg, "address").Do(listen)).Undo(listen),
		K("contact", "sysContact", A(textArg, "text (quote it if it has blanks)").Do(text(func(s *config.SNMP) *string { return &s.Contact }))).
			Undo(text(func(s *config.SNMP) *string { return &s.Contact })),
		K("location", "sysLocation", A(textArg, "text (quote it if it has blanks)").Do(text(func(s *config.SNMP) *string { return &s.Location }))).
			Undo(text(func(s *config.SNMP) *string { return &s.Location })),
		K("community", "SNMPv1/v2c read-only community",
			A(communityArg, "community string",
				K("ro", "Read-only (the only access there is)",
					withLoop(A(prefixArg, "allowed source prefix (repeatable; none = any)").Do(community))).Do(community)).Undo(community)),
		K("user", "SNMPv3 USM user",
			A(snmpUserArg, "user name",
				K("auth", "Authentication protocol",
					authKey("sha", "HMAC-SHA-96"),
					authKey("sha256", "HMAC-SHA-256-192 (RFC 7860)"))).Undo(user)),
		K("host", "Notification receiver",
			A(ipArg, "receiver address",
				K("version", "Notification version",
					K("2c", "SNMPv2c", A(communityArg, "community", hostPort).Do(host)),
					K("3", "SNMPv3 (authPriv with the user's keys)", A(snmpUserArg, "a configured snmp-server user", hostPort).Do(host)))).Undo(host)),
	)
}

// upsert replaces the element of *list that match picks (communities,
// users and hosts are keyed by name or address), or appends v.
func upsert[T any](list *[]T, match func(T) bool, v T) {
	if i := slices.IndexFunc(*list, match); i >= 0 {
		(*list)[i] = v
		return
	}
	*list = append(*list, v)
}

// remove deletes the element of *list that match picks; false when there
// is none.
func remove[T any](list *[]T, match func(T) bool) bool {
	i := slices.IndexFunc(*list, match)
	if i < 0 {
		return false
	}
	*list = slices.Delete(*list, i, i+1)
	return true
}

// withLoop lets an argument repeat.
func withLoop(n *parse.Node) *parse.Node {
	n.Next = append(n.Next, n)
	return n
}

// snmpLines renders the snmp-server settings that differ from defaults.
func snmpLines(s config.SNMP) []string {
	var out []string
	if s.Contact != "" {
		out = append(out, "snmp-server contact "+parse.Quote(s.Contact))
	}
	if s.Location != "" {
		out = append(out, "snmp-server location "+parse.Quote(s.Location))
	}
	if s.Disabled {
		out = append(out, "no snmp-server enable")
	}
	if s.Listen.IsValid() {
		out = append(out, "snmp-server listen-address "+s.Listen.String())
	}
	if s.Port != config.DefaultSNMPPort {
		out = append(out, fmt.Sprintf("snmp-server port %d", s.Port))
	}
	for _, c := range s.Communities {
		l := "snmp-server community " + c.Name + " ro"
		for _, p := range c.Allow {
			l += " " + p.String()
		}
		out = append(out, l)
	}
	for _, u := range s.Users {
		l := fmt.Sprintf("snmp-server user %s auth %s auth-key-localized %x", u.Name, u.Auth, u.AuthKey)
		if u.Priv != "" {
			l += fmt.Sprintf(" priv aes priv-key-localized %x", u.PrivKey)
		}
		out = append(out, l)
	}
	for _, h := range s.Hosts {
		who := h.Community
		if h.Version == "3" {
			who = h.User
		}
		l := fmt.Sprintf("snmp-server host %s version %s %s", h.Addr, h.Version, who)
		if h.Port != 162 {
			l += fmt.Sprintf(" port %d", h.Port)
		}
		out = append(out, l)
	}
	if s.TrapsEnabled {
		out = append(out, "snmp-server enable traps")
	}
	return out
}
