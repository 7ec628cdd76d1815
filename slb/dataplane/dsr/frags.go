package dsr

import (
	"net/netip"
	"time"

	"sipslb/slb/pool"
)

// FragTTL is how long the choice made for a first fragment holds for the
// rest of its datagram. Fragments of one datagram leave the sender
// back to back; a second is generous and keeps a reused IP ID (after
// 65536 datagrams between the same hosts) from inheriting a stale choice.
const FragTTL = int64(time.Second)

// fragSlots is the size of the fragment table: the number of fragmented
// datagrams in flight at once that are told apart. A collision overwrites
// the older entry, whose remaining fragments are then dropped as orphans.
const fragSlots = 1024

type fragKey struct {
	src, dst [4]byte
	id       uint16
}

type fragEntry struct {
	key fragKey
	exp int64 // 0 = free
	mac MAC
	vp  *pool.VPort
}

// fragTable maps a datagram's (source, destination, IP ID) to the MAC its
// first fragment went to. Fixed size, open to overwrite, no allocation.
type fragTable struct {
	slots [fragSlots]fragEntry
}

func (k fragKey) slot() int {
	h := uint32(k.id)*0x9e3779b1 ^ (uint32(k.src[0])<<24 | uint32(k.src[1])<<16 | uint32(k.src[2])<<8 | uint32(k.src[3])) ^
		(uint32(k.dst[0])<<24|uint32(k.dst[1])<<16|uint32(k.dst[2])<<8|uint32(k.dst[3]))*0x85ebca6b
	h ^= h >> 15
	return int(h % fragSlots)
}

func keyOf(src, dst netip.Addr, id uint16) fragKey {
	return fragKey{src: src.As4(), dst: dst.As4(), id: id}
}

func (t *fragTable) put(k fragKey, mac MAC, vp *pool.VPort, exp int64) {
	t.slots[k.slot()] = fragEntry{key: k, exp: exp, mac: mac, vp: vp}
}

func (t *fragTable) get(k fragKey, now int64) *fragEntry {
	e := &t.slots[k.slot()]
	if e.exp == 0 || e.key != k || now > e.exp {
		return nil
	}
	return e
}
