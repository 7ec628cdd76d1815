package systemd

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
)

// Notifier sends sd_notify messages to the service manager.
type Notifier struct {
	log *slog.Logger
	// send is daemon.SdNotify; tests replace it.
	send func(state string) (bool, error)

	mu     sync.Mutex
	status string
}

// NewNotifier returns a notifier for the NOTIFY_SOCKET in the environment.
func NewNotifier(log *slog.Logger) *Notifier {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Notifier{log: log, send: func(s string) (bool, error) { return daemon.SdNotify(false, s) }}
}

func (n *Notifier) notify(state string) {
	if _, err := n.send(state); err != nil {
		n.log.Warn("sd_notify failed", "state", state, "err", err)
	}
}

// Ready reports that startup (or a reload) is complete, with a status line.
func (n *Notifier) Ready(status string) {
	n.mu.Lock()
	n.status = status
	n.mu.Unlock()
	n.notify(daemon.SdNotifyReady + "\nSTATUS=" + status)
}

// Reloading reports that the config is being reloaded (SIGHUP).
func (n *Notifier) Reloading() {
	n.notify(daemon.SdNotifyReloading + "\n" + daemon.SdNotifyMonotonicUsec())
}

// Stopping reports that shutdown has begun.
func (n *Notifier) Stopping() { n.notify(daemon.SdNotifyStopping) }

// Status sends a new status line when it differs from the last one.
func (n *Notifier) Status(status string) {
	n.mu.Lock()
	same := status == n.status
	n.status = status
	n.mu.Unlock()
	if !same {
		n.notify("STATUS=" + status)
	}
}

// WatchdogPeriod is how often the service manager expects WATCHDOG=1, or
// 0 when it does not (no WatchdogSec=, or WATCHDOG_PID names another
// process).
func WatchdogPeriod() time.Duration {
	d, err := daemon.SdWatchdogEnabled(false)
	if err != nil {
		return 0
	}
	return d
}

// Watchdog sends WATCHDOG=1 every period/2 for as long as check passes,
// until ctx is done. A failing check is logged when it starts failing and
// when it recovers, not on every tick.
func (n *Notifier) Watchdog(ctx context.Context, period time.Duration, check func() error) {
	if period <= 0 {
		return
	}
	t := time.NewTicker(period / 2)
	defer t.Stop()
	var failing error
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := check()
		switch {
		case err == nil && failing != nil:
			n.log.Info("watchdog: healthy again; pings resume")
		case err != nil && failing == nil:
			n.log.Error("watchdog: health check failing; pings withheld, systemd will restart the service", "err", err)
		}
		failing = err
		if err == nil {
			n.notify(daemon.SdNotifyWatchdog)
		}
	}
}
