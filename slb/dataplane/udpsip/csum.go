package udpsip

import (
	"encoding/binary"
	"net/netip"
)

// ProtoUDP is the IPv4 protocol number of UDP.
const ProtoUDP = 17

// Sum adds b to a ones-complement accumulator, 4 bytes at a time. The
// accumulator has room for 2^32 additions, far beyond any frame.
func Sum(acc uint64, b []byte) uint64 {
	for len(b) >= 4 {
		acc += uint64(binary.BigEndian.Uint32(b))
		b = b[4:]
	}
	if len(b) >= 2 {
		acc += uint64(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		acc += uint64(b[0]) << 8
	}
	return acc
}

// Fold folds a ones-complement accumulator to 16 bits.
func Fold(acc uint64) uint16 {
	for acc>>16 != 0 {
		acc = acc&0xffff + acc>>16
	}
	return uint16(acc)
}

// UDPChecksum is the checksum of the UDP datagram udp (header with any
// checksum value, and payload) between src and dst (RFC 768), ready to be
// stored: 0 is sent as 0xffff, since 0 means "no checksum".
func UDPChecksum(src, dst netip.Addr, udp []byte) uint16 {
	s4, d4 := src.As4(), dst.As4()
	acc := Sum(0, s4[:])
	acc = Sum(acc, d4[:])
	acc += ProtoUDP + uint64(len(udp))
	acc = Sum(acc, udp[:6])
	acc = Sum(acc, udp[8:])
	c := ^Fold(acc)
	if c == 0 {
		c = 0xffff
	}
	return c
}

// IPChecksum is the IPv4 header checksum of h (its checksum field ignored).
func IPChecksum(h []byte) uint16 {
	acc := Sum(0, h[:10])
	acc = Sum(acc, h[12:])
	return ^Fold(acc)
}

// Update returns the checksum hc after the 16-bit-aligned field old
// became new (same length, even): RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m').
// It is exact for a complete checksum, whatever the rest of the data.
func Update(hc uint16, old, new []byte) uint16 {
	acc := uint64(^hc)
	for i := 0; i+1 < len(old); i += 2 {
		acc += uint64(^binary.BigEndian.Uint16(old[i:]))
		acc += uint64(binary.BigEndian.Uint16(new[i:]))
	}
	return ^Fold(acc)
}

// UpdateUDP is Update for a UDP checksum: 0 (no checksum) stays 0, and a
// result of 0 is stored as 0xffff (RFC 768).
func UpdateUDP(hc uint16, old, new []byte) uint16 {
	if hc == 0 {
		return 0
	}
	c := Update(hc, old, new)
	if c == 0 {
		c = 0xffff
	}
	return c
}
