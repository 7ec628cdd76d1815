package udpsip

import (
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"testing"
)

// TestUpdateMatchesRecomputation: RFC 1624's incremental update of a
// complete UDP checksum, after an address and a port change, equals the
// checksum computed afresh, for random datagrams (including the 0/0xffff
// corner, which a naive ~(~HC - m + m') gets wrong).
func TestUpdateMatchesRecomputation(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 20000 {
		udp := make([]byte, 8+rng.IntN(64))
		for j := range udp {
			udp[j] = byte(rng.Uint32())
		}
		binary.BigEndian.PutUint16(udp[4:], uint16(len(udp)))
		var a, b, c [4]byte
		binary.BigEndian.PutUint32(a[:], rng.Uint32())
		binary.BigEndian.PutUint32(b[:], rng.Uint32())
		binary.BigEndian.PutUint32(c[:], rng.Uint32())
		if i%7 == 0 {
			c = b // an unchanged address
		}
		src, dst, dst2 := netip.AddrFrom4(a), netip.AddrFrom4(b), netip.AddrFrom4(c)
		sum := UDPChecksum(src, dst, udp)
		binary.BigEndian.PutUint16(udp[6:], sum)
		var port [2]byte
		binary.BigEndian.PutUint16(port[:], uint16(rng.Uint32()))
		got := UpdateUDP(sum, b[:], c[:])
		got = UpdateUDP(got, udp[2:4], port[:])
		copy(udp[2:], port[:])
		if want := UDPChecksum(src, dst2, udp); got != want {
			t.Fatalf("case %d: updated %#04x, recomputed %#04x", i, got, want)
		}
	}
}

func TestUpdateUDPKeepsNoChecksum(t *testing.T) {
	if got := UpdateUDP(0, []byte{1, 2, 3, 4}, []byte{5, 6, 7, 8}); got != 0 {
		t.Fatalf("a datagram without checksum got %#04x", got)
	}
}

// TestUpdateIPHeader: the header checksum updated for a new destination
// equals the recomputed one.
func TestUpdateIPHeader(t *testing.T) {
	h := []byte{0x45, 0, 0, 60, 0x12, 0x34, 0x40, 0, 64, 17, 0, 0, 192, 0, 2, 10, 192, 0, 2, 100}
	binary.BigEndian.PutUint16(h[10:], IPChecksum(h))
	nd := []byte{10, 0, 0, 11}
	c := Update(binary.BigEndian.Uint16(h[10:]), h[16:20], nd)
	copy(h[16:], nd)
	if want := IPChecksum(h); c != want {
		t.Fatalf("updated %#04x, recomputed %#04x", c, want)
	}
}
