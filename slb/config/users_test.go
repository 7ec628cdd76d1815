package config

import (
	"net/netip"
	"strings"
	"testing"
)

const key1 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIM7MFQfcHd1ylZUcKQiI8JWtuQRNG3PWlubfBl1oO9T8"

func TestParseKey(t *testing.T) {
	tests := []struct {
		name, in, want string
		bad            bool
	}{
		{"bare", key1, key1, false},
		{"comment", key1 + " me@host", key1 + " me@host", false},
		{"blanks around", "  " + key1 + "   me@host  ", key1 + " me@host", false},
		{"inner blanks kept", key1 + " two  words", key1 + " two  words", false},
		{"options refused", `command="x" ` + key1, "", true},
		{"bad base64", "ssh-ed25519 AAAA!!", "", true},
		{"two keys", key1 + "\n" + key1, "", true},
		{"empty", "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseKey(tt.in)
			if (err != nil) != tt.bad || got != tt.want {
				t.Errorf("ParseKey(%q) = %q, %v", tt.in, got, err)
			}
		})
	}
}

func TestHasSuperUser(t *testing.T) {
	h, err := HashSecret("pw")
	if err != nil || !strings.HasPrefix(h, "$2a$10$") {
		t.Fatalf("HashSecret: %q %v", h, err)
	}
	tests := []struct {
		name  string
		users []*User
		want  bool
	}{
		{"none", nil, false},
		{"read-only only", []*User{{Name: "ro", Priv: PrivReadOnly, PasswordHash: h}}, false},
		{"super without credential", []*User{{Name: "a", Priv: PrivSuper}}, false},
		{"super with password", []*User{{Name: "a", Priv: PrivSuper, PasswordHash: h}}, true},
		{"super with key", []*User{{Name: "a", Priv: PrivSuper, Keys: []string{key1}}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New()
			c.Users = tt.users
			if got := c.HasSuperUser(); got != tt.want {
				t.Errorf("HasSuperUser = %v", got)
			}
		})
	}
}

func TestCloneUsersDeep(t *testing.T) {
	c := New()
	c.Users = []*User{{Name: "a", Keys: []string{key1}}}
	n := c.Clone()
	n.Users[0].Keys[0] = "changed"
	n.Users[0].Priv = 5
	if c.Users[0].Keys[0] != key1 || c.Users[0].Priv != 0 {
		t.Error("editing a clone changed the original user")
	}
}

func TestSSHListenAddr(t *testing.T) {
	tests := []struct {
		name string
		p    SSHParams
		want string
	}{
		{"default", DefaultSSH(), ":22"},
		{"off", SSHParams{Disabled: true, Port: 22}, ""},
		{"v4", SSHParams{Port: 2222, Listen: netip.MustParseAddr("127.41.0.1")}, "127.41.0.1:2222"},
		{"v6", SSHParams{Port: 22, Listen: netip.MustParseAddr("::1")}, "[::1]:22"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.ListenAddr(); got != tt.want {
				t.Errorf("ListenAddr = %q, want %q", got, tt.want)
			}
		})
	}
}
