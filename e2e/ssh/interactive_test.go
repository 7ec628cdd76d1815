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

	"sipslb/e2e/internal/harness"
)

// startTTY runs `ssh -tt` to d as c on a 100 x 30 pty of the test's.
func startTTY(t *testing.T, d *lb, c client) *harness.Screen {
	t.Helper()
	args, env := c.args(d.port)
	cmd := exec.Command("ssh", append(args, "-tt", serverIP)...)
	cmd.Env = append(os.Environ(), env...)
	return harness.StartScreen(t, cmd, 100, 30)
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
	s.WaitLine("lb1#")
	s.Send("configure terminal\r")
	s.WaitLine("lb1(config)#")

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

	s.Send("hostname edge7\r")
	s.WaitLine("edge7(config)#")
	s.Send("end\r")
	s.WaitLine("edge7#")

	// The window size set at login, then a change, reach the CLI's pty.
	var kids []int
	harness.WaitFor(t, 15*time.Second, "the sipslb cli child", func() bool { kids = cliChildren(t, d.Cmd.Process.Pid); return len(kids) == 1 })
	if r, c, err := ptySize(kids[0]); err != nil || r != 30 || c != 100 {
		t.Errorf("CLI pty size %dx%d (%v), want 30x100", r, c, err)
	}
	if err := pty.Setsize(s.PTY(), &pty.Winsize{Rows: 40, Cols: 120}); err != nil {
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
	s.Send("exit\r")
	select {
	case <-s.Exited():
	case <-time.After(5 * time.Second):
		s.Send("\x15exit\r") // Ctrl-U clears whatever half line is left
	}
	if code := s.WaitExit(); code != 0 {
		t.Errorf("ssh exit %d after logout; screen:\n%s", code, s.Text())
	}
	harness.WaitFor(t, 15*time.Second, "the CLI child to be gone", func() bool { return len(cliChildren(t, d.Cmd.Process.Pid)) == 0 })

	// A read-only user: user exec, enable keeps privilege 5, config refused.
	s2 := startTTY(t, d, client{u: ro, password: ro.password, from: "127.41.0.6"})
	s2.WaitLine("edge7>")
	s2.Send("enable\r")
	s2.WaitLine("edge7#")
	s2.Send("configure terminal\r")
	s2.Wait("access denied", func() bool { return strings.Contains(s2.Text(), "% Access denied: user ro is read-only (privilege 5)") })
	s2.WaitLine("edge7#")
	s2.Send("exit\r")
	s2.WaitExit()
}
