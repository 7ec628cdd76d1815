package status

import "time"

// RTTBounds are the upper bounds of the probe round-trip buckets: a
// health-check answer on a LAN takes a millisecond or less, an overloaded
// SIP server hundreds, and the timeout (at most the interval) ends the
// range. Fixed bounds keep a histogram a plain array: recording is an index
// search and an add, and a copy costs nothing to allocate.
var RTTBounds = [...]time.Duration{
	500 * time.Microsecond, time.Millisecond, 2500 * time.Microsecond, 5 * time.Millisecond,
	10 * time.Millisecond, 25 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond,
	250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2500 * time.Millisecond,
}

// NumRTTBuckets is one bucket per bound plus the overflow bucket.
const NumRTTBuckets = len(RTTBounds) + 1

// RTTHistogram counts round-trip times by bucket since start.
type RTTHistogram struct {
	// Counts[i] counts times in (RTTBounds[i-1], RTTBounds[i]]; the last
	// bucket counts those above every bound. Not cumulative.
	Counts [NumRTTBuckets]uint64
	Sum    time.Duration // of every observed time
}

// Observe adds one time.
func (h *RTTHistogram) Observe(d time.Duration) {
	i := 0
	for i < len(RTTBounds) && d > RTTBounds[i] {
		i++
	}
	h.Counts[i]++
	h.Sum += d
}

// Count is the number of observed times.
func (h *RTTHistogram) Count() uint64 {
	var n uint64
	for _, c := range h.Counts {
		n += c
	}
	return n
}
