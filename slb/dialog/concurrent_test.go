package dialog

import (
	"math/rand/v2"
	"sync"
	"testing"
)

// Goroutines hammer a small table (so evictions, reuse of expired slots and
// backward shifts all happen) with every operation at once; afterwards the
// incremental per-server counts must equal a brute-force count. Run with
// -race to check the locking too.
func TestConcurrentCountsStayExact(t *testing.T) {
	const (
		workers = 8
		ops     = 20_000
		servers = 16
	)
	tb := New(2048, 8, servers)
	var clock sync.Mutex // only to hand out increasing times
	now := int64(0)
	tick := func() int64 {
		clock.Lock()
		defer clock.Unlock()
		now++
		return now
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 77))
			for range ops {
				k := r.Uint64N(8192) * 0x9e3779b97f4a7c15 // spread over shards and homes
				ts := tick()
				switch r.IntN(10) {
				case 0:
					if r.IntN(100) == 0 { // now and then a server dies
						tb.Lose(uint32(r.IntN(servers)))
						break
					}
					fallthrough
				case 1, 2, 3:
					tb.Put(k, uint32(r.IntN(servers)), ts+int64(r.IntN(20_000)))
				case 4, 5, 6:
					tb.Get(k, ts)
				case 7:
					tb.Touch(k, ts+int64(r.IntN(20_000)))
				case 8:
					tb.Delete(k)
				case 9:
					tb.Sweep(ts)
				}
			}
		}()
	}
	wg.Add(1)
	go func() { // readers of the lock-free counters
		defer wg.Done()
		for range 2000 {
			_ = tb.CountFor(3) + tb.LostFor(3) + tb.Len()
			_ = tb.Stats()
		}
	}()
	wg.Wait()
	st := tb.Stats()
	if st.Evictions == 0 || st.Expired == 0 {
		t.Errorf("workload did not exercise eviction and expiry: %+v", st)
	}
	checkInvariants(t, tb)
	total, lost := 0, 0
	for s := range uint32(servers) {
		total += tb.CountFor(s) + tb.LostFor(s)
		lost += tb.LostFor(s)
	}
	if total != tb.Len() {
		t.Errorf("sum of CountFor and LostFor = %d, Len = %d", total, tb.Len())
	}
	// A last Lose moves server 3's entries to lost, exactly.
	had, hadLost := tb.CountFor(3), tb.LostFor(3)
	tb.Lose(3)
	if tb.CountFor(3) != 0 || tb.LostFor(3) != had+hadLost {
		t.Errorf("after Lose(3): CountFor %d, LostFor %d; before: %d and %d", tb.CountFor(3), tb.LostFor(3), had, hadLost)
	}
	checkInvariants(t, tb)
	t.Logf("%d of %d entries lost at the end of the workload", lost, tb.Len())
}
