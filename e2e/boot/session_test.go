package boot

import (
	"io"
	"os/exec"
	"path/filepath"
	"testing"

	"sipslb/cli/ctl"
)

// session is a live control-socket session, as an interactive CLI holds.
type session struct {
	t *testing.T
	c *ctl.Client
}

func dialSession(t *testing.T, d *daemon) *session {
	t.Helper()
	c, err := ctl.Dial(filepath.Join(d.dir, "sipslb.sock"), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &session{t: t, c: c}
}

// exec runs a line and returns its output and its rendered error.
func (s *session) exec(line string) (string, string) {
	s.t.Helper()
	resp, err := s.c.Exec(line)
	if err != nil {
		s.t.Fatal(err)
	}
	e := ""
	if resp.Err != nil {
		e = resp.Err.Parse().Render(0)
	}
	return resp.Out, e
}

func (s *session) prompt() string { return s.c.Prompt }

func runStdin(stdin io.Reader, args ...string) (string, string, int) {
	cmd := exec.Command(bin, args...)
	cmd.Stdin = stdin
	var o, e bytesBuf
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	}
	return o.String(), e.String(), code
}

type bytesBuf struct{ b []byte }

func (w *bytesBuf) Write(p []byte) (int, error) { w.b = append(w.b, p...); return len(p), nil }
func (w *bytesBuf) String() string              { return string(w.b) }
