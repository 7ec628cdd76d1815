package dsr

import (
	"fmt"
	"testing"

	"sipslb/slb/dataplane/udpsip"
)

func BenchmarkHandle(b *testing.B) {
	for _, size := range []int{0, 400, 1200} {
		b.Run(fmt.Sprintf("invite-body-%d", size), func(b *testing.B) {
			st := buildState(b, dsrConfig(nil))
			f := newForwarder()
			fr := frame(sipMsg("INVITE", "bench@client", size))
			buf := make([]byte, MaxFrame)
			b.ReportAllocs()
			b.SetBytes(int64(len(fr)))
			for b.Loop() {
				copy(buf, fr)
				f.Handle(st, realMACs, buf[:len(fr)], now)
			}
		})
	}
	b.Run("fragmented-3k", func(b *testing.B) {
		st := buildState(b, dsrConfig(nil))
		f := newForwarder()
		frs := fragments(frame(sipMsg("INVITE", "benchfrag@client", 3000)), 1500)
		buf := make([]byte, MaxFrame)
		b.ReportAllocs()
		for b.Loop() {
			for _, fr := range frs {
				copy(buf, fr)
				f.Handle(st, realMACs, buf[:len(fr)], now)
			}
		}
	})
}

func FuzzHandle(f *testing.F) {
	f.Add(frame(sipMsg("INVITE", "fuzz@x", 10)))
	for _, fr := range fragments(frame(sipMsg("INVITE", "fuzzfrag@x", 3000)), 1500) {
		f.Add(fr)
	}
	f.Add(frame([]byte("SIP/2.0 200 OK\r\nCall-ID: a\r\nCSeq: 1 INVITE\r\n\r\n")))
	st := buildState(f, dsrConfig(nil))
	fw := newForwarder()
	f.Fuzz(func(t *testing.T, b []byte) {
		r := fw.Handle(st, realMACs, b, now)
		if r.Verdict == Forwarded && (len(r.Out) > len(b) || len(r.Out) < ethLen+minIPHeader) {
			t.Fatalf("out of %d bytes from %d", len(r.Out), len(b))
		}
		if _, ok := udpsip.ScanHead(b); ok && len(b) == 0 {
			t.Fatal("head from nothing")
		}
	})
}
