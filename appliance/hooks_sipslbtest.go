//go:build sipslbtest

package appliance

import (
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"sipslb/cli/commands"
	"sipslb/slb/engine"
)

// This file is compiled only with -tags sipslbtest, which the end-to-end
// harness (e2e/internal/harness) passes when it builds the binary. The release build (make build, image/) has
// hooks_release.go instead and honours none of these variables.

// SSHEnv names a test knob: with SIPSLB_TEST_SSH=off the daemon starts no
// SSH server at all, whatever the config says. The appliance listens on
// port 22 of every address by default (ip ssh), which a test daemon must
// not do: test packages boot many daemons at once on one host, and as root
// the first would take the host's port 22. Harnesses that do not test SSH
// set it (e2e/boot, e2e/proxy, e2e/console, e2e/hostile, ...); e2e/ssh configures ip ssh
// listen-address and a free port instead.
const SSHEnv = "SIPSLB_TEST_SSH"

// sshOff reports whether the test knob turned the SSH server off.
func sshOff(log *slog.Logger) bool {
	if os.Getenv(SSHEnv) != "off" {
		return false
	}
	log.Warn("ssh disabled by the test knob " + SSHEnv + "=off: ip ssh settings are ignored")
	return true
}

// WedgeEnv names the test hook that lets a test see the watchdog pings
// stop. With SIPSLB_TEST_WEDGE=control, SIGUSR1 makes a command hold the
// interpreter lock for good; with SIPSLB_TEST_WEDGE=worker, it makes one
// data path worker stop going round its loop (engine.WedgeWorker). Without
// the variable SIGUSR1 is not caught.
const WedgeEnv = "SIPSLB_TEST_WEDGE"

func wedgeHook(in *commands.Interp, eng *engine.Engine, log *slog.Logger) {
	what := os.Getenv(WedgeEnv)
	if what != "control" && what != "worker" {
		return
	}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGUSR1)
	go func() {
		<-ch
		if what == "worker" {
			log.Warn("test hook: wedging a data path worker")
			eng.WedgeWorker()
			return
		}
		log.Warn("test hook: wedging the control loop")
		s := in.Open("wedge", commands.PrivSuper, "test hook")
		in.Exec(s, "show version", blockingWriter{})
	}()
}

// blockingWriter never returns: a command writing to it keeps the lock.
type blockingWriter struct{}

func (blockingWriter) Write([]byte) (int, error) { select {} }
