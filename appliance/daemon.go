// Package appliance is `sipslb boot`, the composition root: the one
// package (with main) that sees everything. It owns the state directory,
// wires the engine (data path, health checks), the command interpreter and
// its front ends (control socket, SSH), the management agents (SNMP,
// metrics) and the OS adapters (sys/: systemd, store, procs, ARP and
// AF_PACKET for dsr), replays startup-config through the interpreter, and
// reacts to SIGHUP (reload startup-config) and SIGTERM. Nothing but main
// imports it (deps_test.go).
package appliance

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync/atomic"
	"syscall"

	"sipslb/cli/commands"
	"sipslb/cli/ctl"
	"sipslb/slb/config"
	"sipslb/slb/engine"
	"sipslb/slb/health"
	"sipslb/slb/status"
	"sipslb/sys/metrics"
	"sipslb/sys/procs"
	"sipslb/sys/store"
	"sipslb/sys/systemd"
)

// DefaultStateDir is where the appliance keeps what survives a reboot.
const DefaultStateDir = "/var/lib/sipslb"

// SocketName is the control socket inside the state directory.
const SocketName = "sipslb.sock"

// Options configure Run.
type Options struct {
	StateDir string
	Version  string
	Log      *slog.Logger
}

type backend struct {
	eng     *engine.Engine
	runs    *runHistory
	st      *store.Store
	version string
	snmp    *snmpService
	http    *metrics.Server // ip http: the /metrics endpoint
	// readErr is set when startup-config existed but could not be read at
	// boot: write memory then refuses, so the file is never overwritten
	// without the operator knowing.
	readErr error
}

// Apply configures the SNMP agent first (it may fail to bind its port),
// then the engine; if the engine refuses, the agent goes back to the
// running config so the two never disagree. The HTTP server follows a
// config the engine took; it never refuses one (it retries a port it
// cannot bind), so it needs no way back.
func (b *backend) Apply(c *config.Config) error {
	if b.snmp != nil {
		if err := b.snmp.apply(c); err != nil {
			return err
		}
	}
	if err := b.eng.Apply(c); err != nil {
		if b.snmp != nil {
			b.snmp.apply(b.eng.Config())
		}
		return err
	}
	if b.http != nil {
		configureHTTP(b.http, c)
	}
	return nil
}

func (b *backend) LocalizeSNMPKey(auth, pass string) ([]byte, error) {
	if b.snmp == nil {
		return nil, fmt.Errorf("the SNMP agent is not running")
	}
	return b.snmp.localize(auth, pass)
}
func (b *backend) Status() *status.Snapshot {
	s := b.eng.Status() // a fresh snapshot per call: ours to fill
	if s != nil && b.runs != nil {
		s.Runs = b.runs.status()
	}
	return s
}
func (b *backend) SIPHash(callID, virtual string) ([]status.HashRoute, error) {
	return b.eng.SIPHash(callID, virtual)
}
func (b *backend) LoadStartup() ([]byte, error) { return b.st.Load() }
func (b *backend) EraseStartup() error          { b.readErr = nil; return b.st.Erase() }
func (b *backend) Version() string              { return b.version }
func (b *backend) SaveStartup(text []byte) error {
	if b.readErr != nil {
		return fmt.Errorf("startup-config could not be read at boot (%v); move it away or 'erase startup-config' first", b.readErr)
	}
	return b.st.Save(text)
}

// Run runs the daemon until ctx is done or SIGTERM/SIGINT arrives, and
// records how the run ended in the state directory's run history.
func Run(ctx context.Context, o Options) error {
	log := systemd.Logger(o.Log)
	if err := os.MkdirAll(o.StateDir, 0o700); err != nil {
		return err
	}
	runs := openRuns(o.StateDir, log)
	why, err := run(ctx, o, log, runs)
	if err != nil {
		why = "stopped on error: " + err.Error()
	}
	runs.exit(why)
	return err
}

func run(ctx context.Context, o Options, log *slog.Logger, runs *runHistory) (string, error) {
	// The agent is started after the engine, whose state it reads; health
	// events reach it through this pointer once it exists.
	var snmpSvc atomic.Pointer[snmpService]
	onHealth := func(ev health.Event) {
		if s := snmpSvc.Load(); s != nil {
			s.healthEvent(ev)
		}
	}
	eng := engine.NewWithOptions(log, engine.Options{DSR: dsrDriver{log: log}, Inline: inlineDriver{}, Health: health.Options{OnEvent: onHealth},
		StallAfter: stallAfter(systemd.WatchdogPeriod())})
	defer eng.Close()
	be := &backend{eng: eng, st: store.New(o.StateDir), version: o.Version, runs: runs}
	var err error
	if be.snmp, err = startSNMP(o.StateDir, o.Version, eng.Config, eng.Status, log); err != nil {
		return "", err
	}
	defer be.snmp.close()
	snmpSvc.Store(be.snmp)
	be.http = metrics.NewServer(eng.Status, o.Version, log)
	defer be.http.Close()
	ab := &accessBackend{backend: be}
	in := commands.New(ab, log)
	srv := &ctl.Server{In: in, Log: log}
	if ab.ssh = newSSH(o, in, srv, log); ab.ssh != nil {
		defer ab.ssh.Close()
	}
	sd := systemd.NewNotifier(log)
	svc := &services{log: log, eng: eng, in: in, ssh: ab.ssh, http: be.http, sd: sd}
	wedgeHook(in, eng, log)
	be.st.CleanTemp()

	// boot is the first load: a missing file means factory defaults, and a
	// damaged one loads what it can (commands.Interp.Load).
	boot := func() {
		text, err := be.st.Load()
		switch {
		case errors.Is(err, store.ErrNotExist):
			log.Info("no startup-config: running factory defaults", "dir", o.StateDir)
			in.Log("no startup-config: factory defaults")
			return
		case err != nil:
			be.readErr = err
			log.Error("startup-config unreadable: running factory defaults; write memory is refused until it is fixed", "err", err)
			in.Log("startup-config unreadable: %v", err)
			return
		}
		lineErrs, err := in.Load(text, "startup-config")
		logLineErrs(log, lineErrs)
		if err != nil {
			log.Error("startup-config not applied; factory defaults kept", "err", err)
			return
		}
		log.Info("startup-config applied", "why", "boot", "bad_lines", len(lineErrs))
	}
	// reload replaces the running config only with a valid file
	// (commands.Interp.Reload); anything else keeps it, and says why.
	reload := func() {
		text, err := be.st.Load()
		if err != nil {
			if !errors.Is(err, store.ErrNotExist) {
				be.readErr = err
			}
			log.Error("SIGHUP: startup-config cannot be read; running config kept", "err", err)
			in.ReloadMissing("startup-config", err)
			return
		}
		be.readErr = nil
		lineErrs, err := in.Reload(text, "startup-config")
		logLineErrs(log, lineErrs)
		if err != nil {
			log.Error("SIGHUP: reload refused; running config kept", "err", err, "bad_lines", len(lineErrs))
			return
		}
		log.Warn("SIGHUP: running config replaced by startup-config; unsaved changes are lost")
		in.Log("SIGHUP: running config replaced by startup-config (unsaved changes lost)")
	}
	boot()

	sock := filepath.Join(o.StateDir, SocketName)
	ln, err := ctl.Listen(sock, "") // root, and group sipslb read-only (docs/security.md)
	if err != nil {
		return "", fmt.Errorf("control socket: %w", err)
	}
	go srv.Serve(ln)
	defer func() { ln.Close(); os.Remove(sock) }()
	if ab.ssh != nil {
		ab.ssh.Start()
	}
	log.Info("sipslb ready", "state_dir", o.StateDir, "socket", sock)
	sd.Ready(svc.statusLine())
	defer sd.Stopping()
	svcCtx, stopSvc := context.WithCancel(ctx)
	defer stopSvc()
	go svc.run(svcCtx)
	if why := procs.Fixed(); why != "" {
		log.Info("scheduler processors fixed", "procs", runtime.GOMAXPROCS(0), "why", why)
	} else {
		pc := procs.New(log)
		done := make(chan struct{})
		go func() { pc.Run(svcCtx); close(done) }()
		defer func() { stopSvc(); <-done }()
	}

	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, syscall.SIGABRT)
	defer signal.Stop(sigs)
	for {
		select {
		case <-ctx.Done():
			return "stopped", nil
		case sig := <-sigs:
			if sig == syscall.SIGABRT {
				aborted(log, runs)
			}
			if sig != syscall.SIGHUP {
				log.Info("stopping", "signal", sig.String())
				return "stopped by " + signalName(sig), nil
			}
			sd.Reloading()
			reload()
			sd.Ready(svc.statusLine())
		}
	}
}

// logLineErrs logs each line of startup-config that did not load.
func logLineErrs(log *slog.Logger, errs []commands.LineError) {
	for _, le := range errs {
		if le.Line == 0 {
			log.Warn("startup-config problem", "err", le.Err)
			continue
		}
		log.Warn("startup-config line skipped", "line", le.Line, "text", le.Text, "err", le.Err)
	}
}

// aborted handles SIGABRT, which systemd sends when the watchdog pings
// stopped (WatchdogSignal=SIGABRT): the run history says so, the
// goroutines go to the log as Go's own crash would print them, and the
// process exits at once with status 2 (Go's crash status) without the
// orderly shutdown, which a wedged daemon may not finish.
func aborted(log *slog.Logger, runs *runHistory) {
	log.Error("SIGABRT (the systemd watchdog timed out, or an abort): dumping goroutines and exiting")
	runs.exit("SIGABRT (systemd watchdog timeout or abort)")
	pprof.Lookup("goroutine").WriteTo(os.Stderr, 2)
	os.Exit(2)
}

// signalName is SIGTERM rather than "terminated".
func signalName(sig os.Signal) string {
	switch sig {
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGINT:
		return "SIGINT"
	}
	return sig.String()
}
