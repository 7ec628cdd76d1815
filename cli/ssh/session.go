package ssh

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/creack/pty"
	glssh "github.com/gliderlabs/ssh"

	"sipslb/cli/commands"
	"sipslb/cli/parse"
	"sipslb/slb/config"
)

// session is one SSH session channel being served.
type session struct {
	user      string
	priv      int
	from      string
	lastInput atomic.Int64 // unix nanoseconds
	closeOnce sync.Once
	kill      func(why string) // ends the session with a message to the user
}

func (ss *session) touch() { ss.lastInput.Store(time.Now().UnixNano()) }

// end closes the session once, telling the user why.
func (ss *session) end(why string) { ss.closeOnce.Do(func() { ss.kill(why) }) }

// dropSessionsLocked ends the sessions whose user is gone from c or was
// lowered to read-only.
func (s *Server) dropSessionsLocked(c *config.Config) {
	for ss := range s.sessions {
		u := c.User(ss.user)
		switch {
		case u == nil:
			s.log.Info("ssh: user removed; closing the session", "user", ss.user, "from", ss.from)
			go ss.end("your user account was removed")
		case u.Priv > ss.priv:
			s.log.Info("ssh: user lowered to read-only; closing the session", "user", ss.user, "from", ss.from)
			go ss.end("your privilege level was lowered")
		}
	}
}

func (s *Server) track(ss *session, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if on {
		s.sessions[ss] = struct{}{}
	} else {
		delete(s.sessions, ss)
	}
}

// watchIdle ends ss when no input arrived for the configured idle time.
func (s *Server) watchIdle(ss *session, done <-chan struct{}) {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		limit := s.cfg.Load().SSH.IdleTimeout
		if limit <= 0 {
			continue
		}
		if idle := time.Since(time.Unix(0, ss.lastInput.Load())); idle >= limit {
			s.log.Info("ssh: idle timeout", "user", ss.user, "from", ss.from, "idle", idle.Truncate(time.Second))
			ss.end(fmt.Sprintf("idle for %s, session closed", limit))
			return
		}
	}
}

// inputReader marks the session active on every read from the client.
type inputReader struct {
	r  io.Reader
	ss *session
}

func (ir inputReader) Read(p []byte) (int, error) {
	n, err := ir.r.Read(p)
	if n > 0 {
		ir.ss.touch()
	}
	return n, err
}

func (s *Server) handle(gs glssh.Session) {
	if slot, ok := gs.Context().Value(ctxSlot).(*loginSlot); ok {
		slot.started.Store(true)
		slot.done() // logged in: no longer counted against the pre-auth limits
	}
	u := s.cfg.Load().User(gs.User())
	if u == nil { // removed between authentication and now
		gs.Exit(1)
		return
	}
	ss := &session{user: u.Name, priv: u.Priv, from: "ssh " + gs.RemoteAddr().String()}
	ss.touch()
	ptyReq, winCh, isPty := gs.Pty()
	kind := "exec"
	if gs.RawCommand() == "" {
		kind = "shell"
	}
	s.log.Info("ssh: session", "user", ss.user, "priv", ss.priv, "from", ss.from, "kind", kind, "pty", isPty)
	if isPty && gs.RawCommand() == "" {
		s.interactive(gs, ss, ptyReq, winCh)
		return
	}
	s.batch(gs, ss, isPty)
}

// interactive runs `sipslb cli` on a pty for the user.
func (s *Server) interactive(gs glssh.Session, ss *session, req glssh.Pty, winCh <-chan glssh.Window) {
	tok := s.o.Issue(ss.user, ss.priv, ss.from)
	cmd := exec.Command(s.o.Exe, "cli", "--state-dir", s.o.StateDir)
	term := req.Term
	if term == "" {
		term = "vt100"
	}
	cmd.Env = []string{"TERM=" + term, "SIPSLB_SESSION_TOKEN=" + tok, "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/"}
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: uint16(req.Window.Height), Cols: uint16(req.Window.Width)})
	if err != nil {
		s.log.Error("ssh: cannot start the CLI", "err", err)
		fmt.Fprintf(gs.Stderr(), "%% cannot start the CLI: %v\r\n", err)
		gs.Exit(1)
		return
	}
	ss.kill = func(why string) {
		fmt.Fprintf(gs, "\r\n%% %s\r\n", why)
		cmd.Process.Kill()
		gs.Close()
	}
	s.track(ss, true)
	defer s.track(ss, false)
	done := make(chan struct{})
	defer close(done)
	go s.watchIdle(ss, done)
	// Setsize goes through f.Fd(), which races with Close and could hit a
	// reused descriptor after it; fmu orders the two.
	var fmu sync.Mutex
	fClosed := false
	closeF := func() {
		fmu.Lock()
		defer fmu.Unlock()
		if !fClosed {
			fClosed = true
			f.Close()
		}
	}
	go func() {
		for w := range winCh {
			fmu.Lock()
			if !fClosed {
				pty.Setsize(f, &pty.Winsize{Rows: uint16(w.Height), Cols: uint16(w.Width)})
			}
			fmu.Unlock()
		}
	}()
	go func() {
		io.Copy(f, inputReader{gs, ss})
		// The client closed its side: hang up on the CLI.
		cmd.Process.Signal(os.Interrupt)
		closeF()
	}()
	go func() {
		<-gs.Context().Done()
		cmd.Process.Kill()
	}()
	io.Copy(gs, f) // until the CLI exits (EIO on the master)
	err = cmd.Wait()
	closeF()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = max(ee.ExitCode(), 1)
	}
	s.log.Info("ssh: session ended", "user", ss.user, "from", ss.from, "exit", code)
	gs.Exit(code)
}

// batch runs the exec command's lines, or the lines read from a pty-less
// shell, in-process. Output goes to stdout, errors to stderr with the line
// echoed above the caret (as `sipslb cli -c` prints them).
func (s *Server) batch(gs glssh.Session, ss *session, isPty bool) {
	in := s.o.In
	sess := in.Open(ss.user, ss.priv, ss.from)
	defer in.Close(sess)
	var stdout, stderr io.Writer = gs, gs.Stderr()
	if isPty { // the client's terminal is raw: it needs CR LF
		stdout, stderr = crlf{gs}, crlf{gs.Stderr()}
	}
	ss.kill = func(why string) {
		fmt.Fprintf(stderr, "%% %s\n", why)
		gs.Exit(1)
	}
	s.track(ss, true)
	defer s.track(ss, false)
	done := make(chan struct{})
	defer close(done)
	go s.watchIdle(ss, done)

	code := 0
	run := func(line string) bool {
		ss.touch()
		var out strings.Builder
		err := in.Exec(sess, line, &out)
		io.WriteString(stdout, out.String())
		if err != nil {
			code = 1
			var pe *parse.Error
			if errors.As(err, &pe) {
				fmt.Fprintf(stderr, "%s\n%s", line, pe.Render(0))
			} else {
				fmt.Fprintf(stderr, "%s\n%% %v\n", line, err)
			}
		}
		return sess.Mode != commands.ModeClosed
	}
	if cmd := gs.RawCommand(); cmd != "" {
		for _, line := range strings.Split(cmd, "\n") {
			if !run(line) {
				break
			}
		}
	} else {
		sc := bufio.NewScanner(inputReader{gs, ss})
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() && run(sc.Text()) {
		}
	}
	s.log.Info("ssh: session ended", "user", ss.user, "from", ss.from, "exit", code)
	gs.Exit(code)
}

// crlf turns LF into CR LF for a client whose terminal is in raw mode.
type crlf struct{ w io.Writer }

func (c crlf) Write(p []byte) (int, error) {
	if _, err := io.WriteString(c.w, strings.ReplaceAll(string(p), "\n", "\r\n")); err != nil {
		return 0, err
	}
	return len(p), nil
}
