package appliance

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"sipslb/cli/commands"
	"sipslb/cli/ctl"
	sshsrv "sipslb/cli/ssh"
	"sipslb/slb/config"
	"sipslb/slb/engine"
	"sipslb/slb/status"
	"sipslb/sys/metrics"
	"sipslb/sys/systemd"
)

// accessBackend adds the SSH server to Apply: once the engine took a
// config, the SSH server checks logins against it and follows its
// listen address. The SSH server never refuses a config.
type accessBackend struct {
	*backend
	ssh *sshsrv.Server
}

func (b *accessBackend) Apply(c *config.Config) error {
	if err := b.backend.Apply(c); err != nil {
		return err
	}
	if b.ssh != nil {
		b.ssh.Configure(c)
	}
	return nil
}

// stallAfter is how long the engine lets a data path goroutine go without
// a sign of life before the watchdog check fails: half the watchdog
// period, between 1 s and engine.DefaultStallAfter (5 s with the unit's
// WatchdogSec=10).
func stallAfter(watchdog time.Duration) time.Duration {
	if watchdog <= 0 {
		return engine.DefaultStallAfter
	}
	return min(engine.DefaultStallAfter, max(time.Second, watchdog/2))
}

// newSSH starts the SSH server's host key; an error leaves the box without
// SSH but running (the console still works), and is logged.
func newSSH(o Options, in *commands.Interp, ctlSrv *ctl.Server, log *slog.Logger) *sshsrv.Server {
	if sshOff(log) {
		return nil
	}
	exe, err := os.Executable()
	if err != nil {
		log.Error("ssh disabled: cannot find my own executable", "err", err)
		return nil
	}
	s, err := sshsrv.New(sshsrv.Options{
		StateDir: o.StateDir,
		Exe:      exe,
		In:       in,
		Issue: func(user string, priv int, from string) string {
			return ctlSrv.IssueToken(ctl.Identity{User: user, Priv: priv, From: from})
		},
		Log: log,
	})
	if err != nil {
		log.Error("ssh disabled", "err", err)
		return nil
	}
	return s
}

// services ties the daemon to systemd: readiness, status and watchdog.
type services struct {
	log  *slog.Logger
	eng  *engine.Engine
	in   *commands.Interp
	ssh  *sshsrv.Server
	http *metrics.Server
	sd   *systemd.Notifier
}

// statusLine summarises the box for `systemctl status`. It reads the
// engine's config, not the interpreter's, so it never waits on a busy
// (or wedged) command.
func (s *services) statusLine() string {
	c := s.eng.Config()
	if c == nil {
		c = config.New()
	}
	st := s.eng.Status()
	total, up := 0, 0
	for _, r := range c.Reals {
		for _, p := range r.Ports {
			total++
			if st == nil || st.Reals[r.Name] == nil || st.Reals[r.Name].Ports[p.Port] == nil {
				continue
			}
			if h := st.Reals[r.Name].Ports[p.Port].Health; h == status.Up || h == status.NoCheck {
				up++
			}
		}
	}
	line := fmt.Sprintf("%d VIPs, %d/%d real ports up", len(c.Virtuals), up, total)
	if s.ssh != nil {
		line += ", " + s.ssh.Status()
	} else {
		line += ", ssh unavailable"
	}
	if s.http != nil && s.http.Status() != "" {
		line += ", " + s.http.Status()
	}
	return line
}

// check is what the watchdog proves before each ping: the interpreter
// runs commands, and every data path worker, the routing-state rebuilder
// and the dialog sweeper went round its loop within the stall limit
// (engine.Alive).
func (s *services) check(timeout time.Duration) error {
	if err := s.in.Ping(timeout); err != nil {
		return fmt.Errorf("control loop: %w", err)
	}
	if err := s.eng.Alive(); err != nil {
		return fmt.Errorf("data path: %w", err)
	}
	return nil
}

// run keeps STATUS= current and feeds the watchdog until ctx is done.
func (s *services) run(ctx context.Context) {
	if p := systemd.WatchdogPeriod(); p > 0 {
		s.log.Info("watchdog enabled", "period", p)
		// The check gets an eighth of the period, so that it fits in the
		// quarter-period tick between two pings.
		go s.sd.Watchdog(ctx, p, func() error { return s.check(p / 8) })
	}
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.sd.Status(s.statusLine())
		}
	}
}
