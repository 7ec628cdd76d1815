package dialog

import (
	"math"
	"sync"
	"sync/atomic"
	"unsafe"
)

const (
	// Window is how far from its home slot a key may live. It bounds the
	// cost of every operation (32 slots = 12 cache lines at worst; a miss
	// at 75% load looks at about 8) and decides when Put must evict.
	Window = 32

	// Slots are allocated at SlotsPerEntryNum/SlotsPerEntryDen per entry
	// asked for, so a table holding maxEntries is 75% full. Linear probing
	// with a bounded window starts evicting well before 100%: measured with
	// random keys, 0.3% of inserts had evicted a live entry by 75% load, 3%
	// by 90% (see docs/hashing.md).
	SlotsPerEntryNum, SlotsPerEntryDen = 4, 3

	// SlotBytes is the memory of one entry.
	SlotBytes = int(unsafe.Sizeof(slot{}))

	// DefaultShards is used when New is given shards <= 0.
	DefaultShards = 64

	// DefaultMaxServers is used when New is given maxServers <= 0.
	DefaultMaxServers = 4096
)

// slot is one entry. srv holds the server id plus one so that the zero
// value is a free slot and every key value, 0 included, can be stored. gen
// is the server's generation when the entry was stored: an entry of an
// older generation is lost (see Lose).
type slot struct {
	key uint64
	exp int64
	srv uint32
	gen uint32
}

// shard is one lock domain. Its counters are atomics written under mu so
// that Len and Stats can read them without taking the lock.
type shard struct {
	mu        sync.Mutex
	slots     []slot
	now       int64 // latest time seen by Get or Sweep
	entries   atomic.Int64
	inserts   atomic.Uint64
	evictions atomic.Uint64
	expired   atomic.Uint64
	_         [128 - 72]byte // a shard is two whole cache lines: no false sharing between shards
}

// Table is the dialog table. All methods are safe for concurrent use.
type Table struct {
	maxEntries int
	shards     []shard
	counts     []atomic.Int64  // per server id: entries present of its current generation
	lost       []atomic.Int64  // per server id: entries present of older generations
	gens       []atomic.Uint32 // per server id: generation, bumped by Lose
	clock      atomic.Int64    // latest time given to Sweep
	rejected   atomic.Uint64

	sweepMu    sync.Mutex
	sweepShard int
	sweepPos   int
}

// New returns a table sized for maxEntries entries, with 4/3 slots per entry
// (rounded up to whole slots per shard) in the given number of shards, and
// per-server counters for server ids 0..maxServers-1. Arguments below 1 are
// replaced: maxEntries by 1, shards by DefaultShards, maxServers by
// DefaultMaxServers; shards is capped at maxEntries.
func New(maxEntries, shards, maxServers int) *Table {
	maxEntries = max(maxEntries, 1)
	if shards <= 0 {
		shards = DefaultShards
	}
	shards = min(shards, maxEntries)
	if maxServers <= 0 {
		maxServers = DefaultMaxServers
	}
	maxServers = min(maxServers, math.MaxUint32) // srv stores id+1 in a uint32
	perShard := (maxEntries + shards - 1) / shards
	per := (perShard*SlotsPerEntryNum + SlotsPerEntryDen - 1) / SlotsPerEntryDen
	t := &Table{
		maxEntries: maxEntries,
		shards:     make([]shard, shards),
		counts:     make([]atomic.Int64, maxServers),
		lost:       make([]atomic.Int64, maxServers),
		gens:       make([]atomic.Uint32, maxServers),
	}
	all := hugeSlots(per * shards)
	for i := range t.shards {
		t.shards[i].slots = all[i*per : (i+1)*per : (i+1)*per]
	}
	return t
}

// shardFor picks the shard from the key's high 32 bits.
func (t *Table) shardFor(key uint64) *shard {
	return &t.shards[(key>>32)*uint64(len(t.shards))>>32]
}

// home is the key's first slot in a shard of n slots, from the low 32 bits.
func home(key uint64, n int) int {
	return int(uint64(uint32(key)) * uint64(n) >> 32)
}

// window is the probe window of a shard of n slots.
func window(n int) int { return min(Window, n) }

// find returns the slot index holding key, or -1. It stops at the first
// free slot: backward-shift deletion keeps every slot between an entry's
// home and its position occupied.
func (s *shard) find(key uint64) int {
	n := len(s.slots)
	i := home(key, n)
	for range window(n) {
		sl := &s.slots[i]
		if sl.srv == 0 {
			return -1
		}
		if sl.key == key {
			return i
		}
		if i++; i == n {
			i = 0
		}
	}
	return -1
}

// observe advances the shard's notion of the current time.
func (s *shard) observe(now int64) {
	if now > s.now {
		s.now = now
	}
}

// Get returns the server of key if an entry is present and live at now,
// and whether that entry is lost: stored before the server's last Lose.
// An expired entry is a miss and is removed on the spot.
func (t *Table) Get(key uint64, now int64) (server uint32, lost, ok bool) {
	s := t.shardFor(key)
	s.mu.Lock()
	s.observe(now)
	i := s.find(key)
	if i < 0 {
		s.mu.Unlock()
		return 0, false, false
	}
	sl := s.slots[i]
	if sl.exp <= now {
		t.remove(s, i)
		s.expired.Add(1)
		s.mu.Unlock()
		return 0, false, false
	}
	lost = !t.current(sl)
	s.mu.Unlock()
	return sl.srv - 1, lost, true
}

// current reports whether an occupied slot belongs to its server's current
// generation. Called with the slot's shard locked, which Lose also holds.
func (t *Table) current(sl slot) bool { return sl.gen == t.gens[sl.srv-1].Load() }

// uncount takes an occupied slot's entry off its server's counts. Called
// with the slot's shard locked.
func (t *Table) uncount(sl slot) {
	if t.current(sl) {
		t.counts[sl.srv-1].Add(-1)
	} else {
		t.lost[sl.srv-1].Add(-1)
	}
}

// Lose marks every entry of server present now as lost: Get reports it
// with lost set until a Put re-pins the key, and it no longer counts in
// CountFor (LostFor counts it until it is removed). Entries stored for
// server afterwards are current again. The engine calls it when a
// server's health check finds it down: its dialogs went with it, so a
// server that comes back takes new Call-IDs only. Lose holds every shard
// lock for a moment; its cost does not depend on the number of entries.
func (t *Table) Lose(server uint32) {
	if int64(server) >= int64(len(t.counts)) {
		return
	}
	for i := range t.shards {
		t.shards[i].mu.Lock()
	}
	t.gens[server].Add(1)
	t.lost[server].Add(t.counts[server].Swap(0))
	for i := range t.shards {
		t.shards[i].mu.Unlock()
	}
}

// Touch sets the expiry of key's entry and reports whether it was present.
// Touch has no clock: an entry that expired but was not yet removed is
// revived, which is what a caller that just saw the dialog's traffic wants.
func (t *Table) Touch(key uint64, expiry int64) bool {
	s := t.shardFor(key)
	s.mu.Lock()
	i := s.find(key)
	if i >= 0 {
		s.slots[i].exp = expiry
	}
	s.mu.Unlock()
	return i >= 0
}

// Delete removes key's entry and reports whether it was present.
func (t *Table) Delete(key uint64) bool {
	s := t.shardFor(key)
	s.mu.Lock()
	i := s.find(key)
	if i >= 0 {
		t.remove(s, i)
	}
	s.mu.Unlock()
	return i >= 0
}

// remove empties slot i and shifts later entries of its cluster back
// (Knuth's Algorithm R), so lookups may stop at a free slot and no
// tombstones accumulate. Entries only move towards their home, so each
// stays within its window. Called with s.mu held.
func (t *Table) remove(s *shard, i int) {
	t.uncount(s.slots[i])
	s.entries.Add(-1)
	n := len(s.slots)
	hole, j := i, i
	for {
		if j++; j == n {
			j = 0
		}
		if j == i {
			break
		}
		sl := &s.slots[j]
		if sl.srv == 0 {
			break
		}
		// The entry at j may fill the hole if that does not put it before
		// its home: its displacement must cover the distance to the hole.
		if (j-home(sl.key, n)+n)%n >= (j-hole+n)%n {
			s.slots[hole] = *sl
			hole = j
		}
	}
	s.slots[hole] = slot{}
}

// Len is the number of entries present (live, or expired and not yet
// removed).
func (t *Table) Len() int {
	var n int64
	for i := range t.shards {
		n += t.shards[i].entries.Load()
	}
	return int(n)
}

// MaxEntries is the maxEntries the table was sized for.
func (t *Table) MaxEntries() int { return t.maxEntries }

// Capacity is the number of slots, 4/3 of MaxEntries, rounded up.
func (t *Table) Capacity() int {
	return len(t.shards) * len(t.shards[0].slots)
}

// MaxServers is the number of server ids the table counts (0..MaxServers-1).
func (t *Table) MaxServers() int { return len(t.counts) }

// CountFor is the number of entries present for server, lost ones aside;
// 0 for an id out of range. `show server real` uses it for the dialogs
// left on a server, max-conn for the dialogs a server holds.
func (t *Table) CountFor(server uint32) int {
	if int64(server) >= int64(len(t.counts)) {
		return 0
	}
	return int(t.counts[server].Load())
}

// LostFor is the number of lost entries (see Lose) present for server; 0
// for an id out of range.
func (t *Table) LostFor(server uint32) int {
	if int64(server) >= int64(len(t.lost)) {
		return 0
	}
	return int(t.lost[server].Load())
}

// MemoryBytes is the memory New allocated for the table: the slots, the
// per-server counters and the shard headers.
func (t *Table) MemoryBytes() int {
	return t.Capacity()*SlotBytes +
		len(t.counts)*int(2*unsafe.Sizeof(atomic.Int64{})+unsafe.Sizeof(atomic.Uint32{})) +
		len(t.shards)*int(unsafe.Sizeof(shard{})) +
		int(unsafe.Sizeof(Table{}))
}

// Flush removes every entry and zeroes the per-server counts. Statistics
// counters and generations are kept.
func (t *Table) Flush() {
	for i := range t.shards {
		t.shards[i].mu.Lock()
	}
	for i := range t.shards {
		s := &t.shards[i]
		clear(s.slots)
		s.entries.Store(0)
	}
	for i := range t.counts {
		t.counts[i].Store(0)
		t.lost[i].Store(0)
	}
	for i := range t.shards {
		t.shards[i].mu.Unlock()
	}
}
