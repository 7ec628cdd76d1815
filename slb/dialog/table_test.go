package dialog

import (
	"math/rand/v2"
	"testing"
)

// op is one step of a scripted scenario against a table.
type op struct {
	do     string // put, get, touch, delete, sweep, lose
	key    uint64
	server uint32
	t      int64 // expiry for put/touch, now for get/sweep
	want   any   // PutResult, server (uint32, lostEntry) or miss, bool, removed count, or nil
}

type miss struct{}

// lostEntry is what get returns for an entry of an older generation.
type lostEntry uint32

func run(t *testing.T, tb *Table, ops []op) {
	t.Helper()
	for i, o := range ops {
		var got any
		switch o.do {
		case "put":
			got = tb.Put(o.key, o.server, o.t)
		case "get":
			switch srv, lost, ok := tb.Get(o.key, o.t); {
			case !ok:
				got = miss{}
			case lost:
				got = lostEntry(srv)
			default:
				got = srv
			}
		case "touch":
			got = tb.Touch(o.key, o.t)
		case "delete":
			got = tb.Delete(o.key)
		case "sweep":
			got = tb.Sweep(o.t)
		case "lose":
			tb.Lose(o.server)
		default:
			t.Fatalf("step %d: unknown op %q", i, o.do)
		}
		if o.do != "lose" && got != o.want {
			t.Fatalf("step %d: %s(%#x) = %v, want %v", i, o.do, o.key, got, o.want)
		}
	}
}

func TestScenarios(t *testing.T) {
	const n = 64                           // one shard of 64 slots
	a, b := keyAt(5, n, 1), keyAt(5, n, 2) // same home slot
	tests := []struct {
		name   string
		ops    []op
		counts map[uint32]int
		lost   map[uint32]int
		stats  Stats
	}{
		{
			name: "put then get",
			ops: []op{
				{"put", a, 3, 100, Inserted},
				{"get", a, 0, 50, uint32(3)},
				{"get", b, 0, 50, miss{}},
			},
			counts: map[uint32]int{3: 1},
			stats:  Stats{Entries: 1, Capacity: n, Inserts: 1},
		},
		{
			name: "expired get is a miss and removes the entry",
			ops: []op{
				{"put", a, 3, 100, Inserted},
				{"get", a, 0, 100, miss{}},
				{"get", a, 0, 10, miss{}},
			},
			counts: map[uint32]int{3: 0},
			stats:  Stats{Capacity: n, Inserts: 1, Expired: 1},
		},
		{
			name: "put refreshes and moves the count",
			ops: []op{
				{"put", a, 3, 100, Inserted},
				{"put", a, 4, 300, Updated},
				{"get", a, 0, 200, uint32(4)},
			},
			counts: map[uint32]int{3: 0, 4: 1},
			stats:  Stats{Entries: 1, Capacity: n, Inserts: 1},
		},
		{
			name: "touch extends life",
			ops: []op{
				{"put", a, 1, 100, Inserted},
				{"touch", a, 0, 500, true},
				{"touch", b, 0, 500, false},
				{"get", a, 0, 400, uint32(1)},
			},
			counts: map[uint32]int{1: 1},
			stats:  Stats{Entries: 1, Capacity: n, Inserts: 1},
		},
		{
			name: "delete of the first of a colliding pair keeps the second",
			ops: []op{
				{"put", a, 1, 100, Inserted},
				{"put", b, 2, 100, Inserted},
				{"delete", a, 0, 0, true},
				{"delete", a, 0, 0, false},
				{"get", b, 0, 50, uint32(2)},
			},
			counts: map[uint32]int{1: 0, 2: 1},
			stats:  Stats{Entries: 1, Capacity: n, Inserts: 2},
		},
		{
			name: "key zero is an ordinary key",
			ops: []op{
				{"put", 0, 0, 100, Inserted},
				{"get", 0, 0, 50, uint32(0)},
			},
			counts: map[uint32]int{0: 1},
			stats:  Stats{Entries: 1, Capacity: n, Inserts: 1},
		},
		{
			name: "server id out of range is rejected",
			ops: []op{
				{"put", a, 8, 100, Rejected},
				{"put", a, 1 << 31, 100, Rejected},
				{"get", a, 0, 50, miss{}},
			},
			stats: Stats{Capacity: n, Rejected: 2},
		},
		{
			name: "sweep removes only expired entries",
			ops: []op{
				{"put", a, 1, 100, Inserted},
				{"put", b, 2, 300, Inserted},
				{"put", keyAt(60, n, 3), 2, 150, Inserted},
				{"sweep", 0, 0, 200, 2},
				{"get", b, 0, 200, uint32(2)},
			},
			counts: map[uint32]int{1: 0, 2: 1},
			stats:  Stats{Entries: 1, Capacity: n, Inserts: 3, Expired: 2},
		},
		{
			name: "put reuses an expired slot on its path",
			ops: []op{
				{"put", a, 1, 100, Inserted},
				{"get", keyAt(40, n, 9), 0, 150, miss{}}, // the shard learns the time
				{"put", b, 2, 300, ReusedExpired},
				{"get", b, 0, 200, uint32(2)},
			},
			counts: map[uint32]int{1: 0, 2: 1},
			stats:  Stats{Entries: 1, Capacity: n, Inserts: 2, Expired: 1},
		},
		{
			name: "lose: entries stored before are lost, later ones are not",
			ops: []op{
				{"put", a, 3, 100, Inserted},
				{"put", b, 4, 100, Inserted},
				{"lose", 0, 3, 0, nil},
				{"get", a, 0, 50, lostEntry(3)},
				{"get", b, 0, 50, uint32(4)},
				{"put", keyAt(9, n, 1), 3, 100, Inserted},
				{"get", keyAt(9, n, 1), 0, 50, uint32(3)},
				{"touch", a, 0, 200, true}, // traffic does not revive it
				{"get", a, 0, 150, lostEntry(3)},
			},
			counts: map[uint32]int{3: 1, 4: 1},
			lost:   map[uint32]int{3: 1, 4: 0},
			stats:  Stats{Entries: 3, Capacity: n, Inserts: 3},
		},
		{
			name: "put re-pins a lost entry",
			ops: []op{
				{"put", a, 3, 100, Inserted},
				{"put", b, 3, 100, Inserted},
				{"lose", 0, 3, 0, nil},
				{"put", a, 4, 100, Updated},
				{"put", b, 3, 100, Updated}, // to the same server, now current
				{"get", a, 0, 50, uint32(4)},
				{"get", b, 0, 50, uint32(3)},
			},
			counts: map[uint32]int{3: 1, 4: 1},
			lost:   map[uint32]int{3: 0},
			stats:  Stats{Entries: 2, Capacity: n, Inserts: 2},
		},
		{
			name: "a lost entry expires, is deleted or swept like any other",
			ops: []op{
				{"put", a, 3, 100, Inserted},
				{"put", b, 3, 300, Inserted},
				{"put", keyAt(20, n, 1), 3, 100, Inserted},
				{"lose", 0, 3, 0, nil},
				{"lose", 0, 3, 0, nil}, // twice: still just lost
				{"get", a, 0, 100, miss{}},
				{"delete", b, 0, 0, true},
				{"sweep", 0, 0, 200, 1},
				{"lose", 0, 99, 0, nil}, // out of range: ignored
			},
			counts: map[uint32]int{3: 0},
			lost:   map[uint32]int{3: 0},
			stats:  Stats{Capacity: n, Inserts: 3, Expired: 2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := newOneShard(t, n)
			run(t, tb, tt.ops)
			for srv, want := range tt.counts {
				if got := tb.CountFor(srv); got != want {
					t.Errorf("CountFor(%d) = %d, want %d", srv, got, want)
				}
			}
			for srv, want := range tt.lost {
				if got := tb.LostFor(srv); got != want {
					t.Errorf("LostFor(%d) = %d, want %d", srv, got, want)
				}
			}
			if got := tb.Stats(); got != tt.stats {
				t.Errorf("Stats = %+v, want %+v", got, tt.stats)
			}
			checkInvariants(t, tb)
		})
	}
}

// Filling one key's window with live entries makes Put drop the entry with
// the earliest expiry, wherever it is in the window; once the shard knows an
// entry has expired, Put takes that one instead and does not count an
// eviction.
func TestEvictionPolicy(t *testing.T) {
	const n = 64
	tb := newOneShard(t, n)
	const h = 62 // the window wraps around the end of the shard
	exp := func(i int) int64 { return int64(1000 + (i*7)%Window*10) }
	var keys []uint64
	for i := range Window {
		k := keyAt(h, n, uint32(i+1))
		keys = append(keys, k)
		if r := tb.Put(k, uint32(i%4), exp(i)); r != Inserted {
			t.Fatalf("filling: Put #%d = %v", i, r)
		}
	}
	checkInvariants(t, tb)
	earliest := 0
	for i := range keys {
		if exp(i) < exp(earliest) {
			earliest = i
		}
	}

	newKey := keyAt(h, n, 100)
	if r := tb.Put(newKey, 5, 5000); r != Evicted {
		t.Fatalf("Put into a full window = %v, want %v", r, Evicted)
	}
	if _, _, ok := tb.Get(keys[earliest], 0); ok {
		t.Errorf("entry with the earliest expiry (#%d) survived", earliest)
	}
	for i, k := range keys {
		if _, _, ok := tb.Get(k, 0); !ok && i != earliest {
			t.Errorf("entry #%d was dropped, only #%d should be", i, earliest)
		}
	}
	if srv, _, ok := tb.Get(newKey, 0); !ok || srv != 5 {
		t.Errorf("new entry: Get = %d, %v", srv, ok)
	}
	if st := tb.Stats(); st.Evictions != 1 || st.Expired != 0 || st.Entries != Window {
		t.Errorf("Stats after eviction = %+v", st)
	}
	checkInvariants(t, tb)

	// Let two entries expire: keys[a] earliest of the rest, then tell the
	// shard the time through a Get of an unrelated key (no removal of the
	// expired ones, which are not looked up).
	tb.Get(keyAt(20, n, 999), exp(earliest)+15)
	r := tb.Put(keyAt(h, n, 101), 6, 5000)
	if r != ReusedExpired {
		t.Fatalf("Put with an expired entry in the window = %v, want %v", r, ReusedExpired)
	}
	if st := tb.Stats(); st.Evictions != 1 || st.Expired != 1 {
		t.Errorf("Stats after reuse = %+v, want 1 eviction and 1 expired", st)
	}
	checkInvariants(t, tb)
}

type ent struct {
	srv uint32
	exp int64
}

// A random workload against a map as the model, at low load so nothing is
// evicted: every answer must agree with the model and the structure must
// stay sound through collisions, deletions and sweeps.
func TestAgainstModel(t *testing.T) {
	tb := New(4096, 4, 16)
	model := map[uint64]ent{}
	r := rand.New(rand.NewPCG(1, 2))
	keys := make([]uint64, 300)
	for i := range keys {
		keys[i] = r.Uint64()
	}
	now := int64(0)
	for step := range 50_000 {
		now += int64(r.IntN(3))
		k := keys[r.IntN(len(keys))]
		m, present := model[k]
		switch r.IntN(6) {
		case 0, 1:
			srv, exp := uint32(r.IntN(16)), now+int64(r.IntN(200))
			res := tb.Put(k, srv, exp)
			if res == Evicted {
				t.Fatalf("step %d: eviction at low load", step)
			}
			if res == ReusedExpired {
				dropRemoved(tb, model, now)
			}
			if want := present; (res == Updated) != want {
				t.Fatalf("step %d: Put = %v, key present in model: %v", step, res, want)
			}
			model[k] = ent{srv, exp}
		case 2:
			srv, _, ok := tb.Get(k, now)
			live := present && m.exp > now
			if ok != live || (ok && srv != m.srv) {
				t.Fatalf("step %d: Get = %d,%v; model %+v present=%v now=%d", step, srv, ok, m, present, now)
			}
			if present && !live {
				delete(model, k)
			}
		case 3:
			exp := now + int64(r.IntN(200))
			if got := tb.Touch(k, exp); got != present {
				t.Fatalf("step %d: Touch = %v, model %v", step, got, present)
			}
			if present {
				model[k] = ent{m.srv, exp}
			}
		case 4:
			if got := tb.Delete(k); got != present {
				t.Fatalf("step %d: Delete = %v, model %v", step, got, present)
			}
			delete(model, k)
		case 5:
			tb.Sweep(now)
			dropRemoved(tb, model, now)
		}
		if len(model) != tb.Len() {
			t.Fatalf("step %d: Len = %d, model %d", step, tb.Len(), len(model))
		}
	}
	checkInvariants(t, tb)
}

// dropRemoved deletes from the model the expired entries the table has
// removed (Sweep, or Put reusing an expired slot, may take any of them).
func dropRemoved(tb *Table, model map[uint64]ent, now int64) {
	for k, e := range model {
		if e.exp <= now && !has(tb, k) {
			delete(model, k)
		}
	}
}

func has(tb *Table, key uint64) bool {
	s := tb.shardFor(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.find(key) >= 0
}

// At full load the table keeps working: every Put lands, evictions are
// counted, and the structure and counts stay exact.
func TestOverloadKeepsInvariants(t *testing.T) {
	tb := New(512, 2, 32)
	r := rand.New(rand.NewPCG(3, 4))
	var res [Rejected + 1]int
	for i := range 20_000 {
		res[tb.Put(r.Uint64(), uint32(r.IntN(32)), int64(i+r.IntN(5000)))]++
		if i%1000 == 0 {
			tb.Sweep(int64(i))
		}
		if i%500 == 0 {
			tb.Delete(r.Uint64()) // mostly misses; exercised for the structure
		}
	}
	st := tb.Stats()
	if st.Evictions == 0 || uint64(res[Evicted]) != st.Evictions {
		t.Errorf("Evicted results %d, Stats.Evictions %d (want equal and > 0)", res[Evicted], st.Evictions)
	}
	if st.Entries > st.Capacity {
		t.Errorf("Entries %d > Capacity %d", st.Entries, st.Capacity)
	}
	checkInvariants(t, tb)
}

func TestSweepIsBoundedAndComplete(t *testing.T) {
	tb := New(10_000, 8, 4)
	r := rand.New(rand.NewPCG(5, 6))
	live := 0
	for i := range 6000 {
		exp := int64(100) // expires
		if i%3 == 0 {
			exp, live = 1000, live+1
		}
		tb.Put(r.Uint64(), uint32(i%4), exp)
	}
	total := tb.Len()
	// Each removal costs one more look at its slot, so a full pass takes
	// at most (Capacity + removed) / SweepBatch calls.
	calls := (tb.Capacity() + total + SweepBatch - 1) / SweepBatch
	removed := 0
	for range calls {
		got := tb.Sweep(500)
		if got > SweepBatch {
			t.Fatalf("one Sweep removed %d entries, batch is %d", got, SweepBatch)
		}
		removed += got
	}
	if tb.Len() != live || removed != total-live {
		t.Errorf("after a full pass: Len %d (want %d), removed %d (want %d)", tb.Len(), live, removed, total-live)
	}
	if st := tb.Stats(); st.Expired != uint64(removed) {
		t.Errorf("Stats.Expired = %d, want %d", st.Expired, removed)
	}
	checkInvariants(t, tb)
}

func TestFlush(t *testing.T) {
	tb := New(1000, 4, 8)
	for i := range 500 {
		tb.Put(uint64(i)*0x9e3779b97f4a7c15, uint32(i%8), 1000)
	}
	tb.Flush()
	if tb.Len() != 0 {
		t.Errorf("Len after Flush = %d", tb.Len())
	}
	for srv := range uint32(8) {
		if c := tb.CountFor(srv); c != 0 {
			t.Errorf("CountFor(%d) after Flush = %d", srv, c)
		}
	}
	if _, _, ok := tb.Get(0x9e3779b97f4a7c15, 0); ok {
		t.Error("entry survived Flush")
	}
	checkInvariants(t, tb)
}

func TestNewClampsArguments(t *testing.T) {
	tests := []struct {
		name                         string
		entries, shards, servers     int
		wantCap, wantShards, wantSrv int
	}{
		{"defaults", 1000, 0, 0, 64 * 22, DefaultShards, DefaultMaxServers}, // 16 entries, 22 slots a shard
		{"shards capped by entries", 3, 64, 2, 3 * 2, 3, 2},
		{"no entries", 0, 4, 1, 2, 1, 1},
		{"rounded up per shard", 10, 4, 10, 4 * 4, 4, 10}, // 3 entries, 4 slots a shard
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := New(tt.entries, tt.shards, tt.servers)
			if tb.Capacity() != tt.wantCap || len(tb.shards) != tt.wantShards || tb.MaxServers() != tt.wantSrv {
				t.Errorf("capacity %d shards %d servers %d, want %d %d %d",
					tb.Capacity(), len(tb.shards), tb.MaxServers(), tt.wantCap, tt.wantShards, tt.wantSrv)
			}
			if tb.CountFor(uint32(tt.wantSrv)) != 0 {
				t.Error("CountFor out of range is not 0")
			}
			// A tiny table must still work.
			if r := tb.Put(7, 0, 10); r != Inserted {
				t.Errorf("Put = %v", r)
			}
			checkInvariants(t, tb)
		})
	}
}

func TestPutResultString(t *testing.T) {
	for r, want := range map[PutResult]string{Inserted: "inserted", Updated: "updated", ReusedExpired: "reused-expired", Evicted: "evicted", Rejected: "rejected", 99: "unknown"} {
		if r.String() != want {
			t.Errorf("%d.String() = %q, want %q", r, r.String(), want)
		}
	}
}
