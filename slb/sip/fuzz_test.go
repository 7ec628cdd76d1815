package sip

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"sipslb/slb/reason"
)

// FuzzScan feeds arbitrary bytes to Scan and, when it accepts them, to
// every rewriter, checking the package invariants: no panic, every span
// inside the buffer, a routable message has a Call-ID and a Via, and what
// the rewriters produce scans again with the same Call-ID, and a forwarded
// request's client Via sends responses to the request's source. The committed
// corpus in testdata/fuzz/FuzzScan holds real-world shapes (INVITE,
// REGISTER, 200 OK, ACK, BYE, compact forms); the RFC 4475 files are added
// here.
func FuzzScan(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "rfc4475", "*", "*.sip"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(typicalInvite)
	f.Add(typical200)
	src := netip.MustParseAddrPort("198.51.100.7:40001")
	f.Fuzz(func(t *testing.T, b []byte) {
		var m Msg
		r := Scan(b, &m)
		if int(r) >= reason.Num {
			t.Fatalf("reason %d out of range", r)
		}
		checkSpans(t, b, &m)
		if r != reason.OK {
			return
		}
		if m.CallID.Len == 0 || m.ViaCount == 0 || m.Via[0].End <= m.Via[0].Start {
			t.Fatalf("ok without Call-ID or Via: %+v", m)
		}
		if !(m.StartLine.End() <= m.BodyOff && m.BodyOff <= m.End && int(m.End) <= len(b)) {
			t.Fatalf("bad framing: start line ends %d, body %d, end %d, len %d", m.StartLine.End(), m.BodyOff, m.End, len(b))
		}
		callID := m.CallID.Bytes(b)
		m.NextHop(b)
		AppendResponse(nil, b, &m, src, 503, "Service Unavailable", []byte("t"))
		var out Msg
		if m.Request {
			fw := Forward{Host: []byte("192.0.2.100"), Port: 5060, Source: src, RecordRoute: []byte("<sip:192.0.2.100;lr>"), StripRoute: true}
			hop := Hop{Leg: LegToFarm, Ours: netip.MustParseAddrPort("192.0.2.100:5060"), Next: m.Via[0].ReplyTarget(src)}
			fw.Branch = AppendBranch(nil, b, &m, &testKey, hop)
			fwd, r := AppendForwardRequest(nil, b, &m, &fw)
			if r == reason.TooManyHops {
				return
			}
			if r != reason.OK {
				t.Fatalf("AppendForwardRequest = %v", r)
			}
			if r := Scan(fwd, &out); r != reason.OK {
				t.Fatalf("forwarded request scans as %v:\n%q\nfrom\n%q", r, fwd, b)
			}
			if !bytes.Equal(out.CallID.Bytes(fwd), callID) || out.ViaCount != m.ViaCount+1 {
				t.Fatalf("forwarded request lost its Call-ID or Via: %q", fwd)
			}
			// Whatever the client wrote in its Via, the responses go back
			// to where the datagram came from.
			next, ok := out.Via[1].Target(fwd)
			if want := m.Via[0].ReplyTarget(src); !ok || netip.AddrPortFrom(next.Addr().Unmap(), next.Port()) != want {
				t.Fatalf("client Via targets %v %v after forwarding, want %v: %q", next, ok, want, fwd)
			}
			// So a response to it verifies: the branch is bound to that
			// next hop.
			if _, ok := VerifyBranch(fw.Branch, &testKey, hop.Ours, next); !ok {
				t.Fatalf("branch %s does not verify for next hop %v", fw.Branch, next)
			}
			return
		}
		back, r := AppendForwardResponse(nil, b, &m)
		if r == reason.NoNextHop {
			return
		}
		if r != reason.OK {
			t.Fatalf("AppendForwardResponse = %v", r)
		}
		if r := Scan(back, &out); r != reason.OK {
			t.Fatalf("forwarded response scans as %v:\n%q\nfrom\n%q", r, back, b)
		}
		if !bytes.Equal(out.CallID.Bytes(back), callID) || out.ViaCount != m.ViaCount-1 {
			t.Fatalf("forwarded response lost its Call-ID or has %d Vias (was %d): %q", out.ViaCount, m.ViaCount, back)
		}
	})
}

func checkSpans(t *testing.T, b []byte, m *Msg) {
	t.Helper()
	spans := []Span{m.MethodSpan, m.RequestURI, m.StartLine, m.CallID, m.CSeqMethodSpan, m.MaxForwardsSpan,
		m.Route[0], m.Route[1], m.RouteLine, m.RecordRoute, m.To, m.ToTag, m.FromTag}
	for i := range m.Via {
		v := &m.Via[i]
		spans = append(spans, v.Transport, v.Host, v.Branch, v.Received, v.RportParam, v.Line, Span{v.Start, v.End - v.Start})
	}
	for i, s := range spans {
		if s.Off < 0 || s.Len < 0 || int(s.Off)+int(s.Len) > len(b) {
			t.Fatalf("span %d = %+v outside a %d-byte buffer", i, s, len(b))
		}
	}
}
