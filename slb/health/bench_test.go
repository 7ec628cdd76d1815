package health

import (
	"net/netip"
	"testing"
)

// Probes are rare (one per target per interval), so these only show the cost
// of building and matching one; they are not a hot path.

func BenchmarkAppendRequest(b *testing.B) {
	c := defaultCheck(netip.MustParseAddrPort("127.77.0.1:5060"))
	local := netip.MustParseAddrPort("127.77.0.2:40000")
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for i := range b.N {
		p := newProbe(c.Method, uint32(i))
		buf = appendRequest(buf[:0], &p, &c, c.Target, local)
	}
}

func BenchmarkParseResponse(b *testing.B) {
	c := defaultCheck(netip.MustParseAddrPort("127.77.0.1:5060"))
	p := newProbe(c.Method, 1)
	req := appendRequest(nil, &p, &c, c.Target, netip.MustParseAddrPort("127.77.0.2:40000"))
	resp := answer(request{raw: req}, 200)
	b.ReportAllocs()
	for range b.N {
		r, err := parseResponse(resp)
		if err != nil || !r.matches(&p) {
			b.Fatal("no match")
		}
	}
}

func TestParseResponseAllocs(t *testing.T) {
	c := defaultCheck(netip.MustParseAddrPort("127.77.0.1:5060"))
	p := newProbe(c.Method, 1)
	req := appendRequest(nil, &p, &c, c.Target, netip.MustParseAddrPort("127.77.0.2:40000"))
	resp := answer(request{raw: req}, 200)
	if n := testing.AllocsPerRun(100, func() {
		r, _ := parseResponse(resp)
		_ = r.matches(&p)
	}); n != 0 {
		t.Errorf("parse and match allocate %v times per answer", n)
	}
}
