package console_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/hinshun/vt10x"
)

// Screen geometry of the emulated terminal: wide and tall enough that
// nothing under test wraps or scrolls out of sight.
const cols, rows = 120, 60

// waitFor bounds every wait on the screen; generous for 2 noisy cores.
const waitFor = 15 * time.Second

// buildOnce builds the sipslb binary for all tests of the package.
var buildOnce struct {
	sync.Once
	bin string
	err error
	out []byte
}

func sipslbBinary(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("not root: the daemon gives a local CLI full privilege only when it runs as root (uid 0 over SO_PEERCRED); run these pty tests as root, as CI does")
	}
	buildOnce.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		dir, err := os.MkdirTemp("", "sipslb-console-e2e-")
		if err != nil {
			buildOnce.err = err
			return
		}
		buildOnce.bin = filepath.Join(dir, "sipslb")
		cmd := exec.Command(goTool, "build", "-tags", "sipslbtest", "-o", buildOnce.bin, "sipslb") // test hooks: SIPSLB_TEST_SSH
		buildOnce.out, buildOnce.err = cmd.CombinedOutput()
	})
	if buildOnce.err != nil {
		t.Fatalf("go build sipslb: %v\n%s", buildOnce.err, buildOnce.out)
	}
	return buildOnce.bin
}

func TestMain(m *testing.M) {
	// No daemon of this package may take the host's SSH port 22 (the
	// factory default): see SSHEnv in sys/daemon.
	os.Setenv("SIPSLB_TEST_SSH", "off")
	code := m.Run()
	if buildOnce.bin != "" {
		os.RemoveAll(filepath.Dir(buildOnce.bin))
	}
	os.Exit(code)
}

// startDaemon runs `sipslb boot` on a fresh state directory and waits for
// its control socket. It returns the directory and a function that kills
// the daemon (also done at cleanup).
func startDaemon(t *testing.T, bin string) (string, func()) {
	t.Helper()
	// A short path: unix socket names are limited to 108 bytes.
	dir, err := os.MkdirTemp("", "slbc")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	var logs bytes.Buffer
	cmd := exec.Command(bin, "boot", "--state-dir", dir)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	kill := func() { cmd.Process.Kill(); <-exited }
	t.Cleanup(func() {
		kill()
		if t.Failed() {
			t.Logf("daemon log:\n%s", logs.String())
		}
	})
	sock := filepath.Join(dir, "sipslb.sock")
	deadline := time.Now().Add(waitFor)
	for {
		if _, err := os.Stat(sock); err == nil {
			return dir, kill
		}
		select {
		case <-exited:
			t.Fatalf("daemon exited early:\n%s", logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no control socket after %v", waitFor)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// cliLines runs `sipslb cli -c LINE...` and returns its stdout.
func cliLines(t *testing.T, bin, dir string, lines ...string) string {
	t.Helper()
	args := []string{"cli", "--state-dir", dir}
	for _, l := range lines {
		args = append(args, "-c", l)
	}
	var out, errb bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("sipslb %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.String()
}

// screen is `sipslb cli` running on a pty, seen through a VT100 emulator
// (which also answers readline's cursor-position queries).
type screen struct {
	t    *testing.T
	ptmx *os.File
	vt   vt10x.Terminal
	cmd  *exec.Cmd

	exited  chan struct{}
	exitErr error
	drained chan struct{} // the reader saw the pty's end: all output is on screen
}

func startCLI(t *testing.T, bin, dir string) *screen {
	t.Helper()
	cmd := exec.Command(bin, "cli", "--state-dir", dir)
	cmd.Env = append(os.Environ(), "TERM=xterm")
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: cols, Rows: rows})
	if err != nil {
		t.Fatalf("start cli on a pty: %v", err)
	}
	s := &screen{t: t, ptmx: ptmx, cmd: cmd, exited: make(chan struct{}), drained: make(chan struct{})}
	s.vt = vt10x.New(vt10x.WithWriter(ptmx), vt10x.WithSize(cols, rows))
	go func() {
		defer close(s.drained)
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			if n > 0 {
				s.vt.Write(buf[:n])
			}
			if err != nil {
				return
			}
		}
	}()
	go func() { s.exitErr = cmd.Wait(); close(s.exited) }()
	t.Cleanup(func() {
		select {
		case <-s.exited:
		default:
			cmd.Process.Kill()
			<-s.exited
		}
		ptmx.Close()
	})
	return s
}

// text is the whole screen, each row without trailing blanks.
func (s *screen) text() string {
	var b strings.Builder
	for y := 0; y < rows; y++ {
		b.WriteString(s.line(y))
		b.WriteByte('\n')
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

// line returns row y of the screen without trailing blanks.
func (s *screen) line(y int) string {
	s.vt.Lock()
	defer s.vt.Unlock()
	var b strings.Builder
	for x := 0; x < cols; x++ {
		b.WriteRune(s.vt.Cell(x, y).Char)
	}
	return strings.TrimRight(b.String(), " \x00")
}

// cursorLine is the row the cursor is on: the prompt and what is typed.
func (s *screen) cursorLine() string {
	s.vt.Lock()
	y := s.vt.Cursor().Y
	s.vt.Unlock()
	return s.line(y)
}

func (s *screen) send(keys string) {
	s.t.Helper()
	if _, err := s.ptmx.Write([]byte(keys)); err != nil {
		s.t.Fatalf("typing %q: %v", keys, err)
	}
}

// wait polls the screen until cond holds, or fails the test showing it.
func (s *screen) wait(what string, cond func() bool) {
	s.t.Helper()
	deadline := time.Now().Add(waitFor)
	for !cond() {
		if time.Now().After(deadline) {
			s.t.Fatalf("after %v still waiting for %s; cursor line %q; screen:\n%s", waitFor, what, s.cursorLine(), s.text())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitLine waits until the cursor line reads exactly want (a prompt, then
// whatever the user has typed after it).
func (s *screen) waitLine(want string) {
	s.t.Helper()
	s.wait(fmt.Sprintf("cursor line %q", want), func() bool { return s.cursorLine() == want })
}

// waitExit waits for the CLI to exit and returns its status.
func (s *screen) waitExit() int {
	s.t.Helper()
	select {
	case <-s.exited:
	case <-time.After(waitFor):
		s.t.Fatalf("cli still running after %v; screen:\n%s", waitFor, s.text())
	}
	// The exit can be seen before the reader has put the last output on
	// the screen; the pty reports its end once all of it was read.
	select {
	case <-s.drained:
	case <-time.After(5 * time.Second):
	}
	var ee *exec.ExitError
	if errors.As(s.exitErr, &ee) {
		return ee.ExitCode()
	}
	if s.exitErr != nil {
		s.t.Fatalf("cli wait: %v", s.exitErr)
	}
	return 0
}

// findRow returns the last row whose text equals want, or -1.
func (s *screen) findRow(want string) int {
	for y := rows - 1; y >= 0; y-- {
		if s.line(y) == want {
			return y
		}
	}
	return -1
}
