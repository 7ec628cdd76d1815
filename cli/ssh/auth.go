package ssh

import (
	"net"
	"net/netip"
	"time"

	glssh "github.com/gliderlabs/ssh"

	"sipslb/slb/config"
	"sipslb/slb/throttle"
)

func remoteIP(a net.Addr) netip.Addr {
	if ta, ok := a.(*net.TCPAddr); ok {
		if ip, ok := netip.AddrFromSlice(ta.IP); ok {
			return ip.Unmap()
		}
	}
	ap, _ := netip.ParseAddrPort(a.String())
	return ap.Addr().Unmap()
}

// gate applies the throttle to one attempt: it waits when the address has
// failed too often, and reports false when the attempt must be refused
// without being judged (queue too long, or the client went away).
func (s *Server) gate(ctx glssh.Context, method string) bool {
	ip := remoteIP(ctx.RemoteAddr())
	v, d := s.throttle.Admit(ip)
	switch v {
	case throttle.Refused:
		s.log.Warn("ssh: login refused unjudged: too many attempts queued from this address", "from", ip, "user", ctx.User(), "method", method)
		return false
	case throttle.After:
		s.log.Warn("ssh: login attempt throttled", "from", ip, "user", ctx.User(), "method", method, "delay", d)
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return false
		}
	}
	return true
}

// usable returns the config to judge a login with, or nil when logins are
// refused outright because no privilege-0 user exists.
func (s *Server) usable(ctx glssh.Context, method string) *config.Config {
	c := s.cfg.Load()
	if !c.HasSuperUser() {
		s.log.Warn("ssh: login refused: no privilege-0 user is configured; create one on the serial console (username NAME privilege 0 password SECRET)",
			"from", ctx.RemoteAddr().String(), "user", ctx.User(), "method", method)
		return nil
	}
	return c
}

func (s *Server) password(ctx glssh.Context, pw string) bool {
	if !s.gate(ctx, "password") {
		return false
	}
	c := s.usable(ctx, "password")
	if c == nil {
		return false
	}
	var hash string
	if u := c.User(ctx.User()); u != nil {
		hash = u.PasswordHash
	}
	if config.MatchSecret(hash, pw) {
		s.log.Info("ssh: login", "user", ctx.User(), "from", ctx.RemoteAddr().String(), "method", "password")
		return true
	}
	ip := remoteIP(ctx.RemoteAddr())
	n := s.throttle.Fail(ip)
	s.log.Warn("ssh: login failed", "user", ctx.User(), "from", ctx.RemoteAddr().String(), "method", "password", "failures", n)
	return false
}

// publicKey answers both the client's "would this key do?" query and the
// signed attempt (x/crypto caches the answer per key and connection).
// A key that is not listed is not counted as a failure: clients offer
// every key they hold, and keys cannot be guessed.
func (s *Server) publicKey(ctx glssh.Context, key glssh.PublicKey) bool {
	if !s.gate(ctx, "publickey") {
		return false
	}
	c := s.usable(ctx, "publickey")
	if c == nil {
		return false
	}
	u := c.User(ctx.User())
	if u == nil {
		return false
	}
	for _, k := range u.Keys {
		pk, _, _, _, err := glssh.ParseAuthorizedKey([]byte(k))
		if err == nil && glssh.KeysEqual(pk, key) {
			s.log.Debug("ssh: key acceptable", "user", ctx.User(), "from", ctx.RemoteAddr().String(), "method", "publickey")
			return true
		}
	}
	return false
}
