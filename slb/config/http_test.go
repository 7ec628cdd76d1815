package config

import (
	"net/netip"
	"strings"
	"testing"
)

func TestHTTPListenAddr(t *testing.T) {
	tests := []struct {
		name string
		p    HTTPParams
		want string
	}{
		{"default is off", DefaultHTTP(), ""},
		{"on, every address", HTTPParams{Enabled: true, Port: 80}, ":80"},
		{"v4", HTTPParams{Enabled: true, Port: 9180, Listen: netip.MustParseAddr("127.78.0.1")}, "127.78.0.1:9180"},
		{"v6", HTTPParams{Enabled: true, Port: 80, Listen: netip.MustParseAddr("::1")}, "[::1]:80"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.ListenAddr(); got != tt.want {
				t.Errorf("ListenAddr = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestHTTPValidate(t *testing.T) {
	tests := []struct {
		name string
		p    HTTPParams
		path string // "" = valid
	}{
		{"default", DefaultHTTP(), ""},
		{"port 0", HTTPParams{Enabled: true}, "ip http port"},
		{"multicast", HTTPParams{Port: 80, Listen: netip.MustParseAddr("239.1.1.1")}, "ip http listen-address"},
		{"zone", HTTPParams{Port: 80, Listen: netip.MustParseAddr("fe80::1%eth0")}, "ip http listen-address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New()
			c.HTTP = tt.p
			ps := c.Validate()
			var got []string
			for _, p := range ps {
				got = append(got, p.Path)
			}
			if tt.path == "" && len(ps) != 0 || tt.path != "" && (len(ps) != 1 || ps[0].Path != tt.path) {
				t.Errorf("problems at %s, want %q", strings.Join(got, ", "), tt.path)
			}
		})
	}
}

func TestHTTPUsers(t *testing.T) {
	c := New()
	c.Users = []*User{{Name: "prom", Priv: PrivReadOnly, PasswordHash: "$2a$10$x"}, {Name: "keyonly", Keys: []string{"k"}}}
	if m := c.HTTPUsers(); m != nil {
		t.Errorf("authentication off: %v, want nil (no login asked)", m)
	}
	c.HTTP.AuthLocal = true
	m := c.HTTPUsers()
	if len(m) != 2 || m["prom"] != "$2a$10$x" || m["keyonly"] != "" {
		t.Errorf("users %v", m)
	}
	c.Users = nil
	if m := c.HTTPUsers(); m == nil || len(m) != 0 {
		t.Errorf("no users: %v, want an empty set (every login refused)", m)
	}
}
