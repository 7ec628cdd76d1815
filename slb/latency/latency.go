package latency

import (
	"math"
	"math/bits"
	"sync/atomic"
	"time"
)

const (
	linear   = 128 // 1 µs buckets for [0, 128 µs)
	subBits  = 5   // 32 buckets per power of two above
	sub      = 1 << subBits
	topShift = 24 - 7 // octaves from 2^7 to 2^24 µs

	// NumBuckets is the number of buckets; the last one also holds
	// every time above the range.
	NumBuckets = linear + topShift*sub
)

// index is the bucket of us microseconds.
func index(us uint64) int {
	if us < linear {
		return int(us)
	}
	// us has e+subBits+1 significant bits, e >= 2 since us >= 128: its
	// top subBits+1 bits, 32..63, pick the bucket within octave e-2.
	e := bits.Len64(us) - subBits - 1
	i := linear + (e-2)*sub + int(us>>uint(e)) - sub
	return min(i, NumBuckets-1)
}

// Upper is the exclusive upper bound of bucket i: the bucket holds the
// times t with Upper(i-1) <= t < Upper(i), in whole microseconds.
func Upper(i int) time.Duration {
	if i < linear {
		return time.Duration(i+1) * time.Microsecond
	}
	j := i - linear
	e := j/sub + 2
	return time.Duration(uint64(j%sub+sub+1)<<uint(e)) * time.Microsecond
}

// Histogram counts durations. The zero value is ready; it must not be
// copied after first use.
type Histogram struct {
	counts [NumBuckets]atomic.Uint64
	sumNS  atomic.Uint64
	_      [64 - (NumBuckets+1)*8%64]byte // whole cache lines, for arrays of them
}

// ObserveN records n durations of d each (a batch of datagrams received
// at one instant and sent at one instant): one bucket add and one sum
// add, whatever n. A negative d (the clock stepped) counts as 0.
func (h *Histogram) ObserveN(d time.Duration, n int) {
	if n <= 0 {
		return
	}
	d = max(d, 0)
	h.counts[index(uint64(d/time.Microsecond))].Add(uint64(n))
	h.sumNS.Add(uint64(d) * uint64(n))
}

// AddTo adds the histogram's counts into c.
func (h *Histogram) AddTo(c *Counts) {
	for i := range h.counts {
		c.Buckets[i] += h.counts[i].Load()
	}
	c.Sum += time.Duration(h.sumNS.Load())
}

// Counts is a reading of one or more histograms: plain data.
type Counts struct {
	Buckets [NumBuckets]uint64 // not cumulative; bucket i ends at Upper(i)
	Sum     time.Duration      // of every observed duration
}

// Add adds o into c.
func (c *Counts) Add(o *Counts) {
	for i, n := range o.Buckets {
		c.Buckets[i] += n
	}
	c.Sum += o.Sum
}

// Count is the number of observed durations.
func (c *Counts) Count() uint64 {
	var n uint64
	for _, b := range c.Buckets {
		n += b
	}
	return n
}

// Quantile is the upper bound of the bucket holding the q-quantile (0 < q
// <= 1) of the observed durations; 0 when nothing was observed.
func (c *Counts) Quantile(q float64) time.Duration {
	total := c.Count()
	if total == 0 {
		return 0
	}
	// the rank of the quantile, 1-based: the smallest r with r >= q*total
	// (less a rounding error's worth, so that 0.999 of 1000 is 999)
	rank := min(max(uint64(math.Ceil(q*float64(total)-1e-9)), 1), total)
	var cum uint64
	for i, b := range c.Buckets {
		cum += b
		if cum >= rank {
			return Upper(i)
		}
	}
	return Upper(NumBuckets - 1)
}

// Below is how many observed durations were shorter than d, exactly when
// d is a bucket bound (Upper of some bucket), else counting only the
// buckets that end at or below d.
func (c *Counts) Below(d time.Duration) uint64 {
	var n uint64
	for i, b := range c.Buckets {
		if Upper(i) > d {
			break
		}
		n += b
	}
	return n
}
