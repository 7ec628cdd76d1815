package sip

import (
	"net/netip"
	"testing"

	"sipslb/slb/reason"
)

// The hot path contract: nothing per message reaches the heap.
func TestZeroAllocs(t *testing.T) {
	var m, rm Msg
	if Scan(typicalInvite, &m) != reason.OK || Scan(typical200, &rm) != reason.OK {
		t.Fatal("fixtures do not scan")
	}
	dst := make([]byte, 0, 4096)
	branch := make([]byte, 0, 64)
	hop := Hop{Leg: LegToFarm, Ours: netip.MustParseAddrPort("192.0.2.100:5060"), Next: netip.MustParseAddrPort("198.51.100.7:40001")}
	branch = AppendBranch(branch, typicalInvite, &m, &testKey, hop)
	f := Forward{Host: vipHost, Port: 5060, Branch: branch, Source: netip.MustParseAddrPort("198.51.100.7:40001"),
		RecordRoute: []byte("<sip:192.0.2.100;lr>"), StripRoute: true}
	wsinv := readTorture(t, "valid", "wsinv")
	var wm Msg
	v6 := crlf(options("Via: SIP/2.0/UDP [2001:db8::10]:5062;rport;branch=z9hG4bKc1", "Route: <sip:192.0.2.100;lr>", "Max-Forwards: 70"))
	var v6m Msg
	if Scan(v6, &v6m) != reason.OK {
		t.Fatal("v6 fixture")
	}
	v6f := f
	v6f.Source = netip.MustParseAddrPort("[2001:db8::10]:5062")

	tests := []struct {
		name string
		fn   func()
	}{
		{"Scan INVITE", func() { Scan(typicalInvite, &m) }},
		{"Scan 200", func() { Scan(typical200, &rm) }},
		{"Scan wsinv", func() { Scan(wsinv, &wm) }},
		{"AppendBranch", func() { AppendBranch(branch[:0], typicalInvite, &m, &testKey, hop) }},
		{"VerifyBranch", func() { VerifyBranch(branch, &testKey, hop.Ours, hop.Next) }},
		{"SentBy", func() { rm.Via[0].SentBy(typical200, vipHost, 5060) }},
		{"ReplyTarget", func() { m.Via[0].ReplyTarget(hop.Next) }},
		{"AppendForwardRequest", func() { AppendForwardRequest(dst[:0], typicalInvite, &m, &f) }},
		{"AppendForwardRequest v6 strip", func() { AppendForwardRequest(dst[:0], v6, &v6m, &v6f) }},
		{"AppendForwardResponse", func() { AppendForwardResponse(dst[:0], typical200, &rm) }},
		{"AppendResponse", func() { AppendResponse(dst[:0], typicalInvite, &m, f.Source, 503, "Service Unavailable", branch) }},
		{"NextHop", func() { rm.NextHop(typical200) }},
		{"ParseHostPort", func() { ParseHostPort([]byte("<sip:[2001:db8::1]:5070;lr>")) }},
	}
	for _, tc := range tests {
		if n := testing.AllocsPerRun(200, tc.fn); n != 0 {
			t.Errorf("%s: %v allocs per run, want 0", tc.name, n)
		}
	}
}

func BenchmarkScanInvite(b *testing.B) {
	var m Msg
	b.ReportAllocs()
	b.SetBytes(int64(len(typicalInvite)))
	for b.Loop() {
		if Scan(typicalInvite, &m) != reason.OK {
			b.Fatal("scan")
		}
	}
}

func BenchmarkScan200(b *testing.B) {
	var m Msg
	b.ReportAllocs()
	b.SetBytes(int64(len(typical200)))
	for b.Loop() {
		if Scan(typical200, &m) != reason.OK {
			b.Fatal("scan")
		}
	}
}

// BenchmarkProxyInvite is the whole per-request work of the stateless
// proxy: scan, branch, rewrite.
func BenchmarkProxyInvite(b *testing.B) {
	var m Msg
	dst := make([]byte, 0, 2048)
	branch := make([]byte, 0, 64)
	f := Forward{Host: vipHost, Port: 5060, Source: client, RecordRoute: []byte("<sip:192.0.2.100;lr>")}
	b.ReportAllocs()
	b.SetBytes(int64(len(typicalInvite)))
	for b.Loop() {
		Scan(typicalInvite, &m)
		hop := Hop{Leg: LegToFarm, Ours: vipPort, Next: m.Via[0].ReplyTarget(client)}
		f.Branch = AppendBranch(branch[:0], typicalInvite, &m, &testKey, hop)
		if _, r := AppendForwardRequest(dst[:0], typicalInvite, &m, &f); r != reason.OK {
			b.Fatal(r)
		}
	}
}

// BenchmarkProxy200 is the per-response work: scan, check that the top
// Via is ours (sent-by, branch MAC), next hop, pop our Via.
func BenchmarkProxy200(b *testing.B) {
	var m Msg
	resp := answer(b, typicalInvite, client, 200, "OK")
	dst := make([]byte, 0, 2048)
	b.ReportAllocs()
	b.SetBytes(int64(len(resp)))
	for b.Loop() {
		Scan(resp, &m)
		hop, ok := m.NextHop(resp)
		if !ok || !m.Via[0].SentBy(resp, vipHost, 5060) {
			b.Fatal("not ours")
		}
		if _, ok := VerifyBranch(m.Via[0].Branch.Bytes(resp), &testKey, vipPort, hop); !ok {
			b.Fatal("branch")
		}
		if _, r := AppendForwardResponse(dst[:0], resp, &m); r != reason.OK {
			b.Fatal(r)
		}
	}
}

func BenchmarkAppendBranch(b *testing.B) {
	var m Msg
	Scan(typicalInvite, &m)
	dst := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		AppendBranch(dst[:0], typicalInvite, &m, &testKey, Hop{Leg: LegToFarm, Ours: vipPort, Next: client})
	}
}
