package udpsip

import (
	"net/netip"
	"time"
)

// FragTTL is how long the choice made for a first fragment holds for the
// rest of its datagram. Fragments of one datagram leave the sender
// back to back; a second is generous and keeps a reused IP ID (after
// 65536 datagrams between the same hosts) from inheriting a stale choice.
const FragTTL = int64(time.Second)

// FragSlots is the size of a fragment table: the number of fragmented
// datagrams in flight at once that are told apart. A collision overwrites
// the older entry, whose remaining fragments are then dropped as orphans.
const FragSlots = 1024

type fragKey struct {
	src, dst [4]byte
	id       uint16
}

type fragEntry[V any] struct {
	key fragKey
	exp int64 // 0 = free
	val V
}

// FragTable maps a datagram's (source, destination, IP ID) to what its
// first fragment decided (V), so that later fragments follow it. Fixed
// size, open to overwrite, no allocation; one goroutine's.
type FragTable[V any] struct {
	slots [FragSlots]fragEntry[V]
}

func (k fragKey) slot() int {
	h := uint32(k.id)*0x9e3779b1 ^ (uint32(k.src[0])<<24 | uint32(k.src[1])<<16 | uint32(k.src[2])<<8 | uint32(k.src[3])) ^
		(uint32(k.dst[0])<<24|uint32(k.dst[1])<<16|uint32(k.dst[2])<<8|uint32(k.dst[3]))*0x85ebca6b
	h ^= h >> 15
	return int(h % FragSlots)
}

// Put records v for the datagram (src, dst, id) until exp (Unix ns).
func (t *FragTable[V]) Put(src, dst netip.Addr, id uint16, v V, exp int64) {
	k := fragKey{src: src.As4(), dst: dst.As4(), id: id}
	t.slots[k.slot()] = fragEntry[V]{key: k, exp: exp, val: v}
}

// Get returns what was recorded for (src, dst, id), or nil when nothing
// is, or it expired before now, or it was overwritten.
func (t *FragTable[V]) Get(src, dst netip.Addr, id uint16, now int64) *V {
	k := fragKey{src: src.As4(), dst: dst.As4(), id: id}
	e := &t.slots[k.slot()]
	if e.exp == 0 || e.key != k || now > e.exp {
		return nil
	}
	return &e.val
}
