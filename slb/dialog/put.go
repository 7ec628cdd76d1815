package dialog

// PutResult says what Put did; callers count it.
type PutResult uint8

const (
	// Inserted: a new entry took a free slot.
	Inserted PutResult = iota
	// Updated: the key was present; its server and expiry were replaced.
	Updated
	// ReusedExpired: a new entry took the slot of an expired entry.
	ReusedExpired
	// Evicted: the key's window was full of live entries; the one with the
	// earliest expiry was dropped for the new entry.
	Evicted
	// Rejected: the server id is not below MaxServers; nothing was stored.
	Rejected
)

var putResultNames = [...]string{"inserted", "updated", "reused-expired", "evicted", "rejected"}

func (r PutResult) String() string {
	if int(r) < len(putResultNames) {
		return putResultNames[r]
	}
	return "unknown"
}

// Put inserts key → server with the given expiry, or refreshes the entry if
// key is present; either way the entry is of the server's current
// generation (a lost entry put again is no longer lost). A new key takes, in order of preference: an expired slot
// on its probe path, the first free slot, or (window full) the slot of the
// entry with the earliest expiry in its window. Whether an entry has expired
// is judged against the latest time seen by Get or Sweep.
func (t *Table) Put(key uint64, server uint32, expiry int64) PutResult {
	if int64(server) >= int64(len(t.counts)) {
		t.rejected.Add(1)
		return Rejected
	}
	s := t.shardFor(key)
	s.mu.Lock()
	now := max(s.now, t.clock.Load())
	n := len(s.slots)
	i := home(key, n)
	victim := -1
	free := -1
	for range window(n) {
		sl := &s.slots[i]
		if sl.srv == 0 {
			free = i
			break
		}
		if sl.key == key {
			if gen := t.gens[server].Load(); sl.srv-1 != server || sl.gen != gen {
				t.uncount(*sl)
				t.counts[server].Add(1)
				sl.srv, sl.gen = server+1, gen
			}
			sl.exp = expiry
			s.mu.Unlock()
			return Updated
		}
		if victim < 0 || sl.exp < s.slots[victim].exp {
			victim = i
		}
		if i++; i == n {
			i = 0
		}
	}

	// Every slot from home up to victim is occupied, so placing the new
	// entry at victim (or at free) keeps the probing invariant.
	res := Inserted
	at := free
	switch {
	case victim >= 0 && s.slots[victim].exp <= now:
		res, at = ReusedExpired, victim
		s.expired.Add(1)
	case free < 0:
		res, at = Evicted, victim
		s.evictions.Add(1)
	}
	if res == Inserted {
		s.entries.Add(1)
	} else {
		t.uncount(s.slots[at])
	}
	s.slots[at] = slot{key: key, exp: expiry, srv: server + 1, gen: t.gens[server].Load()}
	t.counts[server].Add(1)
	s.inserts.Add(1)
	s.mu.Unlock()
	return res
}
