package pool

import (
	"sipslb/slb/dialog"
	"sipslb/slb/stats"
)

// Pin stores key → s in the dialog table dt, expiring at exp, and counts a
// dialog placed (stats doc.go) on s and on the VIP port whose shard is sh
// when the entry is new, or when repin is set: the caller found an entry
// naming a server that is gone, down or lost, and pinned the dialog to s
// instead. A Put that found the key already present without repin (another
// worker stored it between the caller's lookup and this Put) is that
// worker's placement, not counted twice. It never allocates.
func Pin(dt *dialog.Table, sh *stats.Shard, s *Server, key uint64, exp int64, repin bool) dialog.PutResult {
	res := dt.Put(key, s.ID, exp)
	if res == dialog.Rejected || (res == dialog.Updated && !repin) {
		return res
	}
	sh.Dialog()
	s.Stats.Dialogs.Add(1)
	return res
}

// SamplePeaks raises the dialog high-water marks of every real port, real
// server and VIP port to their current dialog counts (the counts `show`
// and SNMP read: entries present in the dialog table, lost ones aside).
// The engine's sweeper calls it every 250 ms, before removing expired
// entries. It reads one atomic counter per real port and per binding and
// never allocates.
func (st *State) SamplePeaks() {
	dt := st.Dialogs
	if dt == nil {
		return
	}
	for _, r := range st.Reals {
		sum := 0
		for _, s := range r.Ports {
			n := dt.CountFor(s.ID)
			s.Stats.Peak.Note(n)
			sum += n
		}
		r.Peak.Note(sum)
	}
	for _, vp := range st.VPorts {
		sum := 0
		for _, s := range vp.Servers {
			sum += dt.CountFor(s.ID)
		}
		vp.Stats.Peak.Note(sum)
	}
}
