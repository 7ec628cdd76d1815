// Package boot tests the sipslb binary as an operator runs it: `sipslb
// boot` on a state directory, `sipslb cli` against it, signals, startup-
// config files and crashes in the middle of `write memory`.
package boot

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"sipslb/e2e/internal/harness"
)

var bin string

func TestMain(m *testing.M) {
	// No daemon of this package may take the host's SSH port 22 (the
	// factory default): see SSHEnv in sys/daemon.
	os.Setenv("SIPSLB_TEST_SSH", "off")
	harness.Main(m, "boot", &bin)
}

// daemon is a running `sipslb boot`.
type daemon struct {
	t   *testing.T
	dir string
	cmd *exec.Cmd
	log *bytes.Buffer
}

// boot starts the daemon on dir (made fresh when empty) and waits until
// its control socket answers.
func boot(t *testing.T, dir string, env ...string) *daemon {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	d := &daemon{t: t, dir: dir, log: &bytes.Buffer{}}
	d.cmd = exec.Command(bin, "boot", "--state-dir", dir)
	d.cmd.Env = append(os.Environ(), env...)
	d.cmd.Stderr = d.log
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.stop() })
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, _, code := d.cli("show version"); code == 0 {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("daemon did not come up; log:\n%s", d.log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (d *daemon) stop() {
	if d.cmd.ProcessState != nil {
		return
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { d.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		d.cmd.Process.Kill()
		<-done
	}
}

// cli runs `sipslb cli -c` with the given lines.
func (d *daemon) cli(lines ...string) (stdout, stderr string, code int) {
	args := []string{"cli", "--state-dir", d.dir}
	for _, l := range lines {
		args = append(args, "-c", l)
	}
	return run(args...)
}

func run(args ...string) (string, string, int) {
	cmd := exec.Command(bin, args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		code = -1
	}
	return o.String(), e.String(), code
}

func (d *daemon) mustCLI(lines ...string) string {
	d.t.Helper()
	out, errOut, code := d.cli(lines...)
	if code != 0 {
		d.t.Fatalf("cli %q: exit %d\nstdout:\n%s\nstderr:\n%s", lines, code, out, errOut)
	}
	return out
}

func contains(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, text)
		}
	}
}
