package dialog

import (
	"math/rand/v2"
	"testing"
)

const benchEntries = 1 << 20

// filled returns a table at 50% of MaxEntries and the keys in it.
func filled(b *testing.B) (*Table, []uint64) {
	b.Helper()
	tb := New(benchEntries, 64, 4096)
	r := rand.New(rand.NewPCG(1, 1))
	keys := make([]uint64, benchEntries/2)
	for i := range keys {
		keys[i] = r.Uint64()
		tb.Put(keys[i], uint32(i%4096), 1<<62)
	}
	return tb, keys
}

func BenchmarkGetHit(b *testing.B) {
	tb, keys := filled(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		tb.Get(keys[i&(len(keys)-1)], 1)
		i++
	}
}

func BenchmarkGetMiss(b *testing.B) {
	tb, _ := filled(b)
	b.ReportAllocs()
	k := uint64(0)
	for b.Loop() {
		k += 0x9e3779b97f4a7c15
		tb.Get(k, 1)
	}
}

func BenchmarkPutUpdate(b *testing.B) {
	tb, keys := filled(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		tb.Put(keys[i&(len(keys)-1)], uint32(i&4095), 1<<62)
		i++
	}
}

// New calls that expire: Put of a fresh key, Sweep now and then, as the data
// path does.
func BenchmarkPutChurn(b *testing.B) {
	tb := New(benchEntries, 64, 4096)
	b.ReportAllocs()
	k, now := uint64(0), int64(0)
	for b.Loop() {
		k += 0x9e3779b97f4a7c15
		now++
		tb.Put(k, uint32(now&4095), now+benchEntries/2)
		if now&1023 == 0 {
			tb.Sweep(now)
		}
	}
}

// The data path per request: Get, then Put on a miss or Touch on a hit,
// from every core at once.
func BenchmarkParallelGetPutTouch(b *testing.B) {
	tb, keys := filled(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		r := rand.New(rand.NewPCG(rand.Uint64(), 0))
		for pb.Next() {
			var k uint64
			if r.IntN(4) == 0 {
				k = r.Uint64() // new call
			} else {
				k = keys[r.IntN(len(keys))]
			}
			if _, _, ok := tb.Get(k, 1); ok {
				tb.Touch(k, 1<<62)
			} else {
				tb.Put(k, 7, 1<<62)
			}
		}
	})
}

func BenchmarkSweep(b *testing.B) {
	tb, _ := filled(b)
	b.ReportAllocs()
	for b.Loop() {
		tb.Sweep(1) // nothing expired: a pure scan of SweepBatch slots
	}
}
