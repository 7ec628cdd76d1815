package commands

import "strings"

// Hidden replaces a secret in the config text a read-only session sees.
const Hidden = "<hidden>"

// maskSecrets is config text (running-config or startup-config) as a
// privilege-5 session may see it: every line that carries a secret (a
// login password or its hash, the enable secret, an SNMP community, an
// SNMPv3 key or passphrase) is turned into a comment with the secret
// replaced by <hidden>. A comment, so that pasting the masked text back
// into a config never creates a community or a password called <hidden>.
// Public SSH keys are not secrets and stay.
func maskSecrets(text string) string {
	lines := strings.SplitAfter(text, "\n")
	var b strings.Builder
	b.Grow(len(text))
	for _, line := range lines {
		body := strings.TrimRight(line, "\r\n")
		masked, ok := maskLine(body)
		if !ok {
			b.WriteString(line)
			continue
		}
		b.WriteString("! " + masked + line[len(body):])
	}
	return b.String()
}

// maskLine returns line with its secrets replaced, and whether it had any.
func maskLine(line string) (string, bool) {
	trimmed := strings.TrimSpace(line)
	if trimmed == "" || strings.HasPrefix(trimmed, "!") {
		return line, false
	}
	f := strings.Fields(trimmed)
	secret := map[int]bool{}
	after := func(from int, words ...string) {
		for i := from; i+1 < len(f); i++ {
			for _, w := range words {
				if f[i] == w {
					secret[i+1] = true
				}
			}
		}
	}
	switch {
	case f[0] == "username" && len(f) > 2 && f[2] != "ssh-key":
		// username NAME [privilege N] password SECRET | password-hash HASH
		after(2, "password", "password-hash")
	case f[0] == "enable":
		// enable secret SECRET | enable secret-hash HASH
		after(1, "secret", "secret-hash")
	case f[0] == "snmp-server" && len(f) > 2:
		switch f[1] {
		case "community":
			secret[2] = true
		case "user":
			// snmp-server user U auth ALG (PASS | auth-key-localized HEX)
			//   [priv aes (PASS | priv-key-localized HEX)]
			for i := 3; i+2 < len(f); i++ {
				if f[i] == "auth" || f[i] == "priv" {
					secret[i+2] = true
				}
			}
			after(3, "auth-key-localized", "priv-key-localized")
			for i := range f {
				if f[i] == "auth-key-localized" || f[i] == "priv-key-localized" {
					delete(secret, i)
				}
			}
		case "host":
			// snmp-server host A version 2c COMMUNITY [port N]
			if len(f) > 5 && f[3] == "version" && f[4] != "3" {
				secret[5] = true
			}
		}
	}
	if len(secret) == 0 {
		return line, false
	}
	for i := range secret {
		f[i] = Hidden
	}
	return strings.Join(f, " "), true
}
