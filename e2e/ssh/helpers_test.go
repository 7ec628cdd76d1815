package ssh

import (
	"bytes"
	"errors"
	"io"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

func execOut(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).Output()
	return string(out), err
}

// running is a command the test started and waits for later.
type running struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	out    bytes.Buffer
	errOut bytes.Buffer
	done   chan error
}

// startCmd starts a command in its own session with stdin held open (so a
// shell on the other side waits for input), and kills it at cleanup.
func startCmd(t *testing.T, name string, args ...string) *running {
	t.Helper()
	r := &running{cmd: exec.Command(name, args...), done: make(chan error, 1)}
	r.cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	r.cmd.Stdout, r.cmd.Stderr = &r.out, &r.errOut
	var err error
	if r.stdin, err = r.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.done <- r.cmd.Wait() }()
	t.Cleanup(func() {
		r.cmd.Process.Kill()
		r.stdin.Close()
	})
	return r
}

// wait waits up to limit for the command to exit and returns its status,
// stdout and stderr; -1 when it did not exit.
func (r *running) wait(t *testing.T, limit time.Duration) (int, string, string) {
	t.Helper()
	select {
	case err := <-r.done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), r.out.String(), r.errOut.String()
		}
		return 0, r.out.String(), r.errOut.String()
	case <-time.After(limit):
		t.Errorf("%s still running after %v", r.cmd.Path, limit)
		return -1, "", ""
	}
}
