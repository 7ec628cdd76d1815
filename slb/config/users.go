package config

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/ssh"
)

// Privilege levels, as ServerIron numbers them.
const (
	PrivSuper    = 0 // full access: config mode, write memory
	PrivReadOnly = 5 // show commands only
)

// Defaults of the SSH server (ip ssh ...).
const (
	DefaultSSHPort        = 22
	DefaultSSHIdleTimeout = 10 * time.Minute
	MaxSSHIdleTimeout     = 24 * time.Hour
)

// PasswordCost is the bcrypt cost of new password and enable-secret hashes:
// about 50 ms on one core, paid once per login attempt.
const PasswordCost = 10

// User is one login account (username NAME ...). A user has a password
// hash, ssh keys, or both; one with neither cannot log in.
type User struct {
	Name         string
	Priv         int    // PrivSuper or PrivReadOnly
	PasswordHash string // bcrypt "$2a$..."; "" = no password login
	Keys         []string
}

// SSHParams configure the embedded SSH server (ip ssh ...).
type SSHParams struct {
	Disabled    bool       // no ip ssh
	Port        uint16     // default DefaultSSHPort
	Listen      netip.Addr // zero: every address
	IdleTimeout time.Duration
}

// DefaultSSH returns the factory SSH settings.
func DefaultSSH() SSHParams {
	return SSHParams{Port: DefaultSSHPort, IdleTimeout: DefaultSSHIdleTimeout}
}

// ListenAddr is the TCP address the SSH server binds, "" when disabled.
func (p SSHParams) ListenAddr() string {
	if p.Disabled {
		return ""
	}
	if !p.Listen.IsValid() {
		return fmt.Sprintf(":%d", p.Port)
	}
	return netip.AddrPortFrom(p.Listen, p.Port).String()
}

// User returns the user called name, or nil.
func (c *Config) User(name string) *User {
	for _, u := range c.Users {
		if u.Name == name {
			return u
		}
	}
	return nil
}

// RemoveUser deletes a user and reports whether it existed.
func (c *Config) RemoveUser(name string) bool {
	n := len(c.Users)
	c.Users = slices.DeleteFunc(c.Users, func(u *User) bool { return u.Name == name })
	return len(c.Users) != n
}

// HasSuperUser reports whether some privilege-0 user can log in. Until one
// exists the SSH server refuses every login: there is no default password.
func (c *Config) HasSuperUser() bool {
	for _, u := range c.Users {
		if u.Priv == PrivSuper && (u.PasswordHash != "" || len(u.Keys) > 0) {
			return true
		}
	}
	return false
}

func cloneUsers(us []*User) []*User {
	out := make([]*User, len(us))
	for i, u := range us {
		uc := *u
		uc.Keys = slices.Clone(u.Keys)
		out[i] = &uc
	}
	return out
}

// HashSecret hashes a password or enable secret for storage.
func HashSecret(secret string) (string, error) {
	if secret == "" {
		return "", errors.New("an empty secret is not allowed")
	}
	if len(secret) > 72 {
		return "", errors.New("a secret is at most 72 bytes")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(secret), PasswordCost)
	if err != nil {
		return "", fmt.Errorf("hashing: %w", err)
	}
	return string(h), nil
}

// CheckHash reports whether hash is a stored secret this model accepts.
func CheckHash(hash string) error {
	if _, err := bcrypt.Cost([]byte(hash)); err != nil {
		return fmt.Errorf("not a bcrypt hash: %w", err)
	}
	if strings.ContainsAny(hash, " \t\"") {
		return errors.New("a hash holds no blanks or quotes")
	}
	return nil
}

// dummyHash is compared against when a user does not exist, so that a
// login for an unknown name takes as long as one with a wrong password.
// It is made on first use: every `sipslb cli` process links this package.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("no such user"), PasswordCost)
	return h
})

// MatchSecret reports whether secret matches hash. An empty hash never
// matches, and still costs one bcrypt comparison.
func MatchSecret(hash, secret string) bool {
	if hash == "" {
		bcrypt.CompareHashAndPassword(dummyHash(), []byte(secret))
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(secret)) == nil
}

// ParseKey reads a public key in authorized_keys form ("ssh-ed25519 AAAA...
// comment") and returns it in canonical form: type, base64 blob and, when
// given, the comment, separated by single blanks.
func ParseKey(text string) (string, error) {
	pk, comment, opts, rest, err := ssh.ParseAuthorizedKey([]byte(text))
	if err != nil {
		if inner := errors.Unwrap(err); inner != nil {
			err = inner // x/crypto wraps the useful reason in a long sentence
		}
		return "", fmt.Errorf("not an SSH public key (TYPE BASE64 [COMMENT]): %w", err)
	}
	if len(opts) > 0 || len(bytes.TrimSpace(rest)) > 0 {
		return "", errors.New("one key, without authorized_keys options")
	}
	out := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pk)))
	if comment = strings.TrimSpace(comment); comment != "" {
		out += " " + comment
	}
	return out, nil
}

// KeyBlob returns the "TYPE BASE64" part of a canonical key, which is what
// identifies it; the comment is only a label.
func KeyBlob(key string) string {
	f := strings.Fields(key)
	if len(f) < 2 {
		return key
	}
	return f[0] + " " + f[1]
}

// FindKey returns the index of the key with the same blob, or -1.
func (u *User) FindKey(key string) int {
	blob := KeyBlob(key)
	return slices.IndexFunc(u.Keys, func(k string) bool { return KeyBlob(k) == blob })
}

func validateUsers(c *Config) []Problem {
	var ps []Problem
	add := func(path, format string, a ...any) {
		ps = append(ps, Problem{Path: path, Msg: fmt.Sprintf(format, a...)})
	}
	seen := map[string]bool{}
	for _, u := range c.Users {
		path := "username " + u.Name
		if !ValidName(u.Name) {
			add(path, "invalid name %q (1-32 letters, digits, _ . : -)", u.Name)
		}
		if seen[u.Name] {
			add(path, "defined twice")
		}
		seen[u.Name] = true
		if u.Priv != PrivSuper && u.Priv != PrivReadOnly {
			add(path+" privilege", "%d is not a privilege level (0 or 5)", u.Priv)
		}
		if u.PasswordHash != "" {
			if err := CheckHash(u.PasswordHash); err != nil {
				add(path+" password-hash", "%v", err)
			}
		}
		blobs := map[string]bool{}
		for _, k := range u.Keys {
			canon, err := ParseKey(k)
			switch {
			case err != nil:
				add(path+" ssh-key", "%v", err)
			case canon != k:
				add(path+" ssh-key", "key not in canonical form")
			case blobs[KeyBlob(k)]:
				add(path+" ssh-key", "key listed twice")
			}
			blobs[KeyBlob(k)] = true
		}
	}
	if c.EnableHash != "" {
		if err := CheckHash(c.EnableHash); err != nil {
			add("enable secret-hash", "%v", err)
		}
	}
	s := c.SSH
	if s.Port == 0 {
		add("ip ssh port", "port 0 is not usable")
	}
	if s.Listen.IsValid() && (s.Listen.IsMulticast() || s.Listen.Zone() != "") {
		add("ip ssh listen-address", "%v cannot be listened on", s.Listen)
	}
	if s.IdleTimeout < 0 || s.IdleTimeout > MaxSSHIdleTimeout || s.IdleTimeout%time.Second != 0 {
		add("ip ssh idle-timeout", "must be whole seconds from 0 (never) to %d", int(MaxSSHIdleTimeout/time.Second))
	}
	return ps
}
