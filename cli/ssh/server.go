package ssh

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	glssh "github.com/gliderlabs/ssh"
	xssh "golang.org/x/crypto/ssh"

	"sipslb/cli/commands"
	"sipslb/slb/config"
	"sipslb/slb/throttle"
)

// Options configure a Server.
type Options struct {
	StateDir string // host key and the daemon's control socket
	// Exe is the sipslb binary run as `Exe cli --state-dir StateDir` on a
	// pty for an interactive login (the daemon's own os.Executable).
	Exe string
	In  *commands.Interp
	// Issue returns a one-time control-socket token for a CLI process
	// started on behalf of an authenticated user.
	Issue func(user string, priv int, from string) string
	Log   *slog.Logger
	// RetryBind is how often a listener that failed to bind is retried;
	// 0 means 5 s.
	RetryBind time.Duration
}

// Server is the SSH server. Its listener follows the running config
// (Configure); its sessions live until logout, idle timeout or removal of
// their user.
type Server struct {
	o        Options
	log      *slog.Logger
	signer   xssh.Signer
	srv      *glssh.Server
	cfg      atomic.Pointer[config.Config]
	throttle *throttle.Throttle[netip.Addr] // failed logins per source address
	conns    atomic.Int32
	preAuth  *preAuth
	grace    time.Duration // loginGrace; tests lower it

	mu       sync.Mutex
	want     string // the address the config asks for; "" = off
	ln       net.Listener
	bindErr  error
	retry    *time.Timer
	closed   bool
	started  bool // Start was called: Configure may bind
	sessions map[*session]struct{}
}

// New loads (or creates) the host key and returns a server that listens
// once Configure is called.
func New(o Options) (*Server, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.RetryBind == 0 {
		o.RetryBind = 5 * time.Second
	}
	path := filepath.Join(o.StateDir, HostKeyName)
	signer, created, err := LoadHostKey(path)
	if err != nil {
		return nil, err
	}
	s := &Server{o: o, log: o.Log, signer: signer, throttle: throttle.New[netip.Addr](throttle.Default), preAuth: newPreAuth(), grace: loginGrace,
		sessions: map[*session]struct{}{}}
	s.cfg.Store(config.New())
	if created {
		s.log.Info("ssh: new host key generated", "path", path, "fingerprint", xssh.FingerprintSHA256(signer.PublicKey()))
	}
	s.srv = &glssh.Server{
		Version:          "sipslb",
		Handler:          s.handle,
		PasswordHandler:  s.password,
		PublicKeyHandler: s.publicKey,
		ConnCallback:     s.accept,
		BannerHandler:    s.banner,
		ServerConfigCallback: func(glssh.Context) *xssh.ServerConfig {
			return &xssh.ServerConfig{MaxAuthTries: 6}
		},
		// No port forwarding, agent forwarding or subsystems (sftp): the
		// box offers its CLI and nothing else.
		SubsystemHandlers: map[string]glssh.SubsystemHandler{},
	}
	s.srv.AddHostKey(signer)
	return s, nil
}

// Fingerprint is the SHA256 fingerprint of the host key, as ssh prints it.
func (s *Server) Fingerprint() string { return xssh.FingerprintSHA256(s.signer.PublicKey()) }

// Configure makes c the config that logins are checked against and moves
// the listener to c's address if it changed. It never fails; see Status.
func (s *Server) Configure(c *config.Config) {
	s.cfg.Store(c)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.dropSessionsLocked(c)
	want := c.SSH.ListenAddr()
	if want == s.want && (s.ln != nil || want == "" || s.retry != nil) {
		return
	}
	s.want = want
	if s.started {
		s.rebindLocked()
	}
}

// Start binds the listener the config asks for. The daemon calls it once
// its control socket is up, because an interactive login needs it.
func (s *Server) Start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started || s.closed {
		return
	}
	s.started = true
	s.rebindLocked()
}

func (s *Server) rebindLocked() {
	if s.retry != nil {
		s.retry.Stop()
		s.retry = nil
	}
	if s.ln != nil {
		s.ln.Close() // sessions on it stay up
		s.ln = nil
	}
	s.bindErr = nil
	if s.want == "" {
		s.log.Info("ssh: off (no ip ssh)")
		return
	}
	ln, err := net.Listen("tcp", s.want)
	if err != nil {
		s.bindErr = err
		s.log.Error("ssh: cannot listen; retrying", "addr", s.want, "err", err, "every", s.o.RetryBind)
		s.retry = time.AfterFunc(s.o.RetryBind, func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			if !s.closed && s.ln == nil && s.want != "" {
				s.rebindLocked()
			}
		})
		return
	}
	s.ln = ln
	s.log.Info("ssh: listening", "addr", ln.Addr().String(), "host_key", s.Fingerprint())
	if !s.cfg.Load().HasSuperUser() {
		s.log.Warn("ssh: no privilege-0 user is configured: every login is refused until one is created on the console")
	}
	go func() {
		err := s.srv.Serve(ln)
		if err != nil && !errors.Is(err, glssh.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			s.log.Error("ssh: listener stopped", "err", err)
		}
	}()
}

// Addr is the bound listen address, or "" when not listening.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// Status is a few words for systemd's STATUS= line, with the count of
// connections refused before authentication once there are any.
func (s *Server) Status() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.want == "":
		return "ssh off"
	case s.ln != nil:
		if n := s.preAuth.stats().Refused(); n > 0 {
			return fmt.Sprintf("ssh on %s (%d connections refused before authentication)", s.ln.Addr(), n)
		}
		return "ssh on " + s.ln.Addr().String()
	case s.bindErr != nil:
		return fmt.Sprintf("ssh NOT listening on %s (retrying)", s.want)
	}
	return "ssh starting"
}

// Close stops listening and ends every session.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	if s.retry != nil {
		s.retry.Stop()
	}
	s.ln = nil
	s.mu.Unlock()
	return s.srv.Close()
}

// PreAuthStats counts connections refused or closed before they
// authenticated.
func (s *Server) PreAuthStats() PreAuthStats { return s.preAuth.stats() }

// accept bounds concurrent connections (maxConns), connections that have
// not opened a session yet (maxPreAuth, maxPreAuthPerSource per address),
// and gives each one loginGrace to send its banner, authenticate and open
// its session. A refused connection is closed at once and counted.
func (s *Server) accept(ctx glssh.Context, c net.Conn) net.Conn {
	ip := remoteIP(c.RemoteAddr())
	if s.conns.Add(1) > maxConns {
		s.conns.Add(-1)
		s.preAuth.refusedTotal.Add(1)
		s.preAuth.logRefusal(s.log, ip, "too many connections")
		return nil
	}
	if ok, why := s.preAuth.take(ip); !ok {
		s.conns.Add(-1)
		s.preAuth.logRefusal(s.log, ip, why)
		return nil
	}
	slot := &loginSlot{release: func() { s.preAuth.release(ip) }}
	ctx.SetValue(ctxSlot, slot)
	t := time.AfterFunc(s.grace, func() {
		if !slot.started.Load() {
			s.preAuth.graceExpired.Add(1)
			s.log.Warn("ssh: no session within the login grace time; closed", "from", c.RemoteAddr().String(), "grace", s.grace)
			c.Close()
		}
	})
	go func() {
		<-ctx.Done()
		t.Stop()
		slot.done()
		s.conns.Add(-1)
	}()
	return c
}

// banner tells a client, before it authenticates, why a fresh box turns
// every login down. Once a privilege-0 user exists there is no banner.
func (s *Server) banner(glssh.Context) string {
	if s.cfg.Load().HasSuperUser() {
		return ""
	}
	return "sipslb: no privilege-0 user is configured, so every SSH login is refused.\r\n" +
		"sipslb: create one on the serial console: username NAME privilege 0 password SECRET\r\n"
}

type ctxKey int

const ctxSlot ctxKey = iota
