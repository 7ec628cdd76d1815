package boot

import (
	"path/filepath"
	"testing"

	"sipslb/cli/ctl"
	"sipslb/e2e/internal/harness"
)

// session is a live control-socket session, as an interactive CLI holds.
type session struct {
	t *testing.T
	c *ctl.Client
}

func dialSession(t *testing.T, d *harness.LB) *session {
	t.Helper()
	c, err := ctl.Dial(filepath.Join(d.Dir, "sipslb.sock"), "")
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
