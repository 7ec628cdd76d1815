package console

import (
	"bytes"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/carapace-sh/carapace"
	"github.com/carapace-sh/carapace/pkg/x"
	rconsole "github.com/reeflective/console"
	"github.com/spf13/cobra"

	"sipslb/cli/commands"
	"sipslb/cli/ctl"
	"sipslb/slb/config"
	"sipslb/slb/status"
)

// stubBackend accepts every config; these tests are about the front end,
// the interpreter behind the socket is the real one. The embedded
// interface covers methods these tests never reach.
type stubBackend struct{ commands.Backend }

func (stubBackend) Apply(*config.Config) error { return nil }
func (stubBackend) Status() *status.Snapshot   { return nil }
func (stubBackend) SIPHash(string, string) ([]status.HashRoute, error) {
	return nil, errors.New("no data path in this test")
}
func (stubBackend) SaveStartup([]byte) error     { return errors.New("no store in this test") }
func (stubBackend) LoadStartup() ([]byte, error) { return nil, errors.New("no store in this test") }
func (stubBackend) EraseStartup() error          { return errors.New("no store in this test") }
func (stubBackend) Version() string              { return "test" }

type testSession struct {
	*session
	c     *ctl.Client
	out   *bytes.Buffer
	exits []int
}

// newTestSession opens a session on a real control server and interpreter
// in this process, as an administrator (by token, whatever uid runs it).
func newTestSession(t *testing.T) *testSession {
	t.Helper()
	dir, err := os.MkdirTemp("", "slbu")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "s.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	srv := &ctl.Server{In: commands.New(stubBackend{}, nil), Log: slog.New(slog.DiscardHandler)}
	go srv.Serve(ln)
	tok := srv.IssueToken(ctl.Identity{User: "admin", Priv: commands.PrivSuper, From: "test"})
	c, err := ctl.Dial(sock, tok)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ts := &testSession{c: c, out: &bytes.Buffer{}}
	ts.session = &session{
		d:      c,
		prompt: func() string { return c.Prompt },
		out:    ts.out,
		exit:   func(code int) { ts.exits = append(ts.exits, code) },
	}
	return ts
}

// setup runs lines that must succeed, then forgets their output.
func (ts *testSession) setup(t *testing.T, lines ...string) {
	t.Helper()
	for _, l := range lines {
		ts.run(l)
	}
	if strings.Contains(ts.out.String(), "%") {
		t.Fatalf("setup failed:\n%s", ts.out.String())
	}
	ts.out.Reset()
}

func caret(indent int) string { return strings.Repeat(" ", indent) + "^\n" }

const invalid = "% Invalid input detected at '^' marker.\n"

func TestRun(t *testing.T) {
	tests := []struct {
		name       string
		setup      []string
		line       string
		wantOut    string
		wantPrompt string
		wantExits  []int
	}{
		{"mode change prints nothing", nil, "configure terminal", "", "sipslb(config)#", nil},
		{"abbreviated", nil, "conf t", "", "sipslb(config)#", nil},
		{"caret past the exec prompt", nil, "bogus", caret(len("sipslb#")) + invalid, "sipslb#", nil},
		{"caret past a config prompt", []string{"configure terminal"}, "server bogus",
			caret(len("sipslb(config)#server ")) + invalid, "sipslb(config)#", nil},
		{"extra blanks keep the caret on the word", []string{"configure terminal"}, "server   bogus",
			caret(len("sipslb(config)#server   ")) + invalid, "sipslb(config)#", nil},
		{"sub-mode", []string{"configure terminal"}, "server real rs1 127.77.2.1", "", "sipslb(config-rs-rs1)#", nil},
		{"hostname changes the prompt", []string{"configure terminal"}, "hostname edge1", "", "edge1(config)#", nil},
		{"exit at exec closes the session", nil, "exit", "", "", []int{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestSession(t)
			ts.setup(t, tt.setup...)
			ts.run(tt.line)
			if got := ts.out.String(); got != tt.wantOut {
				t.Errorf("output:\n%q\nwant:\n%q", got, tt.wantOut)
			}
			if tt.wantPrompt != "" && ts.prompt() != tt.wantPrompt {
				t.Errorf("prompt %q, want %q", ts.prompt(), tt.wantPrompt)
			}
			if !slices.Equal(ts.exits, tt.wantExits) {
				t.Errorf("exits %v, want %v", ts.exits, tt.wantExits)
			}
		})
	}
}

func TestRunShowsOutput(t *testing.T) {
	ts := newTestSession(t)
	ts.setup(t, "configure terminal", "server real rs1 127.77.2.1", "end")
	ts.run("show running-config")
	if !strings.Contains(ts.out.String(), "server real rs1 127.77.2.1\n") {
		t.Errorf("show running-config output lacks the real server:\n%s", ts.out.String())
	}
}

func TestRunLostDaemon(t *testing.T) {
	ts := newTestSession(t)
	ts.c.Close()
	ts.run("show version")
	if !slices.Equal(ts.exits, []int{2}) {
		t.Errorf("exits %v, want [2]", ts.exits)
	}
	if !strings.HasPrefix(ts.out.String(), "% lost the daemon: ") {
		t.Errorf("output %q, want a lost-daemon report", ts.out.String())
	}
}

func TestLineHook(t *testing.T) {
	tests := []struct {
		name   string
		raw    *string // the line as readline accepted it, if captured
		args   []string
		indent int // where the caret must land
	}{
		{"raw line wins over the parsed words", ptr("server   bogus"), []string{"server", "bogus"}, len("sipslb(config)#server   ")},
		{"parsed words rebuilt without raw", nil, []string{"server", "bogus"}, len("sipslb(config)#server ")},
		{"quoted word stays one word", nil, []string{"server", "real", "a b", "127.77.2.1"}, len("sipslb(config)#server real ")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestSession(t)
			ts.setup(t, "configure terminal")
			if tt.raw != nil {
				ts.raw, ts.hasRaw = *tt.raw, true
			}
			got, err := ts.lineHook(tt.args)
			if err != nil || !slices.Equal(got, []string{noopName}) {
				t.Fatalf("lineHook = %q, %v; want the no-op command", got, err)
			}
			if !strings.HasPrefix(ts.out.String(), caret(tt.indent)) {
				t.Errorf("output:\n%q\nwant a caret at column %d", ts.out.String(), tt.indent)
			}
			if ts.hasRaw {
				t.Error("raw line not consumed")
			}
		})
	}
}

func ptr(s string) *string { return &s }

func TestOnErrorRunsUnsplittableLine(t *testing.T) {
	ts := newTestSession(t)
	ts.setup(t, "configure terminal")
	ts.raw, ts.hasRaw = "hostname it's", true
	ts.onError(rconsole.ParseError{})
	want := caret(len("sipslb(config)#hostname ")) + "% Invalid input detected at '^' marker: a hostname is"
	if !strings.HasPrefix(ts.out.String(), want) {
		t.Errorf("output:\n%q\nwant the daemon's answer starting\n%q", ts.out.String(), want)
	}
}

func TestOnEOF(t *testing.T) {
	tests := []struct {
		name       string
		setup      []string
		ended      bool
		wantPrompt string
		wantExits  []int
	}{
		{"config sub-mode goes to exec", []string{"configure terminal", "server real rs1 127.77.2.1"}, false, "sipslb#", nil},
		{"config goes to exec", []string{"configure terminal"}, false, "sipslb#", nil},
		{"exec logs out", nil, false, "", []int{0}},
		{"end of input ends the session", []string{"configure terminal"}, true, "sipslb(config)#", []int{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestSession(t)
			ts.setup(t, tt.setup...)
			ts.onEOF(tt.ended)
			if tt.wantPrompt != "" && ts.prompt() != tt.wantPrompt {
				t.Errorf("prompt %q, want %q", ts.prompt(), tt.wantPrompt)
			}
			if !slices.Equal(ts.exits, tt.wantExits) {
				t.Errorf("exits %v, want %v", ts.exits, tt.wantExits)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	tests := []struct {
		name   string
		setup  []string
		before string
		want   string
	}{
		{"argument", []string{"configure terminal"}, "server real ", "  REAL    real server name\n"},
		{"partial word", []string{"configure terminal"}, "ho", "  hostname    Set the system name (the prompt)\n"},
		{"bad word", nil, "bogus ", caret(len("sipslb#")) + invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestSession(t)
			ts.setup(t, tt.setup...)
			if got := ts.help(tt.before); got != tt.want {
				t.Errorf("help(%q):\n%q\nwant:\n%q", tt.before, got, tt.want)
			}
		})
	}
}

// TestTree checks the cobra tree against the daemon: one visible
// subcommand per word valid at the start of a line, with its help, plus
// the hidden no-op that runs silently.
func TestTree(t *testing.T) {
	for _, mode := range []struct {
		name  string
		setup []string
	}{{"exec", nil}, {"config", []string{"configure terminal"}}, {"config-rs", []string{"configure terminal", "server real rs1 127.77.2.1"}}} {
		t.Run(mode.name, func(t *testing.T) {
			ts := newTestSession(t)
			ts.setup(t, mode.setup...)
			resp, err := ts.c.Complete("")
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{}
			for _, it := range resp.Items {
				want[it.Word] = it.Help
			}
			root := ts.commands()
			got := map[string]string{}
			for _, c := range root.Commands() {
				if !c.Hidden {
					got[c.Name()] = c.Short
				}
			}
			if len(want) == 0 || !mapsEqual(got, want) {
				t.Errorf("subcommands %v\nwant %v", got, want)
			}
			var cobraOut bytes.Buffer
			root.SetOut(&cobraOut)
			root.SetErr(&cobraOut)
			root.SetArgs([]string{noopName})
			if err := root.Execute(); err != nil || cobraOut.Len() != 0 {
				t.Errorf("no-op command: err %v, output %q", err, cobraOut.String())
			}
			if !root.SilenceErrors || !root.SilenceUsage {
				t.Error("cobra errors or usage not silenced")
			}
		})
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestTabCompletion runs carapace over the tree the way console does on
// Tab, so the names come from the daemon through the completion callback.
func TestTabCompletion(t *testing.T) {
	ts := newTestSession(t)
	ts.setup(t, "configure terminal", "server real rs1 127.77.2.1", "exit",
		"server real proxy-a 127.77.2.2", "exit", "server real rs2 127.77.2.3", "exit")
	tests := []struct {
		name string
		args []string // words typed, the last one partial
		want []string
	}{
		{"first word", []string{"ho"}, []string{"hostname"}},
		{"keyword", []string{"server", "re"}, []string{"real"}},
		{"defined names by prefix", []string{"server", "real", "r"}, []string{"rs1", "rs2"}},
		{"one defined name", []string{"server", "real", "rs1"}, []string{"rs1"}},
		{"all defined names", []string{"server", "real", ""}, []string{"proxy-a", "rs1", "rs2"}},
		{"abbreviated command word", []string{"serv", "real", "p"}, []string{"proxy-a"}},
		{"nothing fits", []string{"server", "bogus", ""}, nil},
	}
	cobra.EnablePrefixMatching = true // as newConsole sets it
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := ts.commands()
			carapace.Gen(root)
			exp, err := x.Complete(root, append([]string{"sipslb", "_carapace"}, tt.args...)...)
			x.ClearStorage()
			if err != nil {
				t.Fatal(err)
			}
			// carapace lists every candidate; readline keeps those the
			// partial word starts (ignoring case, as configured).
			partial := strings.ToLower(tt.args[len(tt.args)-1])
			var got []string
			for _, v := range exp.Values {
				if strings.HasPrefix(strings.ToLower(v.Value), partial) {
					got = append(got, v.Value)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("completions of %q = %q, want %q", tt.args, got, tt.want)
			}
		})
	}
}

func TestRebuild(t *testing.T) {
	tests := []struct {
		name  string
		words []string
		want  string
	}{
		{"plain words", []string{"server", "real", "rs1"}, "server real rs1"},
		{"blank inside a word", []string{"description", "core proxy"}, `description "core proxy"`},
		{"empty word", []string{"description", ""}, `description ""`},
		{"no words", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rebuild(tt.words); got != tt.want {
				t.Errorf("rebuild(%q) = %q, want %q", tt.words, got, tt.want)
			}
		})
	}
}

func TestInConfig(t *testing.T) {
	tests := []struct {
		prompt string
		want   bool
	}{
		{"sipslb>", false},
		{"sipslb#", false},
		{"sipslb(config)#", true},
		{"sipslb(config-rs-rs1)#", true},
		{"sipslb(config-vs-v1)#", true},
	}
	for _, tt := range tests {
		t.Run(tt.prompt, func(t *testing.T) {
			if got := inConfig(tt.prompt); got != tt.want {
				t.Errorf("inConfig(%q) = %v, want %v", tt.prompt, got, tt.want)
			}
		})
	}
}
