package harness

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/hinshun/vt10x"
)

// Screen is a program on a pty of the test's (the interactive CLI, or
// `ssh -tt`), seen through a VT100 emulator that also answers the
// program's cursor-position queries, as a terminal would. Every wait is
// bounded (20 s) and shows the screen when it fails; the program is
// killed at cleanup.
type Screen struct {
	Cmd        *exec.Cmd
	Cols, Rows int

	t       testing.TB
	ptmx    *os.File
	vt      vt10x.Terminal
	exited  chan struct{}
	drained chan struct{} // the reader saw the pty's end: all output is on screen
}

// screenWait bounds every wait on a Screen; generous for 2 noisy cores.
const screenWait = 20 * time.Second

// StartScreen starts cmd on a cols x rows pty with TERM=xterm added to its
// environment (cmd.Env, or the test's own when nil).
func StartScreen(t testing.TB, cmd *exec.Cmd, cols, rows int) *Screen {
	t.Helper()
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	cmd.Env = append(cmd.Env, "TERM=xterm")
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: uint16(cols), Rows: uint16(rows)})
	if err != nil {
		t.Fatalf("start %s on a pty: %v", cmd.Path, err)
	}
	s := &Screen{Cmd: cmd, Cols: cols, Rows: rows, t: t, ptmx: ptmx,
		exited: make(chan struct{}), drained: make(chan struct{})}
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
	go func() { cmd.Wait(); close(s.exited) }()
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

// Exited is closed when the program has exited.
func (s *Screen) Exited() <-chan struct{} { return s.exited }

// PTY is the terminal side the program runs on (for its termios, or a
// window size change with pty.Setsize).
func (s *Screen) PTY() *os.File { return s.ptmx }

// Line is row y of the screen without trailing blanks.
func (s *Screen) Line(y int) string {
	s.vt.Lock()
	defer s.vt.Unlock()
	var b strings.Builder
	for x := 0; x < s.Cols; x++ {
		b.WriteRune(s.vt.Cell(x, y).Char)
	}
	return strings.TrimRight(b.String(), " \x00")
}

// Text is the whole screen, each row without trailing blanks, ending in
// one newline.
func (s *Screen) Text() string {
	var b strings.Builder
	for y := 0; y < s.Rows; y++ {
		b.WriteString(s.Line(y))
		b.WriteByte('\n')
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

// CursorLine is the row the cursor is on: the prompt and what is typed.
func (s *Screen) CursorLine() string {
	s.vt.Lock()
	y := s.vt.Cursor().Y
	s.vt.Unlock()
	return s.Line(y)
}

// FindRow returns the last row whose text equals want, or -1.
func (s *Screen) FindRow(want string) int {
	for y := s.Rows - 1; y >= 0; y-- {
		if s.Line(y) == want {
			return y
		}
	}
	return -1
}

// Send types keys ("\r" is Enter, "\x03" Ctrl-C, "\t" Tab).
func (s *Screen) Send(keys string) {
	s.t.Helper()
	if _, err := s.ptmx.Write([]byte(keys)); err != nil {
		s.t.Fatalf("typing %q: %v", keys, err)
	}
}

// Wait polls the screen until cond holds, or fails the test showing it.
func (s *Screen) Wait(what string, cond func() bool) {
	s.t.Helper()
	deadline := time.Now().Add(screenWait)
	for !cond() {
		if time.Now().After(deadline) {
			s.t.Fatalf("after %v still waiting for %s; cursor line %q; screen:\n%s", screenWait, what, s.CursorLine(), s.Text())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// WaitLine waits until the cursor line reads exactly want (a prompt, then
// whatever has been typed after it).
func (s *Screen) WaitLine(want string) {
	s.t.Helper()
	s.Wait(fmt.Sprintf("cursor line %q", want), func() bool { return s.CursorLine() == want })
}

// WaitExit waits for the program to exit and returns its exit status (-1
// when a signal ended it).
func (s *Screen) WaitExit() int {
	s.t.Helper()
	select {
	case <-s.exited:
	case <-time.After(screenWait):
		s.t.Fatalf("%s still running after %v; screen:\n%s", s.Cmd.Path, screenWait, s.Text())
	}
	// The exit can be seen before the reader has put the last output on
	// the screen; the pty reports its end once all of it was read.
	select {
	case <-s.drained:
	case <-time.After(5 * time.Second):
	}
	return s.Cmd.ProcessState.ExitCode()
}
