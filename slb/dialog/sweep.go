package dialog

// SweepBatch is the most slot examinations one Sweep call makes. A slot is
// looked at again after a removal (backward shift may move an entry into
// it), so a full pass takes at most (Capacity()+removed)/SweepBatch calls;
// at 1,000,000 slots and a call per 10 ms (the engine's sweeper makes 25
// every 250 ms) that is 10 to 20 s, well inside
// any sensible dialog lifetime.
const SweepBatch = 1024

// Sweep removes expired entries from the next SweepBatch slots, resuming
// where the previous call stopped, and returns how many it removed. It also
// tells Put what time it is, so Put can reuse expired slots.
func (t *Table) Sweep(now int64) int {
	if now > t.clock.Load() {
		t.clock.Store(now) // a racing older Sweep may lower it; harmless
	}
	t.sweepMu.Lock()
	defer t.sweepMu.Unlock()
	budget, removed := SweepBatch, 0
	for budget > 0 {
		s := &t.shards[t.sweepShard]
		s.mu.Lock()
		s.observe(now)
		for budget > 0 && t.sweepPos < len(s.slots) {
			budget--
			sl := &s.slots[t.sweepPos]
			if sl.srv != 0 && sl.exp <= now {
				t.remove(s, t.sweepPos)
				s.expired.Add(1)
				removed++
				continue // the shift may have moved another entry here
			}
			t.sweepPos++
		}
		s.mu.Unlock()
		if t.sweepPos >= len(s.slots) {
			t.sweepPos = 0
			if t.sweepShard++; t.sweepShard == len(t.shards) {
				t.sweepShard = 0
			}
		}
	}
	return removed
}
