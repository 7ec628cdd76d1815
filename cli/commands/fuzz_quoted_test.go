package commands

import (
	"io"
	"strings"
	"testing"
)

// FuzzQuotedValue puts arbitrary bytes inside the quotes of every command
// that takes free text, typed in config mode. Either the line is refused
// and the running config is unchanged, or the value is stored exactly as
// typed and running-config replays to the same bytes and the same value:
// what write memory saves is what the next reload runs, nothing more.
func FuzzQuotedValue(f *testing.F) {
	for _, v := range []string{"rack 7", "x\nhostname INJECTED\n!", "a\rb", "\x1b[2J", "bell\x07", "é ü", "", " ", "\xff\xfe",
		"\u009b31m", "tab\there", `a"b`, `a\b`, "!", "end", "a\x00b", "sip:a b@c", "  leading"} {
		f.Add(v)
	}
	lines := []struct {
		cmd   string // %s is the quoted value
		value func(*Interp) string
	}{
		{`snmp-server location "%s"`, func(in *Interp) string { return in.cfg.SNMP.Location }},
		{`snmp-server contact "%s"`, func(in *Interp) string { return in.cfg.SNMP.Contact }},
		{`server sip-keepalive register-aor "%s"`, func(in *Interp) string { return in.cfg.Health.AoR }},
		{`snmp-server community "%s" ro`, func(in *Interp) string {
			if len(in.cfg.SNMP.Communities) == 0 {
				return ""
			}
			return in.cfg.SNMP.Communities[0].Name
		}},
	}
	f.Fuzz(func(t *testing.T, v string) {
		for _, l := range lines {
			in := New(&fakeBackend{}, nil)
			s := in.Open("fuzz", PrivSuper, "fuzz")
			if err := in.Exec(s, "configure terminal", io.Discard); err != nil {
				t.Fatal(err)
			}
			before := Render(in.Config())
			line := strings.Replace(l.cmd, "%s", v, 1)
			if err := in.Exec(s, line, io.Discard); err != nil {
				if got := Render(in.Config()); got != before {
					t.Fatalf("%q refused (%v) but the config changed:\n%s", line, err, got)
				}
				continue
			}
			if got := l.value(in); got != v && !(strings.TrimSpace(v) == "" && got == "") {
				t.Fatalf("%q stored %q, want the typed value", line, got)
			}
			text := Render(in.Config())
			cfg, errs := Check([]byte(text))
			if len(errs) > 0 {
				t.Fatalf("%q: running-config does not replay: %v\n%s", line, errs, text)
			}
			if back := Render(cfg); back != text {
				t.Fatalf("%q: replay differs:\n%s\nwant\n%s", line, back, text)
			}
			in2 := New(&fakeBackend{}, nil)
			in2.cfg = cfg
			if got := l.value(in2); got != l.value(in) {
				t.Fatalf("%q: value after replay %q, before %q", line, got, l.value(in))
			}
		}
	})
}
