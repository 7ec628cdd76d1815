package commands

import (
	"errors"
	"io"
	"strings"
	"testing"

	"sipslb/cli/parse"
)

// TestValueInjectionRefused: a quoted value holding a newline used to be
// accepted; write memory then saved it as two lines and the next reload
// ran the second one (hostname INJECTED) and lost the value. Every control
// character and every byte that is not UTF-8 is refused at its column,
// the running config is untouched, and what write memory saves reloads to
// the same running-config.
func TestValueInjectionRefused(t *testing.T) {
	be := &fakeBackend{}
	in := New(be, nil)
	s := in.Open("root", PrivSuper, "test")
	for _, l := range []string{"configure terminal", `snmp-server location "rack 7"`} {
		if err := in.Exec(s, l, io.Discard); err != nil {
			t.Fatalf("%s: %v", l, err)
		}
	}
	before := Render(in.Config())
	for _, bad := range []string{"\n", "\r", "\x1b", "\x07", "\x00", "\x7f", "\u009b", "\xff", "\t"} {
		line := `snmp-server location "x` + bad + `hostname INJECTED` + bad + `!"`
		err := in.Exec(s, line, io.Discard)
		var pe *parse.Error
		if !errors.As(err, &pe) || pe.Kind != parse.ErrInvalid || pe.Pos != strings.Index(line, bad) {
			t.Errorf("%q: err %v, want invalid input at column %d", bad, err, strings.Index(line, bad))
		}
		if got := Render(in.Config()); got != before {
			t.Fatalf("%q changed the running config:\n%s", bad, got)
		}
	}
	// Unquoted, and as a name, too.
	for _, line := range []string{"hostname a\x1bb", "server real r\n1 10.0.0.1", "username u\rx privilege 5 password pw"} {
		if err := in.Exec(s, line, io.Discard); err == nil {
			t.Errorf("%q accepted", line)
		}
	}
	in.Exec(s, "end", io.Discard)
	if err := in.Exec(s, "write memory", io.Discard); err != nil {
		t.Fatal(err)
	}
	if _, err := in.Load(be.startup, "startup-config"); err != nil {
		t.Fatal(err)
	}
	if got := Render(in.Config()); got != before || strings.Contains(got, "INJECTED") {
		t.Fatalf("reload changed the config:\n%s\nwant\n%s", got, before)
	}
}

// TestShowEscapesControlBytes: a startup-config edited by hand may hold
// escape sequences; show startup-config, show startup-config errors and
// show log print them as \xNN, never as raw bytes that a terminal acts on.
func TestShowEscapesControlBytes(t *testing.T) {
	be := &fakeBackend{startup: []byte("hostname ok\nsnmp-server location \"a\x1b[2Jb\"\nbogus \x07\x1b]0;pwned\x07\n\x9b31m\nend\n")}
	in := New(be, nil)
	if _, err := in.Load(be.startup, "startup-config"); err != nil {
		t.Fatal(err)
	}
	s := in.Open("root", PrivSuper, "test")
	for _, cmd := range []string{"show startup-config errors", "show log", "show startup-config"} {
		var out strings.Builder
		if err := in.Exec(s, cmd, &out); err != nil {
			t.Fatalf("%s: %v", cmd, err)
		}
		got := out.String()
		if i := strings.IndexFunc(got, func(r rune) bool { return r != '\n' && (r < 0x20 || r == 0x7f || r == 0xfffd) }); i >= 0 {
			t.Errorf("%s prints a raw control byte at %d:\n%q", cmd, i, got)
		}
		if cmd != "show log" && !strings.Contains(got, `\x1b`) {
			t.Errorf("%s does not show the escape as \\x1b:\n%s", cmd, got)
		}
	}
	if in.Config().SNMP.Location != "" {
		t.Errorf("a location with ESC loaded: %q", in.Config().SNMP.Location)
	}
}
