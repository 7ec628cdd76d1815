package config

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// SNMP is the agent's configuration (snmp-server ...).
type SNMP struct {
	Disabled     bool       // no snmp-server enable
	Listen       netip.Addr // listen-address; the zero Addr means all
	Port         uint16     // default 161
	Contact      string
	Location     string
	Communities  []Community
	Users        []SNMPUser
	Hosts        []TrapHost
	TrapsEnabled bool
}

// DefaultSNMPPort is the standard agent port.
const DefaultSNMPPort = 161

// Community is a read-only v1/v2c community with an optional source ACL.
type Community struct {
	Name  string
	Allow []netip.Prefix // empty: any source
}

// SNMPUser is a v3 USM user. Keys are stored localized to the agent's
// engine ID (RFC 3414 A.2), never as passphrases.
type SNMPUser struct {
	Name    string
	Auth    string // "sha" or "sha256"
	AuthKey []byte
	Priv    string // "" or "aes"
	PrivKey []byte
}

// TrapHost receives notifications.
type TrapHost struct {
	Addr      netip.Addr
	Port      uint16 // default 162
	Version   string // "2c" or "3"
	Community string // v2c
	User      string // v3: a configured SNMPUser
}

func (s SNMP) clone() SNMP {
	n := s
	n.Communities = make([]Community, len(s.Communities))
	for i, c := range s.Communities {
		n.Communities[i] = Community{Name: c.Name, Allow: slices.Clone(c.Allow)}
	}
	n.Users = make([]SNMPUser, len(s.Users))
	for i, u := range s.Users {
		u.AuthKey, u.PrivKey = slices.Clone(u.AuthKey), slices.Clone(u.PrivKey)
		n.Users[i] = u
	}
	n.Hosts = slices.Clone(s.Hosts)
	return n
}

// oneWord: running-config prints the value as one unquoted word.
func oneWord(s string) bool { return s != "" && !strings.ContainsAny(s, " \t\"") }

func (s SNMP) validate() []Problem {
	var ps []Problem
	add := func(path, format string, a ...any) {
		ps = append(ps, Problem{Path: path, Msg: fmt.Sprintf(format, a...)})
	}
	seen := map[string]bool{}
	for _, c := range s.Communities {
		if len(c.Name) == 0 || len(c.Name) > 127 {
			add("snmp-server community", "a community is 1-127 characters")
		}
		if !oneWord(c.Name) {
			add("snmp-server community", "a community is one word: no blanks, no double quotes")
		}
		if seen[c.Name] {
			add("snmp-server community "+c.Name, "defined twice")
		}
		seen[c.Name] = true
	}
	users := map[string]bool{}
	for _, u := range s.Users {
		p := "snmp-server user " + u.Name
		if users[u.Name] {
			add(p, "defined twice")
		}
		users[u.Name] = true
		if !oneWord(u.Name) {
			add(p, "a user name is one word: no blanks, no double quotes")
		}
		want := map[string]int{"sha": 20, "sha256": 32}[u.Auth]
		if want == 0 || len(u.AuthKey) != want {
			add(p, "auth key must be a %d-byte localized %s key", want, u.Auth)
		}
		if u.Priv != "" && (u.Priv != "aes" || len(u.PrivKey) < 16) {
			add(p, "priv aes needs a localized key of at least 16 bytes")
		}
	}
	for _, h := range s.Hosts {
		p := fmt.Sprintf("snmp-server host %s", h.Addr)
		switch h.Version {
		case "2c":
			if h.Community == "" {
				add(p, "version 2c needs a community")
			}
		case "3":
			if !users[h.User] {
				add(p, "user %s is not defined (snmp-server user)", h.User)
			}
		default:
			add(p, "version must be 2c or 3")
		}
	}
	return ps
}
