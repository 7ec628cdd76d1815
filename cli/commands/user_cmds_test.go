package commands

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"sipslb/cli/parse"
	"sipslb/slb/config"
)

func execLines(t *testing.T, in *Interp, s *Session, lines ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	var err error
	for _, l := range lines {
		if err = in.Exec(s, l, &out); err != nil {
			return out.String(), err
		}
	}
	return out.String(), nil
}

// TestSecretsHashed: clear-text passwords and the enable secret are
// hashed at once, never rendered or logged, and the hash replays as is.
func TestSecretsHashed(t *testing.T) {
	in := New(&fakeBackend{}, nil)
	s := in.Open("root", PrivSuper, "test")
	const pw, secret = "Tr0ub4dor&3", "enable-me-please"
	if _, err := execLines(t, in, s, "configure terminal", "username admin privilege 0 password "+pw,
		"username op password \"with blanks inside\"", "enable secret "+secret); err != nil {
		t.Fatal(err)
	}
	cfg := in.Config()
	text := Render(cfg)
	for _, clear := range []string{pw, secret, "with blanks"} {
		if strings.Contains(text, clear) {
			t.Errorf("running-config shows %q in clear:\n%s", clear, text)
		}
	}
	log, _ := execLines(t, in, s, "end", "show log")
	if strings.Contains(log, pw) || strings.Contains(log, secret) {
		t.Errorf("show log has a secret:\n%s", log)
	}
	admin, op := cfg.User("admin"), cfg.User("op")
	tests := []struct {
		name, hash, secret string
		want               bool
	}{
		{"admin password", admin.PasswordHash, pw, true},
		{"admin wrong", admin.PasswordHash, pw + "x", false},
		{"op quoted password", op.PasswordHash, "with blanks inside", true},
		{"enable secret", cfg.EnableHash, secret, true},
		{"enable wrong", cfg.EnableHash, pw, false},
		{"no hash never matches", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := config.MatchSecret(tt.hash, tt.secret); got != tt.want {
				t.Errorf("MatchSecret = %v, want %v", got, tt.want)
			}
		})
	}
	if op.Priv != PrivReadOnly {
		t.Errorf("a user made without a level has privilege %d, want 5", op.Priv)
	}
	for _, want := range []string{"username admin privilege 0 password-hash $2a$10$", "username op privilege 5 password-hash $2a$10$", "enable secret-hash $2a$10$"} {
		if !strings.Contains(text, want) {
			t.Errorf("running-config lacks %q:\n%s", want, text)
		}
	}
	// The hash replays unchanged: not hashed a second time.
	got, errs := Check([]byte(text))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if got.User("admin").PasswordHash != admin.PasswordHash || got.EnableHash != cfg.EnableHash {
		t.Error("replaying running-config changed a hash")
	}
}

// TestEnableSecret: what "enable" asks of each kind of session.
func TestEnableSecret(t *testing.T) {
	in := New(&fakeBackend{}, nil)
	root := in.Open("root", PrivSuper, "test")
	ro := in.Open("ro", PrivReadOnly, "ssh 127.0.0.1:5")
	denied := func(err error) bool {
		var pe *parse.Error
		return errors.As(err, &pe) && pe.Kind == parse.ErrDenied
	}
	steps := []struct {
		name     string
		s        *Session
		line     string
		denied   bool
		wantPriv int
		wantMode Mode
	}{
		{"no secret configured", ro, "enable whatever", true, PrivReadOnly, ModeUser},
		{"plain enable stays read-only", ro, "enable", false, PrivReadOnly, ModeExec},
		{"read-only cannot configure", ro, "configure terminal", true, PrivReadOnly, ModeExec},
		{"back to user exec", ro, "disable", false, PrivReadOnly, ModeUser},
		{"admin sets the secret", root, "configure terminal", false, PrivSuper, ModeConfig},
		{"admin sets the secret 2", root, "enable secret open-sesame", false, PrivSuper, ModeConfig},
		{"wrong secret", ro, "enable open-sesam", true, PrivReadOnly, ModeUser},
		{"right secret", ro, "enable open-sesame", false, PrivSuper, ModeExec},
		{"raised session configures", ro, "configure terminal", false, PrivSuper, ModeConfig},
		{"raised session leaves config", ro, "end", false, PrivSuper, ModeExec},
		{"disable drops the raise", ro, "disable", false, PrivReadOnly, ModeUser},
		{"and config is refused again", ro, "enable", false, PrivReadOnly, ModeExec},
		{"and config is refused again 2", ro, "configure terminal", true, PrivReadOnly, ModeExec},
		{"privilege 0 enables without a secret", root, "end", false, PrivSuper, ModeExec},
		{"privilege 0 ignores the word", root, "enable anything", false, PrivSuper, ModeExec},
	}
	for _, st := range steps {
		var out bytes.Buffer
		err := in.Exec(st.s, st.line, &out)
		if denied(err) != st.denied || (!st.denied && err != nil) {
			t.Fatalf("%s: %q: err %v, want denied=%v", st.name, st.line, err, st.denied)
		}
		if st.s.Priv != st.wantPriv || st.s.Mode != st.wantMode {
			t.Fatalf("%s: priv %d mode %v, want %d %v", st.name, st.s.Priv, st.s.Mode, st.wantPriv, st.wantMode)
		}
	}
	log, _ := execLines(t, in, root, "show log")
	for _, want := range []string{"enable refused for ro (ssh 127.0.0.1:5): no enable secret", "wrong secret", "ro (ssh 127.0.0.1:5) enabled to privilege 0"} {
		if !strings.Contains(log, want) {
			t.Errorf("show log lacks %q:\n%s", want, log)
		}
	}
}

// TestAccessValidate: the model refuses what the grammar cannot catch.
func TestAccessValidate(t *testing.T) {
	key := "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIM7MFQfcHd1ylZUcKQiI8JWtuQRNG3PWlubfBl1oO9T8"
	tests := []struct {
		name string
		edit func(c *config.Config)
		path string
	}{
		{"bad level", func(c *config.Config) { c.Users = []*config.User{{Name: "a", Priv: 3}} }, "username a privilege"},
		{"twice", func(c *config.Config) { c.Users = []*config.User{{Name: "a"}, {Name: "a"}} }, "username a"},
		{"bad hash", func(c *config.Config) { c.Users = []*config.User{{Name: "a", PasswordHash: "x"}} }, "username a password-hash"},
		{"same key twice", func(c *config.Config) { c.Users = []*config.User{{Name: "a", Keys: []string{key, key + " c"}}} }, "username a ssh-key"},
		{"non-canonical key", func(c *config.Config) { c.Users = []*config.User{{Name: "a", Keys: []string{key + "  c"}}} }, "username a ssh-key"},
		{"bad enable hash", func(c *config.Config) { c.EnableHash = "plain" }, "enable secret-hash"},
		{"idle not whole seconds", func(c *config.Config) { c.SSH.IdleTimeout = 1500e6 }, "ip ssh idle-timeout"},
		{"port 0", func(c *config.Config) { c.SSH.Port = 0 }, "ip ssh port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := config.New()
			tt.edit(c)
			ps := c.Validate()
			if len(ps) != 1 || ps[0].Path != tt.path {
				t.Errorf("problems %v, want one at %q", ps, tt.path)
			}
		})
	}
}
