package config

import (
	"fmt"
	"net/netip"
)

// DefaultHTTPPort is the management HTTP server's port when ip http port
// is not given (IOS's default for ip http server).
const DefaultHTTPPort = 80

// HTTPParams configure the management HTTP server (ip http ...), which
// serves the Prometheus metrics at /metrics. It is off by default: an
// appliance opens no new port until the operator asks for it.
type HTTPParams struct {
	Enabled bool       // ip http server
	Port    uint16     // default DefaultHTTPPort
	Listen  netip.Addr // zero: every address
	// AuthLocal (ip http authentication local) asks every request for
	// HTTP basic authentication with a configured user's name and
	// password (username NAME ... password); any privilege will do.
	AuthLocal bool
}

// HTTPUsers is what the HTTP server checks logins against: nil when
// ip http authentication local is off (no login asked), else every user's
// name and password hash ("" for a user without a password, which never
// matches).
func (c *Config) HTTPUsers() map[string]string {
	if !c.HTTP.AuthLocal {
		return nil
	}
	m := make(map[string]string, len(c.Users))
	for _, u := range c.Users {
		m[u.Name] = u.PasswordHash
	}
	return m
}

// DefaultHTTP returns the factory settings: off, port 80, every address.
func DefaultHTTP() HTTPParams { return HTTPParams{Port: DefaultHTTPPort} }

// ListenAddr is the TCP address the HTTP server binds, "" when disabled.
func (p HTTPParams) ListenAddr() string {
	if !p.Enabled {
		return ""
	}
	if !p.Listen.IsValid() {
		return fmt.Sprintf(":%d", p.Port)
	}
	return netip.AddrPortFrom(p.Listen, p.Port).String()
}

func (p HTTPParams) validate() []Problem {
	var ps []Problem
	if p.Port == 0 {
		ps = append(ps, Problem{Path: "ip http port", Msg: "port 0 is not usable"})
	}
	if p.Listen.IsValid() && (p.Listen.IsMulticast() || p.Listen.Zone() != "") {
		ps = append(ps, Problem{Path: "ip http listen-address", Msg: fmt.Sprintf("%v cannot be listened on", p.Listen)})
	}
	return ps
}
