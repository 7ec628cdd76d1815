package commands

import (
	"fmt"
	"strings"
	"testing"
)

// TestReadOnlySeesNoSecrets: a privilege-5 session's show running-config
// and show startup-config carry no password hash, enable secret, SNMP
// community or SNMPv3 key; the lines that held them are comments with
// <hidden>, and the masked text replays into no secret of any kind. The
// same session raised with the enable secret sees everything.
func TestReadOnlySeesNoSecrets(t *testing.T) {
	in := New(&fakeBackend{}, nil)
	su := in.Open("root", PrivSuper, "test")
	const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIM7MFQfcHd1ylZUcKQiI8JWtuQRNG3PWlubfBl1oO9T8"
	if _, err := execLines(t, in, su, "configure terminal",
		"username admin privilege 0 password admin-pw-1",
		"username admin ssh-key "+key+" laptop",
		"username ro privilege 5 password ro-pw-1",
		"enable secret enable-me-1",
		"snmp-server community c0mmunity-s3cret ro 192.0.2.0/24",
		"snmp-server user mon auth sha auth-passphrase-1 priv aes priv-passphrase-1",
		"snmp-server host 192.0.2.9 version 2c trap-c0mmunity",
		"snmp-server host 192.0.2.10 version 3 mon",
		"end", "write memory"); err != nil {
		t.Fatal(err)
	}
	cfg := in.Config()
	secrets := []string{cfg.User("admin").PasswordHash, cfg.User("ro").PasswordHash, cfg.EnableHash,
		"c0mmunity-s3cret", "trap-c0mmunity",
		fmt.Sprintf("%x", cfg.SNMP.Users[0].AuthKey), fmt.Sprintf("%x", cfg.SNMP.Users[0].PrivKey)}
	full, _ := execLines(t, in, su, "show running-config")
	for _, s := range secrets {
		if s == "" || !strings.Contains(full, s) {
			t.Fatalf("privilege 0 running-config lacks secret %q:\n%s", s, full)
		}
	}

	ro := in.Open("ro", PrivReadOnly, "test")
	for _, cmd := range []string{"show running-config", "show startup-config"} {
		t.Run(cmd, func(t *testing.T) {
			out, err := execLines(t, in, ro, "enable", cmd)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range secrets {
				if strings.Contains(out, s) {
					t.Errorf("read-only %s shows %q:\n%s", cmd, s, out)
				}
			}
			contains := func(want string) {
				if !strings.Contains(out, want) {
					t.Errorf("read-only %s lacks %q:\n%s", cmd, want, out)
				}
			}
			contains("! username admin privilege 0 password-hash <hidden>\n")
			contains("! username ro privilege 5 password-hash <hidden>\n")
			contains("! enable secret-hash <hidden>\n")
			contains("! snmp-server community <hidden> ro 192.0.2.0/24\n")
			contains("! snmp-server user mon auth sha auth-key-localized <hidden> priv aes priv-key-localized <hidden>\n")
			contains("! snmp-server host 192.0.2.9 version 2c <hidden>\n")
			contains("snmp-server host 192.0.2.10 version 3 mon\n")
			contains("username admin ssh-key " + key + " laptop\n") // public
			contains("hostname ")

			// Pasted back, the masked text creates no secret at all.
			in2 := New(&fakeBackend{}, nil)
			if _, err := in2.Load([]byte(strings.ReplaceAll(out, "snmp-server host 192.0.2.10 version 3 mon\n", "")), "masked"); err != nil {
				t.Fatalf("masked text does not load: %v", err)
			}
			c2 := in2.Config()
			if len(c2.SNMP.Communities) != 0 || len(c2.SNMP.Users) != 0 || c2.EnableHash != "" {
				t.Errorf("masked text replayed into secrets: %+v enable %q", c2.SNMP, c2.EnableHash)
			}
			for _, u := range c2.Users {
				if u.PasswordHash != "" {
					t.Errorf("masked text replayed into a password for %s", u.Name)
				}
			}
		})
	}
	if _, err := execLines(t, in, ro, "disable"); err != nil {
		t.Fatal(err)
	}

	// enable SECRET raises the session: it sees what privilege 0 sees.
	out, err := execLines(t, in, ro, "enable enable-me-1", "show running-config")
	if err != nil {
		t.Fatal(err)
	}
	if out != full {
		t.Errorf("elevated session's running-config differs from privilege 0's:\n%s", out)
	}
}

// Hand-written startup-config may hold clear-text secrets; they are masked
// too.
func TestMaskLineClearText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"username a password clear-1", "username a password <hidden>"},
		{"username a privilege 5 password clear-1", "username a privilege 5 password <hidden>"},
		{"enable secret clear-2", "enable secret <hidden>"},
		{"snmp-server user u auth sha clear-3", "snmp-server user u auth sha <hidden>"},
		{"snmp-server user u auth sha256 clear-3 priv aes clear-4", "snmp-server user u auth sha256 <hidden> priv aes <hidden>"},
		{"  snmp-server community clear-5 ro", "snmp-server community <hidden> ro"},
	}
	for _, tt := range tests {
		got, ok := maskLine(tt.in)
		if !ok || got != tt.want {
			t.Errorf("maskLine(%q) = %q %v, want %q", tt.in, got, ok, tt.want)
		}
	}
	for _, keep := range []string{"username a privilege 0", `username a ssh-key ssh-ed25519 AAAA "password x"`, "snmp-server contact \"x\"",
		"snmp-server host 192.0.2.1 version 3 mon", "! username a password-hash <hidden>", "hostname password"} {
		if got, ok := maskLine(keep); ok || got != keep {
			t.Errorf("maskLine(%q) = %q %v, want it kept", keep, got, ok)
		}
	}
}
