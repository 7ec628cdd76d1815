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

// WatchdogEvery is the ping interval as a fraction of the watchdog
// period: a quarter, so that a ping can be late by up to three quarters
// of the period (a slow check, a busy machine) before systemd acts.
const WatchdogEvery = 4

// Watchdog sends WATCHDOG=1 every period/WatchdogEvery until ctx is done,
// after a check. A failing check is retried at the next tick and does not
// stop the pings at once: they are withheld only once the check has
// failed without a pass for longer than Grace(period), so one slow or
// failed check never costs a restart, while a real wedge still stops the
// pings and systemd restarts the service WatchdogSec after the last one.
// A failure is logged when it starts, when the pings are withheld and
// when it recovers, not on every tick. check should return within
// period/8 (the daemon gives it that timeout) so that a tick is not
// skipped.
func (n *Notifier) Watchdog(ctx context.Context, period time.Duration, check func() error) {
	if period <= 0 {
		return
	}
	t := time.NewTicker(period / WatchdogEvery)
	defer t.Stop()
	grace := Grace(period)
	var failingSince time.Time // zero while healthy; monotonic
	withheld := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := check()
		now := time.Now()
		switch {
		case err == nil:
			if !failingSince.IsZero() {
				n.log.Info("watchdog: healthy again", "failed_for", now.Sub(failingSince).Round(time.Millisecond), "pings_were_withheld", withheld)
			}
			failingSince, withheld = time.Time{}, false
		case failingSince.IsZero():
			failingSince = now
			n.log.Warn("watchdog: health check failing; retrying, pings continue for the grace", "err", err, "grace", grace)
		case !withheld && now.Sub(failingSince) > grace:
			withheld = true
			n.log.Error("watchdog: health check failing; pings withheld, systemd will restart the service", "err", err,
				"failing_for", now.Sub(failingSince).Round(time.Millisecond))
		}
		if !withheld {
			n.notify(daemon.SdNotifyWatchdog)
		}
	}
}

// Grace is how long the watchdog check may keep failing before the pings
// stop: half the period. A wedge then costs at most the stall limit, the
// grace and WatchdogSec before systemd restarts the service.
func Grace(period time.Duration) time.Duration { return period / 2 }
