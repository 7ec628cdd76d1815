package commands

import (
	"io"
	"testing"
)

// FuzzLine feeds arbitrary lines to every mode of the interpreter. A line
// may fail, but must never panic, and whatever it leaves as the running
// config must validate and round-trip through running-config.
func FuzzLine(f *testing.F) {
	for _, s := range []string{
		"show running-config", "conf t", "server real rs1 10.0.0.1", "port sip keepalive interval 500ms",
		"bind sip rs1 sip rs2 5070", "no port sip sip-switch", "do sh run", "show ?", "sh?", `port sip keepalive register-aor "sip:a b@c"`,
		"server sip-keepalive status-codes 200-299,401", "no server real rs1", "weight 65000", "\"unterminated", "e", "",
	} {
		f.Add(uint8(0), s)
		f.Add(uint8(2), s)
		f.Add(uint8(3), s)
		f.Add(uint8(4), s)
	}
	f.Fuzz(func(t *testing.T, mode uint8, line string) {
		in := New(&fakeBackend{}, nil)
		s := in.Open("fuzz", PrivSuper, "fuzz")
		for _, setup := range []string{"configure terminal", "server real rs1 10.0.0.1", "port sip", "exit",
			"server real rs2 10.0.0.2", "port 5070", "exit", "server virtual v1 10.0.0.100", "port sip", "bind sip rs1 sip"} {
			if err := in.Exec(s, setup, io.Discard); err != nil {
				t.Fatalf("setup %q: %v", setup, err)
			}
		}
		switch mode % 5 {
		case 0:
			s.Mode = ModeExec
		case 1:
			s.Mode = ModeUser
		case 2:
			s.Mode, s.Obj = ModeConfig, ""
		case 3:
			s.Mode, s.Obj = ModeReal, "rs1"
		case 4:
			s.Mode, s.Obj = ModeVirtual, "v1"
		}
		in.Exec(s, line, io.Discard)
		in.Help(s, line)
		in.Complete(s, line)
		cfg := in.Config()
		if ps := cfg.Validate(); len(ps) > 0 {
			t.Fatalf("line %q left an invalid config: %v", line, ps)
		}
		text := Render(cfg)
		got, errs := Check([]byte(text))
		if len(errs) > 0 || Render(got) != text {
			t.Fatalf("line %q: running-config does not replay: %v\n%s", line, errs, text)
		}
	})
}
