package harness

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Options says how StartLB boots the daemon. The zero value boots on a
// fresh state directory with no startup-config.
type Options struct {
	// Dir is the state directory; "" is a fresh t.TempDir(). Reuse one
	// to boot again on what a previous daemon saved.
	Dir string
	// StartupConfig, when not "", is written to Dir/startup-config first.
	StartupConfig string
	// Env is added to the test's environment (after SIPSLB_TEST_SSH).
	Env []string
	// SSH lets the daemon serve SSH as its config says. Without it the
	// daemon runs with SIPSLB_TEST_SSH=off and starts no SSH server, so
	// parallel test daemons never compete for (or, as root, take) the
	// host's port 22, the factory default.
	SSH bool
	// Prefix runs the daemon under another command, e.g.
	// {"ip", "netns", "exec", "ns1"} to boot it in a network namespace.
	// The CLI needs no prefix: the control socket is a file.
	Prefix []string
	// Ready, when not nil, must also hold before StartLB returns (e.g. the
	// SSH port accepts connections). The control socket answering `show
	// version` is always waited for.
	Ready func() bool
	// ReadyTimeout bounds the wait for readiness; 0 means 20 s.
	ReadyTimeout time.Duration
}

// LB is one running `sipslb boot`. Its stderr and stdout go to a file, so
// what it logged before a notification is readable when the notification
// arrives.
type LB struct {
	// Dir is the state directory (startup-config, sipslb.sock, keys).
	Dir string
	// Cmd is the daemon's process; Cmd.ProcessState is set once Exited is
	// closed.
	Cmd *exec.Cmd

	t       testing.TB
	bin     string
	logPath string
	exited  chan struct{}
}

// StartLB boots bin as a daemon and waits until its control socket
// answers (and o.Ready holds). At cleanup it is stopped (SIGTERM, then
// SIGKILL after 10 s, which fails the test), a data race it reported (a
// -race SIPSLB_BIN) fails the test, and its log is printed if the test
// failed.
func StartLB(t testing.TB, bin string, o Options) *LB {
	t.Helper()
	dir := o.Dir
	if dir == "" {
		dir = t.TempDir()
	}
	if o.StartupConfig != "" {
		if err := os.WriteFile(filepath.Join(dir, "startup-config"), []byte(o.StartupConfig), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// A killed daemon leaves its socket behind; the new one makes its own.
	os.Remove(filepath.Join(dir, "sipslb.sock"))
	l := &LB{Dir: dir, t: t, bin: bin, logPath: filepath.Join(t.TempDir(), "daemon.log"), exited: make(chan struct{})}
	logf, err := os.Create(l.logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	args := append(append(append([]string{}, o.Prefix...), bin), "boot", "--state-dir", dir)
	l.Cmd = exec.Command(args[0], args[1:]...)
	ssh := "SIPSLB_TEST_SSH=off"
	if o.SSH {
		ssh = "SIPSLB_TEST_SSH=" // cleared, whatever the test's environment says
	}
	l.Cmd.Env = append(append(os.Environ(), ssh), o.Env...)
	l.Cmd.Stdout, l.Cmd.Stderr = logf, logf
	if err := l.Cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { l.Cmd.Wait(); close(l.exited) }()
	t.Cleanup(func() {
		l.Stop(t)
		if strings.Contains(l.Log(), "WARNING: DATA RACE") {
			t.Errorf("sipslb (%s) reported a data race", dir)
		}
		if t.Failed() {
			t.Logf("sipslb log (%s, last 8000 bytes):\n%s", dir, Tail(l.Log(), 8000))
		}
	})
	limit := o.ReadyTimeout
	if limit == 0 {
		limit = 20 * time.Second
	}
	deadline := time.Now().Add(limit)
	for {
		if _, _, code := l.Run("show version"); code == 0 && (o.Ready == nil || o.Ready()) {
			return l
		}
		select {
		case <-l.exited:
			t.Fatalf("sipslb exited (%s); log:\n%s", l.Cmd.ProcessState, Tail(l.Log(), 8000))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("sipslb not ready after %v; log:\n%s", limit, Tail(l.Log(), 8000))
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// Log is what the daemon has written so far.
func (l *LB) Log() string {
	b, _ := os.ReadFile(l.logPath)
	return string(b)
}

// Exited is closed when the daemon has exited.
func (l *LB) Exited() <-chan struct{} { return l.exited }

// Signal sends sig to the daemon.
func (l *LB) Signal(sig os.Signal) { l.Cmd.Process.Signal(sig) }

// Stop sends SIGTERM and waits for the exit; after 10 s it kills the
// daemon and fails the test. Stopping a stopped daemon does nothing.
func (l *LB) Stop(t testing.TB) {
	select {
	case <-l.exited:
		return
	default:
	}
	l.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-l.exited:
	case <-time.After(10 * time.Second):
		t.Errorf("sipslb did not stop within 10s of SIGTERM: killed")
		l.Cmd.Process.Kill()
		<-l.exited
	}
}

// Run runs lines in one `sipslb cli -c` session (at most 20 s) and
// returns what it printed and its exit status: 0 all lines good, 1 a line
// failed, 2 daemon unreachable, -1 it could not run or was killed.
func (l *LB) Run(lines ...string) (stdout, stderr string, code int) {
	args := []string{"cli", "--state-dir", l.Dir}
	for _, ln := range lines {
		args = append(args, "-c", ln)
	}
	return RunCommand(l.bin, args...)
}

// RunCommand runs name with args (at most 20 s) and returns its output and
// exit status (-1 when it could not run or was killed).
func RunCommand(name string, args ...string) (stdout, stderr string, code int) {
	return RunInput(nil, name, args...)
}

// RunInput is RunCommand with stdin (nil: none).
func RunInput(stdin io.Reader, name string, args ...string) (stdout, stderr string, code int) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = stdin
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && ee.Exited():
		code = ee.ExitCode()
	default:
		code = -1
	}
	return o.String(), e.String(), code
}

// CLI runs lines in one `sipslb cli -c` session and returns its stdout and
// stderr together; a failed line (exit status not 0) fails the test.
func (l *LB) CLI(t testing.TB, lines ...string) string {
	t.Helper()
	out, errOut, code := l.Run(lines...)
	if code != 0 {
		t.Fatalf("sipslb cli %q: exit %d\n%s%s", lines, code, out, errOut)
	}
	return out + errOut
}

// Configure runs config-mode lines: configure terminal, lines, end.
func (l *LB) Configure(t testing.TB, lines ...string) string {
	t.Helper()
	return l.CLI(t, append(append([]string{"configure terminal"}, lines...), "end")...)
}
