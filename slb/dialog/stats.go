package dialog

// Stats is a snapshot of the table's counters. Counters are cumulative
// since New; Entries and Capacity are current.
type Stats struct {
	Entries   int    // entries present, live or expired-not-yet-removed
	Capacity  int    // slots (4/3 of the maxEntries given to New)
	Inserts   uint64 // new keys stored by Put
	Evictions uint64 // live entries dropped by Put because their window was full
	Expired   uint64 // expired entries removed by Get, Put or Sweep
	Rejected  uint64 // Put calls with a server id out of range
}

// Stats reads the counters without locking; a snapshot taken while the
// table is busy is not a single instant.
func (t *Table) Stats() Stats {
	st := Stats{Capacity: t.Capacity(), Rejected: t.rejected.Load()}
	for i := range t.shards {
		s := &t.shards[i]
		st.Entries += int(s.entries.Load())
		st.Inserts += s.inserts.Load()
		st.Evictions += s.evictions.Load()
		st.Expired += s.expired.Load()
	}
	return st
}
