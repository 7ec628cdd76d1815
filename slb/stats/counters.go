package stats

import (
	"sync/atomic"

	"sipslb/slb/latency"
	"sipslb/slb/reason"
	"sipslb/slb/sip"
)

// Shard is one worker's counters of one VIP port. It is padded to whole
// cache lines so that neighbouring shards are never written together.
type Shard struct {
	Requests [sip.NumMethods]atomic.Uint64
	// FromServers is the part of Requests that real servers sent toward
	// clients (in-dialog requests of the callee, NOTIFYs...).
	FromServers [sip.NumMethods]atomic.Uint64
	Responses   [NumClasses]atomic.Uint64
	Drops       [reason.Num]atomic.Uint64
	Answers     [NumAnswers]atomic.Uint64
	Dialogs     atomic.Uint64 // dialogs placed (see Dialog)
	// Latency is the time the worker's datagrams spent inside the
	// balancer: from their batch's receive to the send call (see
	// slb/dataplane/proxy). Whole cache lines, so the padding below still
	// rounds the shard up.
	Latency latency.Histogram
	_       [64 - (2*sip.NumMethods+NumClasses+reason.Num+NumAnswers+1)*8%64]byte
}

// Request counts a request by method.
func (s *Shard) Request(method sip.Method) {
	if int(method) >= sip.NumMethods {
		method = sip.MethodOther
	}
	s.Requests[method].Add(1)
}

// FromServer counts, besides Request, a request that came from a real
// server toward a client.
func (s *Shard) FromServer(method sip.Method) {
	if int(method) >= sip.NumMethods {
		method = sip.MethodOther
	}
	s.FromServers[method].Add(1)
}

// Response counts a response by status code.
func (s *Shard) Response(code int) {
	c := code/100 - 1
	if c < 0 || c >= NumClasses {
		return
	}
	s.Responses[c].Add(1)
}

// Drop counts a dropped datagram.
func (s *Shard) Drop(r reason.Reason) {
	if int(r) < reason.Num {
		s.Drops[r].Add(1)
	}
}

// Answer counts an answer the balancer sent itself.
func (s *Shard) Answer(a Answer) {
	if int(a) < NumAnswers {
		s.Answers[a].Add(1)
	}
}

// Dialog counts a dialog placed through the VIP port: a dialog-table
// entry created for a new Call-ID, or re-pinned because its server was
// gone, down or lost (see slb/pool.Pin).
func (s *Shard) Dialog() { s.Dialogs.Add(1) }

// Port is the traffic of one VIP port.
type Port struct {
	shards []Shard
	// Peak is the highest number of dialogs seen on the port's bound
	// servers at once (sampled, see slb/pool.State.SamplePeaks).
	Peak Peak
}

// NewPort returns counters with one shard per worker (at least one).
func NewPort(workers int) *Port {
	return &Port{shards: make([]Shard, max(workers, 1))}
}

// Shard returns worker w's shard; an out-of-range w wraps.
func (p *Port) Shard(w int) *Shard { return &p.shards[uint(w)%uint(len(p.shards))] }

// Totals is a summed reading of a Port.
type Totals struct {
	Requests    [sip.NumMethods]uint64
	FromServers [sip.NumMethods]uint64 // the part of Requests from real servers
	Responses   [NumClasses]uint64
	Drops       [reason.Num]uint64
	Answers     [NumAnswers]uint64
	Dialogs     uint64
	Latency     latency.Counts // every worker's Latency summed
}

// Read sums every shard. Counters are read one by one, not at one instant.
func (p *Port) Read() Totals {
	var t Totals
	for i := range p.shards {
		s := &p.shards[i]
		for j := range s.Requests {
			t.Requests[j] += s.Requests[j].Load()
			t.FromServers[j] += s.FromServers[j].Load()
		}
		for j := range s.Responses {
			t.Responses[j] += s.Responses[j].Load()
		}
		for j := range s.Drops {
			t.Drops[j] += s.Drops[j].Load()
		}
		for j := range s.Answers {
			t.Answers[j] += s.Answers[j].Load()
		}
		t.Dialogs += s.Dialogs.Load()
		s.Latency.AddTo(&t.Latency)
	}
	return t
}

// Real is the traffic of one real server port. Its counters are shared by
// every worker: one atomic add per forwarded message. Dialogs is added to
// on the same cache line, by the same request that adds to Requests, so it
// costs no new contention; Drops moves only on failures.
type Real struct {
	Requests  atomic.Uint64 // requests forwarded to it
	Responses atomic.Uint64 // responses it sent that we forwarded
	Dialogs   atomic.Uint64 // dialogs placed on it (see slb/pool.Pin)
	Drops     atomic.Uint64 // messages for it that were not sent (see doc.go)
	Peak      Peak          // the most dialog-table entries it held at once (sampled)
	_         [24]byte
}

// Peak is a high-water mark. Note is a load and, only when the value
// rises, a compare-and-swap: cheap enough to call on every sample.
type Peak struct {
	v atomic.Int64
}

// Note raises the mark to n if n is higher.
func (p *Peak) Note(n int) {
	for {
		old := p.v.Load()
		if int64(n) <= old || p.v.CompareAndSwap(old, int64(n)) {
			return
		}
	}
}

// Load is the mark: the highest n noted.
func (p *Peak) Load() int { return int(p.v.Load()) }
