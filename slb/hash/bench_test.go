package hash

import (
	"fmt"
	"testing"
)

func BenchmarkKey40(b *testing.B) {
	id := []byte("f81d4fae-7dec-11d0-a765-00a0c91e6bf6@hst") // 40 bytes
	if len(id) != 40 {
		b.Fatalf("Call-ID is %d bytes", len(id))
	}
	b.SetBytes(int64(len(id)))
	b.ReportAllocs()
	var sink uint64
	for b.Loop() {
		sink += Key(id)
	}
	_ = sink
}

func BenchmarkLookup(b *testing.B) {
	tb := Build(named(16), 0)
	keys := randomKeys(4096)
	b.ReportAllocs()
	i, sink := 0, 0
	for b.Loop() {
		sink += tb.Lookup(keys[i&4095])
		i++
	}
	_ = sink
}

func BenchmarkBuild(b *testing.B) {
	for _, n := range []int{16} {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			bs := named(n)
			b.ReportAllocs()
			for b.Loop() {
				Build(bs, 0)
			}
		})
	}
}
