package console

import (
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestInteractiveSession drives `sipslb cli` on a pty through the modes,
// "?" help, Tab completion of a defined name, an error caret and the keys
// that leave a mode, then checks the daemon really ran the lines.
func TestInteractiveSession(t *testing.T) {
	l := startLB(t)
	// A second real server whose name does not start with "r": Tab on
	// "server real r" must pick rs1 among the defined names, not list all.
	l.CLI(t, "configure terminal", "server real proxy-a 127.77.1.2")

	s := startCLI(t, l)
	s.WaitLine("sipslb#")

	s.Send("configure terminal\r")
	s.WaitLine("sipslb(config)#")

	s.Send("server real rs1 127.77.1.1\r")
	s.WaitLine("sipslb(config-rs-rs1)#")

	s.Send("exit\r")
	s.WaitLine("sipslb(config)#")

	// "?" lists the words of config mode with their help, above a prompt
	// that still holds exactly what was typed (no "?").
	s.Send("?")
	helpLines := []*regexp.Regexp{
		regexp.MustCompile(`(?m)^  hostname +Set the system name \(the prompt\)$`),
		regexp.MustCompile(`(?m)^  server +Server load balancing$`),
	}
	for _, re := range helpLines {
		s.Wait("help line "+re.String(), func() bool { return re.MatchString(s.Text()) })
	}
	s.WaitLine("sipslb(config)#")

	// "?" after a partial line keeps the line and lists what may follow.
	s.Send("server real ?")
	s.Wait("REAL argument help", func() bool {
		return regexp.MustCompile(`(?m)^  REAL +real server name$`).MatchString(s.Text())
	})
	s.WaitLine("sipslb(config)#server real")
	s.Send("\x03") // Ctrl-C abandons the line
	s.WaitLine("sipslb(config)#")

	// Tab completes the one defined real server starting with "r".
	s.Send("server real r\t")
	s.Wait("rs1 completed", func() bool {
		return strings.TrimRight(s.CursorLine(), " ") == "sipslb(config)#server real rs1"
	})
	s.Send("\r")
	s.WaitLine("sipslb(config-rs-rs1)#")

	// Ctrl-Z leaves every configuration mode at once, as "end" does.
	s.Send("\x1a")
	s.WaitLine("sipslb#")
	if s.FindRow("sipslb(config-rs-rs1)#end") < 0 {
		t.Errorf("Ctrl-Z did not show the end it ran:\n%s", s.Text())
	}

	// A bad word: the caret sits under it, past the prompt. The line goes
	// to the daemon as typed: extra blanks keep the caret on the word, and
	// an apostrophe (which console's shell-word parser rejects) still
	// reaches the daemon's grammar.
	s.Send("configure terminal\r")
	s.WaitLine("sipslb(config)#")
	for _, bad := range []struct{ line, word, msg string }{
		{"server bogus", "bogus", "% Invalid input detected at '^' marker."},
		{"server   bogus2", "bogus2", "% Invalid input detected at '^' marker."},
		{"hostname it's", "it's", "% Invalid input detected at '^' marker: a hostname is"},
	} {
		s.Send(bad.line + "\r")
		typed := "sipslb(config)#" + bad.line
		s.Wait("error for "+bad.line, func() bool {
			row := s.FindRow(typed)
			return row >= 0 && strings.HasPrefix(s.Line(row+2), bad.msg)
		})
		row := s.FindRow(typed)
		caretCol := strings.Index(typed, bad.word)
		if got, want := s.Line(row+1), strings.Repeat(" ", caretCol)+"^"; got != want {
			t.Errorf("%q: caret line = %q, want %q (caret under %q)\nscreen:\n%s", bad.line, got, want, bad.word, s.Text())
		}
		s.WaitLine("sipslb(config)#")
	}

	// Ctrl-D in a configuration mode goes back to exec mode.
	s.Send("\x04")
	s.WaitLine("sipslb#")

	s.Send("configure terminal\r")
	s.WaitLine("sipslb(config)#")
	s.Send("end\r")
	s.WaitLine("sipslb#")

	s.Send("exit\r")
	if code := s.WaitExit(); code != 0 {
		t.Errorf("cli exit status %d after exit, want 0", code)
	}

	run := l.CLI(t, "show running-config")
	for _, want := range []string{"server real rs1 127.77.1.1", "server real proxy-a 127.77.1.2"} {
		if !strings.Contains(run, want) {
			t.Errorf("running-config lacks %q:\n%s", want, run)
		}
	}
}

// TestInteractiveExecKeys covers the exec prompt: "?" and an abbreviated
// "sh ?", Tab on the first word, Ctrl-Z (a harmless "end" there) and
// Ctrl-D, which logs out with status 0.
func TestInteractiveExecKeys(t *testing.T) {
	l := startLB(t)
	s := startCLI(t, l)
	s.WaitLine("sipslb#")

	s.Send("?")
	for _, re := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^  configure +Enter configuration mode$`),
		regexp.MustCompile(`(?m)^  show +Show running system information$`),
	} {
		s.Wait("help line "+re.String(), func() bool { return re.MatchString(s.Text()) })
	}
	s.WaitLine("sipslb#")

	s.Send("sh ?")
	running := regexp.MustCompile(`(?m)^  running-config +The running configuration$`)
	s.Wait("show's words", func() bool { return running.MatchString(s.Text()) })
	s.WaitLine("sipslb#sh")
	s.Send("\x03")
	s.WaitLine("sipslb#")

	// Ctrl-V, then a literal "?". Two keystrokes as a person types them:
	// readline's quoted-insert reads the terminal afresh and skips a key
	// already buffered with the Ctrl-V (a pasted burst).
	s.Send("\x16")
	time.Sleep(500 * time.Millisecond)
	s.Send("?")
	s.WaitLine("sipslb#?")
	s.Send("\x03")
	s.WaitLine("sipslb#")

	s.Send("conf\t")
	s.Wait("configure completed", func() bool { return strings.TrimRight(s.CursorLine(), " ") == "sipslb#configure" })
	s.Send("t\r")
	s.WaitLine("sipslb(config)#")
	s.Send("\x1a")
	s.WaitLine("sipslb#")

	s.Send("\x1a")
	s.Wait("Ctrl-Z running end at the exec prompt", func() bool { return s.FindRow("sipslb#end") >= 0 })
	s.WaitLine("sipslb#")

	s.Send("\x04")
	if code := s.WaitExit(); code != 0 {
		t.Errorf("cli exit status %d after Ctrl-D at the exec prompt, want 0\nscreen:\n%s", code, s.Text())
	}
}

// TestInteractiveDaemonGone: when the daemon dies, the next line reports
// it and the CLI exits with status 2 (batch.ExitUnreachable).
func TestInteractiveDaemonGone(t *testing.T) {
	l := startLB(t)
	s := startCLI(t, l)
	s.WaitLine("sipslb#")
	l.Cmd.Process.Kill()
	<-l.Exited()
	s.Send("show version\r")
	if code := s.WaitExit(); code != 2 {
		t.Errorf("cli exit status %d after the daemon died, want 2\nscreen:\n%s", code, s.Text())
	}
	if !regexp.MustCompile(`(?m)^% lost the daemon: `).MatchString(s.Text()) {
		t.Errorf("no report of the lost daemon on screen:\n%s", s.Text())
	}
}

// TestInteractiveSIGTERM: console keeps a SIGTERM handler after its first
// command, which swallows the signal; the CLI must still stop on SIGTERM and give
// the terminal back in the mode it found it.
func TestInteractiveSIGTERM(t *testing.T) {
	l := startLB(t)
	s := startCLI(t, l)
	s.WaitLine("sipslb#")
	s.Send("show version\r")
	s.Wait("show version output", func() bool { return s.FindRow("sipslb#show version") >= 0 })
	s.WaitLine("sipslb#")
	before, err := unix.IoctlGetTermios(int(s.PTY().Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if before.Lflag&unix.ICANON != 0 {
		t.Fatal("terminal not in raw mode at the prompt; the check below would prove nothing")
	}
	if err := s.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := s.WaitExit(); code != 128+int(syscall.SIGTERM) {
		t.Errorf("cli exit status %d after SIGTERM, want %d", code, 128+int(syscall.SIGTERM))
	}
	after, err := unix.IoctlGetTermios(int(s.PTY().Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if after.Lflag&(unix.ICANON|unix.ECHO) != unix.ICANON|unix.ECHO {
		t.Errorf("terminal left raw after SIGTERM: lflag %#x", after.Lflag)
	}
}
