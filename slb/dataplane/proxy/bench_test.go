package proxy

import (
	"strings"
	"testing"
)

func BenchmarkHandleInvite(b *testing.B) {
	f := newFixture(b, testConfig())
	pkt := []byte(invite("bench@example.com"))
	out := make([]byte, 0, OutCap)
	b.ReportAllocs()
	b.SetBytes(int64(len(pkt)))
	for b.Loop() {
		f.fwd.Handle(f.st, f.vp, pkt, client, t0, out)
	}
}

func BenchmarkHandleResponse(b *testing.B) {
	f := newFixture(b, testConfig())
	fwd := f.handle(invite("bench@example.com"), client)
	var vias []string
	for _, line := range strings.Split(string(fwd.Out), "\r\n") {
		if strings.HasPrefix(line, "Via:") {
			vias = append(vias, line)
		}
	}
	pkt := []byte("SIP/2.0 200 OK\r\n" + strings.Join(vias, "\r\n") + "\r\n" +
		"From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>;tag=b1\r\nCall-ID: bench@example.com\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n")
	out := make([]byte, 0, OutCap)
	b.ReportAllocs()
	b.SetBytes(int64(len(pkt)))
	for b.Loop() {
		f.fwd.Handle(f.st, f.vp, pkt, rs1Addr, t0, out)
	}
}

// BenchmarkSocketLoop measures datagrams through the real worker on
// loopback, client and server sockets included (one op = one datagram).
func BenchmarkSocketLoop(b *testing.B) {
	l := startLoop(b, 201)
	pkts := loopPackets(1000)
	buf := make([]byte, 70000)
	b.ReportAllocs()
	b.ResetTimer()
	got := l.pump(b, pkts, b.N, buf)
	if got < b.N*9/10 {
		b.Fatalf("received %d of %d", got, b.N)
	}
}
