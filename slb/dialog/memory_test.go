package dialog

import (
	"runtime"
	"sync/atomic"
	"testing"
	"unsafe"
)

func TestSlotIs24Bytes(t *testing.T) {
	if got := unsafe.Sizeof(slot{}); got != 24 || SlotBytes != 24 {
		t.Errorf("slot is %d bytes (SlotBytes %d), documented as 24", got, SlotBytes)
	}
	if got := unsafe.Sizeof(shard{}); got != 128 {
		t.Errorf("shard header is %d bytes, want 128 (two cache lines)", got)
	}
}

// The documented cost is 32 bytes per entry (4/3 slots of 24 bytes) plus
// small fixed parts. Check it by arithmetic and against what the runtime
// actually allocated in New.
func TestMemoryPerEntry(t *testing.T) {
	const (
		entries = 1_000_000
		shards  = 64
		servers = 4096
	)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	tb := New(entries, shards, servers)
	runtime.ReadMemStats(&after)

	slotsPerShard := (entries/shards*4 + 2) / 3 // ceil(15625 × 4/3) = 20834
	want := shards*slotsPerShard*24 + servers*int(2*unsafe.Sizeof(atomic.Int64{})+unsafe.Sizeof(atomic.Uint32{})) + shards*128 + int(unsafe.Sizeof(Table{}))
	if got := tb.MemoryBytes(); got != want {
		t.Errorf("MemoryBytes = %d, arithmetic gives %d", got, want)
	}
	perEntry := float64(tb.MemoryBytes()) / entries
	t.Logf("%d entries: %d slots, %d bytes, %.2f bytes per entry", entries, tb.Capacity(), tb.MemoryBytes(), perEntry)
	if perEntry < 32 || perEntry > 32.1 {
		t.Errorf("%.3f bytes per entry, documented as 32 (+0.1 of fixed parts)", perEntry)
	}
	// Large allocations are rounded up to whole pages (8 KiB), one per shard.
	allocated := int(after.TotalAlloc - before.TotalAlloc)
	if allocated < want || allocated > want+shards*8192+64<<10 {
		t.Errorf("New allocated %d bytes, MemoryBytes says %d", allocated, want)
	}
	runtime.KeepAlive(tb)
}

func TestHotPathAllocatesNothing(t *testing.T) {
	tb := New(10_000, 8, 64)
	keys := make([]uint64, 256)
	for i := range keys {
		keys[i] = uint64(i+1) * 0x9e3779b97f4a7c15
		tb.Put(keys[i], uint32(i%64), 1<<40)
	}
	i := 0
	next := func() uint64 { i++; return keys[i%len(keys)] }
	tests := []struct {
		name string
		fn   func()
	}{
		{"Get", func() { tb.Get(next(), 1) }},
		{"Put", func() { tb.Put(next(), uint32(i%64), 1<<40) }},
		{"Touch", func() { tb.Touch(next(), 1<<40) }},
		{"Delete+Put", func() { k := next(); tb.Delete(k); tb.Put(k, 1, 1<<40) }},
		{"Sweep", func() { tb.Sweep(2) }},
		{"CountFor", func() { tb.CountFor(uint32(i % 64)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if n := testing.AllocsPerRun(1000, tt.fn); n != 0 {
				t.Errorf("%s allocates %v times per call", tt.name, n)
			}
		})
	}
}
