package ssh

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/hinshun/vt10x"

	"sipslb/e2e/internal/harness"
)

// screen is `ssh -tt` on a pty of the test's, seen through a VT100
// emulator that also answers the CLI's cursor-position queries.
type screen struct {
	t      *testing.T
	ptmx   *os.File
	vt     vt10x.Terminal
	cmd    *exec.Cmd
	exited chan struct{}
	err    error
	cols   int
	rows   int
}

func startTTY(t *testing.T, d *lb, c client) *screen {
	t.Helper()
	args, env := c.args(d.port)
	cmd := exec.Command("ssh", append(args, "-tt", serverIP)...)
	cmd.Env = append(append(os.Environ(), "TERM=xterm"), env...)
	s := &screen{t: t, cmd: cmd, exited: make(chan struct{}), cols: 100, rows: 30}
	var err error
	s.ptmx, err = pty.StartWithSize(cmd, &pty.Winsize{Cols: uint16(s.cols), Rows: uint16(s.rows)})
	if err != nil {
		t.Fatal(err)
	}
	s.vt = vt10x.New(vt10x.WithWriter(s.ptmx), vt10x.WithSize(s.cols, s.rows))
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := s.ptmx.Read(buf)
			if n > 0 {
				s.vt.Write(buf[:n])
			}
			if err != nil {
				return
			}
		}
	}()
	go func() { s.err = cmd.Wait(); close(s.exited) }()
	t.Cleanup(func() {
		select {
		case <-s.exited:
		default:
			cmd.Process.Kill()
			<-s.exited
		}
		s.ptmx.Close()
	})
	return s
}

func (s *screen) line(y int) string {
	s.vt.Lock()
	defer s.vt.Unlock()
	var b strings.Builder
	for x := 0; x < s.cols; x++ {
		b.WriteRune(s.vt.Cell(x, y).Char)
	}
	return strings.TrimRight(b.String(), " \x00")
}

func (s *screen) text() string {
	var b strings.Builder
	for y := 0; y < s.rows; y++ {
		b.WriteString(s.line(y) + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

func (s *screen) cursorLine() string {
	s.vt.Lock()
	y := s.vt.Cursor().Y
	s.vt.Unlock()
	return s.line(y)
}

func (s *screen) send(keys string) {
	if _, err := s.ptmx.Write([]byte(keys)); err != nil {
		s.t.Fatalf("typing %q: %v", keys, err)
	}
}

func (s *screen) wait(what string, cond func() bool) {
	s.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			s.t.Fatalf("waiting for %s; cursor line %q; screen:\n%s", what, s.cursorLine(), s.text())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *screen) waitPrompt(p string) {
	s.t.Helper()
	s.wait("prompt "+p, func() bool { return s.cursorLine() == p })
}

func (s *screen) waitExit() int {
	s.t.Helper()
	select {
	case <-s.exited:
	case <-time.After(20 * time.Second):
		s.t.Fatalf("ssh still running; screen:\n%s", s.text())
	}
	if s.cmd.ProcessState == nil {
		return -1
	}
	return s.cmd.ProcessState.ExitCode()
}

// cliChildren lists the `sipslb cli` processes the daemon started.
func cliChildren(t *testing.T, daemonPID int) []int {
	t.Helper()
	var out []int
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		s := string(b)
		rest := s[strings.LastIndexByte(s, ')')+2:]
		fields := strings.Fields(rest)
		if len(fields) < 2 || fields[1] != strconv.Itoa(daemonPID) {
			continue
		}
		pid, _ := strconv.Atoi(strings.Fields(s)[0])
		if cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); strings.Contains(string(cmdline), "cli\x00--state-dir") {
			out = append(out, pid)
		}
	}
	return out
}

// ptySize reads the window size of the pty a process has as stdin.
func ptySize(pid int) (rows, cols int, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/fd/0", pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	ws, err := pty.GetsizeFull(f)
	if err != nil {
		return 0, 0, err
	}
	return int(ws.Rows), int(ws.Cols), nil
}

// TestInteractive: `ssh -tt` gets the CLI on a pty: the prompt, config
// mode, window changes reaching the CLI's pty, show users listing the SSH
// session, and a read-only user refused configure terminal.
func TestInteractive(t *testing.T) {
	harness.NeedTools(t, "ssh")
	users(t)
	port := freePort(t, serverIP)
	d := boot(t, "", startupConfig(port), port)

	s := startTTY(t, d, client{u: admin, from: "127.41.0.4"})
	s.waitPrompt("lb1#")
	s.send("configure terminal\r")
	s.waitPrompt("lb1(config)#")

	// show users, from another session, lists this one.
	r := d.ssh(client{u: ro, from: "127.41.0.5"}, "show users")
	if r.code != 0 {
		t.Fatalf("show users: %d %s", r.code, r.stderr)
	}
	contains(t, "show users", r.stdout, "ssh 127.41.0.4:", "ssh 127.41.0.5:")
	for _, l := range strings.Split(r.stdout, "\n") {
		if strings.Contains(l, "ssh 127.41.0.4:") && (!strings.Contains(l, "admin") || !strings.Contains(l, "config")) {
			t.Errorf("the interactive session's row: %q", l)
		}
	}

	s.send("hostname edge7\r")
	s.waitPrompt("edge7(config)#")
	s.send("end\r")
	s.waitPrompt("edge7#")

	// The window size set at login, then a change, reach the CLI's pty.
	var kids []int
	harness.WaitFor(t, 15*time.Second, "the sipslb cli child", func() bool { kids = cliChildren(t, d.Cmd.Process.Pid); return len(kids) == 1 })
	if r, c, err := ptySize(kids[0]); err != nil || r != 30 || c != 100 {
		t.Errorf("CLI pty size %dx%d (%v), want 30x100", r, c, err)
	}
	if err := pty.Setsize(s.ptmx, &pty.Winsize{Rows: 40, Cols: 120}); err != nil {
		t.Fatal(err)
	}
	harness.WaitFor(t, 15*time.Second, "window change on the CLI's pty", func() bool {
		r, c, _ := ptySize(kids[0])
		return r == 40 && c == 120
	})
	// The line editor redraws on SIGWINCH and asks the terminal where the
	// cursor is; keys typed during that exchange can be swallowed, so give
	// it a moment and type exit again if the first one was lost.
	time.Sleep(500 * time.Millisecond)
	s.send("exit\r")
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
		s.send("\x15exit\r") // Ctrl-U clears whatever half line is left
	}
	if code := s.waitExit(); code != 0 {
		t.Errorf("ssh exit %d after logout; screen:\n%s", code, s.text())
	}
	harness.WaitFor(t, 15*time.Second, "the CLI child to be gone", func() bool { return len(cliChildren(t, d.Cmd.Process.Pid)) == 0 })

	// A read-only user: user exec, enable keeps privilege 5, config refused.
	s2 := startTTY(t, d, client{u: ro, password: ro.password, from: "127.41.0.6"})
	s2.waitPrompt("edge7>")
	s2.send("enable\r")
	s2.waitPrompt("edge7#")
	s2.send("configure terminal\r")
	s2.wait("access denied", func() bool { return strings.Contains(s2.text(), "% Access denied: user ro is read-only (privilege 5)") })
	s2.waitPrompt("edge7#")
	s2.send("exit\r")
	s2.waitExit()
}
