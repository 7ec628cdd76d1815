package engine

import (
	"strings"
	"testing"
)

// show sip hash applies the scanner's Call-ID rule: a Call-ID the data
// path drops (empty, blanks, control bytes) gets "dropped", never a
// server, on every VIP port; a valid one still gets its server.
func TestSIPHashRefusesWhatTheScannerDrops(t *testing.T) {
	e := newEngine(t)
	c := cfgWith("127.31.220.106", "127.31.220.107")
	c.Reals[0].Ports[0].NoKeepalive = true
	if err := e.Apply(c); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"", "a b", "tab\there", "bell\x07", "del\x7f", "nl\nx"} {
		routes, err := e.SIPHash(id, "")
		if err != nil || len(routes) != 2 {
			t.Fatalf("SIPHash(%q): %+v %v, want one row per VIP port", id, routes, err)
		}
		for _, r := range routes {
			if r.Via != "dropped" || r.Drop != "bad-call-id" || r.Real != "" || !strings.Contains(r.Note, "drops") {
				t.Errorf("SIPHash(%q) on %s: %+v, want dropped (bad-call-id), no server", id, r.Virtual, r)
			}
		}
	}
	routes, err := e.SIPHash("ok@host", "")
	if err != nil || len(routes) != 4 || routes[0].Real == "" || routes[0].Drop != "" {
		t.Errorf("SIPHash(valid): %+v %v", routes, err)
	}
}
