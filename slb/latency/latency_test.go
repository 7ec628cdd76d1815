package latency

import (
	"testing"
	"time"
)

// Every whole microsecond lands in the bucket whose bounds hold it, the
// buckets are 1 µs wide below 128 µs and at most 1/32 of their lower
// bound above, and times past the range land in the last bucket.
func TestBucketsHoldTheirTimes(t *testing.T) {
	lower := func(i int) time.Duration {
		if i == 0 {
			return 0
		}
		return Upper(i - 1)
	}
	for us := uint64(0); us < 1<<24; us += 1 + us/4096 {
		i := index(us)
		d := time.Duration(us) * time.Microsecond
		if d < lower(i) || d >= Upper(i) {
			t.Fatalf("%d µs in bucket %d [%v, %v)", us, i, lower(i), Upper(i))
		}
	}
	for i := 1; i < NumBuckets; i++ {
		w := Upper(i) - lower(i)
		if i < linear && w != time.Microsecond {
			t.Fatalf("bucket %d is %v wide, want 1µs", i, w)
		}
		if i >= linear && w*32 > lower(i) {
			t.Fatalf("bucket %d [%v, %v) wider than 1/32 of its bound", i, lower(i), Upper(i))
		}
	}
	if got := index(1 << 40); got != NumBuckets-1 {
		t.Fatalf("a time past the range is in bucket %d, want the last (%d)", got, NumBuckets-1)
	}
	if Upper(NumBuckets-1) != (1<<24)*time.Microsecond {
		t.Fatalf("range ends at %v, want 2^24 µs", Upper(NumBuckets-1))
	}
}

// Quantiles are the upper bound of the bucket holding the rank: with 1000
// times of 1..1000 µs, p50 is 501 µs's bucket bound (the 500th time is
// 500 µs, in [496, 504)), p99 990's and p99.9 999's; a batch of n counts n
// times.
func TestQuantiles(t *testing.T) {
	var h Histogram
	for us := 1; us <= 1000; us++ {
		h.ObserveN(time.Duration(us)*time.Microsecond, 1)
	}
	var c Counts
	h.AddTo(&c)
	if c.Count() != 1000 {
		t.Fatalf("count %d, want 1000", c.Count())
	}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 504 * time.Microsecond}, {0.99, 992 * time.Microsecond}, {0.999, 1008 * time.Microsecond}, {0.001, 2 * time.Microsecond}} {
		if got := c.Quantile(tc.q); got != tc.want {
			t.Errorf("q%v = %v, want %v", tc.q, got, tc.want)
		}
	}
	if want := 500500 * time.Microsecond; c.Sum != want {
		t.Errorf("sum %v, want %v", c.Sum, want)
	}

	var b Histogram
	b.ObserveN(3*time.Microsecond, 98)
	b.ObserveN(70*time.Microsecond, 2)
	b.ObserveN(-time.Second, 0) // nothing
	var bc Counts
	b.AddTo(&bc)
	if bc.Count() != 100 || bc.Quantile(0.98) != 4*time.Microsecond || bc.Quantile(0.99) != 71*time.Microsecond {
		t.Errorf("batch: count %d p98 %v p99 %v, want 100, 4µs, 71µs", bc.Count(), bc.Quantile(0.98), bc.Quantile(0.99))
	}
	if bc.Below(4*time.Microsecond) != 98 || bc.Below(71*time.Microsecond) != 100 {
		t.Errorf("Below: %d under 4µs, %d under 71µs; want 98, 100", bc.Below(4*time.Microsecond), bc.Below(71*time.Microsecond))
	}
	var empty Counts
	if empty.Quantile(0.99) != 0 {
		t.Errorf("empty histogram's p99 = %v, want 0", empty.Quantile(0.99))
	}
}

// Recording allocates nothing: it runs on the data path once per batch.
func TestObserveAllocatesNothing(t *testing.T) {
	var h Histogram
	if n := testing.AllocsPerRun(1000, func() { h.ObserveN(17*time.Microsecond, 5) }); n != 0 {
		t.Fatalf("ObserveN allocates %v times per call", n)
	}
}

func BenchmarkObserveN(b *testing.B) {
	var h Histogram
	for i := range b.N {
		h.ObserveN(time.Duration(i%300)*time.Microsecond, 4)
	}
}
