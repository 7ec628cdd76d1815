package hash

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
)

// Call-ID corpora seen in the field. Each generator is seeded, so the tests
// that use them are deterministic.
type corpus struct {
	name string
	gen  func(r *rand.Rand, i int) string
}

var corpora = []corpus{
	{"uuid-v4", func(r *rand.Rand, _ int) string { return uuidV4(r) }},
	{"rfc3261 hex@host", func(r *rand.Rand, _ int) string {
		// a84b4c76e66710@pc33.atlanta.com
		return fmt.Sprintf("%014x@pc%d.atlanta.com", r.Uint64()&(1<<56-1), r.IntN(100))
	}},
	{"decimal@ip", func(r *rand.Rand, _ int) string {
		// 123456789@10.0.0.1
		return fmt.Sprintf("%d@10.0.0.%d", r.IntN(1e9), 1+r.IntN(4))
	}},
	{"sipp sequential", func(_ *rand.Rand, i int) string {
		// SIPp's default "%u-%p@%s": call number, pid, local address.
		return strconv.Itoa(i+1) + "-12345@127.0.0.1"
	}},
	{"call-N@host sequential", func(_ *rand.Rand, i int) string {
		return "call-" + strconv.Itoa(i) + "@host"
	}},
}

func uuidV4(r *rand.Rand) string {
	var b [16]byte
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// keys returns n keys of the corpus, generated with a fixed seed.
func (c corpus) keys(n int, seed uint64) []uint64 {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	ks := make([]uint64, n)
	for i := range ks {
		ks[i] = KeyString(c.gen(r, i))
	}
	return ks
}

// chiSquareCritical approximates the upper critical value of the chi-square
// distribution with k degrees of freedom at the normal quantile z
// (Wilson–Hilferty), good to a few percent for k >= 1.
func chiSquareCritical(k int, z float64) float64 {
	kf := float64(k)
	a := 2 / (9 * kf)
	return kf * math.Pow(1-a+z*math.Sqrt(a), 3)
}

// z for an upper tail of 1e-4: a healthy hash fails once in 10,000 corpora.
const zTail = 3.719
