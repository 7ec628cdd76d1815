package hash

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/cespare/xxhash/v2"
)

// MaxBackends is the most backends a Table can index: slots hold uint16
// indices so the default table is 128 KiB rather than 256 KiB.
const MaxBackends = 1<<16 - 1

// Backend is one candidate of a Table. Name is its stable identity (for a
// real server, its configured name): the backend's permutation is derived
// from it, so a server keeps its slots when others come and go.
type Backend struct {
	Name   string
	Weight uint32
}

// Table is an immutable weighted Maglev lookup table.
// The zero value and a nil *Table are empty: Lookup returns -1.
type Table struct {
	slots []uint16 // slot -> index into the backends given to Build
	owned []uint32 // index into the backends given to Build -> slots owned
}

// permutation state of one backend during Build.
type filler struct {
	index  int    // index into the caller's slice
	weight uint32 // > 0
	skip   uint64
	pos    uint64 // next candidate slot: offset + j*skip mod size
	credit uint64 // accumulated turns, in units of the largest weight
}

// Build fills a table of the given size (a prime; 0 means SizeFor the number
// of weighted backends; a non-prime is rounded up to the next prime) from
// backends. Backends with weight 0 get no slots; if none has a weight the
// table is empty. Names should be unique: duplicates are told apart by their
// position among equal names, which makes only them order-dependent.
// Build panics if len(backends) > MaxBackends, a programming error that
// configuration validation must prevent.
func Build(backends []Backend, size uint32) *Table {
	if len(backends) > MaxBackends {
		panic(fmt.Sprintf("hash: %d backends, at most %d", len(backends), MaxBackends))
	}
	t := &Table{owned: make([]uint32, len(backends))}

	order := make([]int, 0, len(backends))
	for i, b := range backends {
		if b.Weight > 0 {
			order = append(order, i)
		}
	}
	if len(order) == 0 {
		return t
	}
	// Turns are taken in name order, never slice order, so the result
	// depends only on the set of backends.
	slices.SortStableFunc(order, func(a, b int) int {
		return strings.Compare(backends[a].Name, backends[b].Name)
	})

	if size == 0 {
		size = SizeFor(len(order))
	} else if !isPrime(size) {
		size = nextPrime(size)
	}
	m := uint64(size)

	fill := make([]filler, len(order))
	var maxWeight uint32
	for k, i := range order {
		id := backends[i].Name
		if dup := duplicateOrdinal(backends, order, k); dup > 0 {
			id += "\x00#" + strconv.Itoa(dup)
		}
		fill[k] = filler{
			index:  i,
			weight: backends[i].Weight,
			pos:    xxhash.Sum64String("offset\x00"+id) % m,
			skip:   xxhash.Sum64String("skip\x00"+id)%(m-1) + 1,
		}
		maxWeight = max(maxWeight, backends[i].Weight)
	}

	const free = ^uint16(0) // never a valid index: len(backends) <= MaxBackends
	t.slots = make([]uint16, size)
	for i := range t.slots {
		t.slots[i] = free
	}

	// Every round each backend earns its weight in credit and takes a slot
	// per maxWeight of credit (at most one a round, since weight <=
	// maxWeight). The heaviest backends take a slot every round, the others
	// in proportion, so slot shares follow the weights while the fill keeps
	// Maglev's property that each backend's choices depend only on its own
	// permutation and on what was taken before it.
	filled := uint64(0)
	for filled < m {
		for k := range fill {
			f := &fill[k]
			f.credit += uint64(f.weight)
			if f.credit < uint64(maxWeight) {
				continue
			}
			f.credit -= uint64(maxWeight)
			for t.slots[f.pos] != free {
				f.advance(m)
			}
			t.slots[f.pos] = uint16(f.index)
			t.owned[f.index]++
			f.advance(m)
			filled++
			if filled == m {
				break
			}
		}
	}
	return t
}

// advance steps to the next slot of the permutation; skip < m, so one
// subtraction replaces the modulo.
func (f *filler) advance(m uint64) {
	f.pos += f.skip
	if f.pos >= m {
		f.pos -= m
	}
}

// duplicateOrdinal returns how many backends before order[k] (in the sorted
// order) share its name.
func duplicateOrdinal(backends []Backend, order []int, k int) int {
	n := 0
	for j := k - 1; j >= 0 && backends[order[j]].Name == backends[order[k]].Name; j-- {
		n++
	}
	return n
}

// Lookup returns the index (into the slice given to Build) of the backend
// that owns key, or -1 if the table is empty. key must be well mixed (as
// from Key); it is reduced modulo the prime size as in the Maglev paper.
func (t *Table) Lookup(key uint64) int {
	if t == nil || len(t.slots) == 0 {
		return -1
	}
	return int(t.slots[key%uint64(len(t.slots))])
}

// Size is the number of slots, 0 for an empty table.
func (t *Table) Size() uint32 {
	if t == nil {
		return 0
	}
	return uint32(len(t.slots))
}

// Len is the number of backends given to Build, weighted or not.
func (t *Table) Len() int {
	if t == nil {
		return 0
	}
	return len(t.owned)
}

// Share is the fraction of slots owned by backend i (an index into the slice
// given to Build), which is the fraction of Call-IDs it receives. It is 0
// for an out-of-range index or an empty table.
func (t *Table) Share(i int) float64 {
	if t == nil || i < 0 || i >= len(t.owned) || len(t.slots) == 0 {
		return 0
	}
	return float64(t.owned[i]) / float64(len(t.slots))
}
