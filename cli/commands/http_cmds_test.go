package commands

import (
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"

	"sipslb/slb/config"
)

// genHTTP draws ip http settings for TestRoundTrip.
func genHTTP(r *rand.Rand, h *config.HTTPParams) {
	h.Enabled = r.IntN(2) == 0
	if r.IntN(2) == 0 {
		h.Port = uint16(1 + r.IntN(65535))
	}
	h.AuthLocal = r.IntN(2) == 0
	switch r.IntN(3) {
	case 0:
		h.Listen = netip.MustParseAddr("127.78.0.1")
	case 1:
		h.Listen = netip.MustParseAddr("2001:db8::80")
	}
}

// TestIPHTTP: each ip http command edits its one setting, its no form
// restores the default, and running-config shows exactly what differs.
func TestIPHTTP(t *testing.T) {
	in := New(&fakeBackend{}, nil)
	s := in.Open("root", PrivSuper, "test")
	if _, err := execLines(t, in, s, "configure terminal"); err != nil {
		t.Fatal(err)
	}
	if h := in.Config().HTTP; h != config.DefaultHTTP() || h.Enabled {
		t.Fatalf("factory ip http %+v, want off on port %d", h, config.DefaultHTTPPort)
	}
	steps := []struct {
		line string
		want config.HTTPParams
		text string // the ip http lines of running-config
	}{
		{"ip http server", config.HTTPParams{Enabled: true, Port: 80}, "ip http server\n"},
		{"ip http port 9180", config.HTTPParams{Enabled: true, Port: 9180}, "ip http server\nip http port 9180\n"},
		{"ip http listen-address ::ffff:127.78.0.1", config.HTTPParams{Enabled: true, Port: 9180, Listen: netip.MustParseAddr("127.78.0.1")},
			"ip http server\nip http port 9180\nip http listen-address 127.78.0.1\n"},
		{"no ip http server", config.HTTPParams{Port: 9180, Listen: netip.MustParseAddr("127.78.0.1")},
			"ip http port 9180\nip http listen-address 127.78.0.1\n"},
		{"no ip http port", config.HTTPParams{Port: 80, Listen: netip.MustParseAddr("127.78.0.1")}, "ip http listen-address 127.78.0.1\n"},
		{"no ip http listen-address", config.DefaultHTTP(), ""},
		{"ip http authentication local", config.HTTPParams{Port: 80, AuthLocal: true}, "ip http authentication local\n"},
		{"no ip http authentication", config.DefaultHTTP(), ""},
	}
	for _, st := range steps {
		if _, err := execLines(t, in, s, st.line); err != nil {
			t.Fatalf("%s: %v", st.line, err)
		}
		if got := in.Config().HTTP; got != st.want {
			t.Errorf("after %q: %+v, want %+v", st.line, got, st.want)
		}
		var lines strings.Builder
		for _, l := range strings.SplitAfter(Render(in.Config()), "\n") {
			if strings.HasPrefix(l, "ip http") {
				lines.WriteString(l)
			}
		}
		if lines.String() != st.text {
			t.Errorf("after %q running-config has\n%s\nwant\n%s", st.line, lines.String(), st.text)
		}
	}
	for _, bad := range []string{"ip http port 0", "ip http port 65536", "ip http listen-address 239.1.1.1", "ip http server now", "ip http authentication"} {
		if _, err := execLines(t, in, s, bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if h := in.Config().HTTP; h != config.DefaultHTTP() {
		t.Errorf("refused lines changed ip http: %+v", h)
	}
}
