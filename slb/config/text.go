package config

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Free-text values (SNMP contact and location, communities, user names,
// keys, REGISTER AoRs) are printed by running-config inside one CLI line.
// A control character in one (a newline above all) would turn a value into
// a second config line at the next reload, and an escape sequence would act
// on the terminal of whoever shows it. The CLI tokenizer already refuses
// such input; Validate refuses it too, so that no path into the model
// (SNMP, a future API) can store it.

// ValidText reports whether s is UTF-8 text without control characters
// (tab included).
func ValidText(s string) bool {
	return utf8.ValidString(s) && strings.IndexFunc(s, unicode.IsControl) < 0
}

// validateTexts checks every free-text value of c.
func (c *Config) validateTexts() []Problem {
	var ps []Problem
	check := func(path, s string) {
		if !ValidText(s) {
			ps = append(ps, Problem{Path: path, Msg: "holds a control character or a byte that is not UTF-8 text"})
		}
	}
	check("snmp-server contact", c.SNMP.Contact)
	check("snmp-server location", c.SNMP.Location)
	for _, cm := range c.SNMP.Communities {
		check("snmp-server community", cm.Name)
	}
	for _, u := range c.SNMP.Users {
		check("snmp-server user", u.Name)
	}
	for _, h := range c.SNMP.Hosts {
		check("snmp-server host "+h.Addr.String(), h.Community)
		check("snmp-server host "+h.Addr.String(), h.User)
	}
	for _, u := range c.Users {
		check("username", u.Name)
		check("username "+u.Name+" password-hash", u.PasswordHash)
		for _, k := range u.Keys {
			check("username "+u.Name+" ssh-key", k)
		}
	}
	check("enable secret-hash", c.EnableHash)
	check("server sip-keepalive register-aor", c.Health.AoR)
	for _, r := range c.Reals {
		for _, p := range r.Ports {
			if p.Health.AoR != nil {
				check("server real "+r.Name+" / port "+PortName(p.Port)+" keepalive register-aor", *p.Health.AoR)
			}
		}
	}
	return ps
}
