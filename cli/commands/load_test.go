package commands

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// farmConfig is a saved config with n real servers behind one VIP.
func farmConfig(n int) string {
	var b strings.Builder
	b.WriteString("hostname farm\n")
	for i := range n {
		fmt.Fprintf(&b, "server real rs%d 10.1.%d.%d\n port sip\n", i, i/250, i%250+1)
	}
	b.WriteString("server virtual vip 192.0.2.10\n port sip\n")
	for i := range n {
		fmt.Fprintf(&b, " bind sip rs%d sip\n", i)
	}
	b.WriteString("end\n")
	return b.String()
}

func showErrors(t *testing.T, in *Interp) string {
	t.Helper()
	var out bytes.Buffer
	if err := in.Exec(in.Open("root", PrivSuper, "test"), "show startup-config errors", &out); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// TestReloadKeepsRunningConfig: a reload with an empty, truncated, junk or
// over-long file keeps a 150-server running config, says why in `show
// startup-config errors` and `show log`, and a valid file still reloads.
func TestReloadKeepsRunningConfig(t *testing.T) {
	good := farmConfig(150)
	cut := good[:strings.LastIndex(good, "server virtual")] // a copy that stopped part way
	for _, tc := range []struct{ name, text, why string }{
		{"empty", "", TruncatedErr},
		{"truncated", cut, TruncatedErr},
		{"no end", strings.TrimSuffix(good, "end\n"), TruncatedErr},
		{"junk", "\x7fELF\x02\x01\x01 binary garbage\nmore garbage\nend\n", "Invalid input"},
		{"comments only", "! nothing here\n!\n", TruncatedErr},
		{"one bad line", strings.Replace(good, "server real rs7 10.1.0.8", "server real rs7 10.1.0.300", 1), "is not an IPv4"},
		{"long line", "hostname " + strings.Repeat("x", MaxLoadLine+10) + "\nend\n", "unreadable"},
		{"invalid result", "server virtual v 192.0.2.1\n port sip\n bind sip nobody sip\nend\n", "reload of startup-config refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fb := &fakeBackend{}
			in := New(fb, nil)
			if errs, err := in.Load([]byte(good), "startup-config"); err != nil || len(errs) > 0 {
				t.Fatalf("boot load: %v %v", err, errs)
			}
			before := Render(in.Config())
			applied := fb.applied
			_, err := in.Reload([]byte(tc.text), "startup-config")
			if !errors.Is(err, ErrReloadRefused) && tc.name != "invalid result" {
				t.Fatalf("reload: err = %v, want ErrReloadRefused", err)
			}
			if err == nil {
				t.Fatal("reload of a bad file succeeded")
			}
			if got := Render(in.Config()); got != before {
				t.Fatalf("running config changed by a refused reload:\n%s", got)
			}
			if fb.applied != applied {
				t.Errorf("a refused reload reached the backend")
			}
			errs := showErrors(t, in)
			if !strings.Contains(errs, "reload of startup-config refused") || !strings.Contains(errs, "running config was kept") || !strings.Contains(errs, tc.why) {
				t.Errorf("show startup-config errors lacks the refusal (%q):\n%s", tc.why, errs)
			}
			var log bytes.Buffer
			in.Exec(in.Open("root", PrivSuper, "test"), "show log", &log)
			if !strings.Contains(log.String(), "refused") {
				t.Errorf("show log lacks the refusal:\n%s", log.String())
			}
		})
	}
	t.Run("valid", func(t *testing.T) {
		in := New(&fakeBackend{}, nil)
		in.Load([]byte(good), "startup-config")
		next := strings.Replace(farmConfig(3), "hostname farm", "hostname next", 1)
		if errs, err := in.Reload([]byte(next), "startup-config"); err != nil || len(errs) > 0 {
			t.Fatalf("reload of a valid file: %v %v", err, errs)
		}
		if c := in.Config(); c.Hostname != "next" || len(c.Reals) != 3 {
			t.Fatalf("after reload:\n%s", Render(c))
		}
		if errs := showErrors(t, in); !strings.Contains(errs, "No errors") {
			t.Errorf("show startup-config errors after a clean reload:\n%s", errs)
		}
	})
}

// TestBootLoadsWhatItCan: the first load applies the good lines of a
// truncated file and reports the truncation, which `No errors` used to
// hide.
func TestBootLoadsWhatItCan(t *testing.T) {
	good := farmConfig(20)
	cut := good[:strings.LastIndex(good, "server virtual")]
	in := New(&fakeBackend{}, nil)
	errs, err := in.Load([]byte(cut), "startup-config")
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) != 1 || errs[0].Err != TruncatedErr || errs[0].Line != strings.Count(cut, "\n")+1 {
		t.Fatalf("errors = %v, want one truncation after the last line", errs)
	}
	if n := len(in.Config().Reals); n != 20 {
		t.Errorf("%d real servers loaded, want the 20 before the cut", n)
	}
	if got := showErrors(t, in); !strings.Contains(got, "line 42: "+TruncatedErr) {
		t.Errorf("show startup-config errors:\n%s", got)
	}
	if _, errs := Check([]byte(cut)); len(errs) != 1 {
		t.Errorf("check-config of a truncated file: %v", errs)
	}
}
