package dsr

import (
	"encoding/binary"
	"net/netip"
)

// Offsets in an untagged Ethernet II frame carrying IPv4.
const (
	ethLen       = 14
	etherTypeIP4 = 0x0800
	protoUDP     = 17
	minIPHeader  = 20
	udpHeader    = 8
	flagMF       = 0x2000
	offsetMask   = 0x1fff
)

// MAC is an Ethernet address.
type MAC = [6]byte

func be16(b []byte) uint16 { return binary.BigEndian.Uint16(b) }

func addr4(b []byte) netip.Addr { return netip.AddrFrom4([4]byte(b[:4])) }

// sum adds b to a ones-complement accumulator, 4 bytes at a time. The
// accumulator has room for 2^32 additions, far beyond any frame.
func sum(acc uint64, b []byte) uint64 {
	for len(b) >= 4 {
		acc += uint64(binary.BigEndian.Uint32(b))
		b = b[4:]
	}
	if len(b) >= 2 {
		acc += uint64(be16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		acc += uint64(b[0]) << 8
	}
	return acc
}

func fold(acc uint64) uint16 {
	for acc>>16 != 0 {
		acc = acc&0xffff + acc>>16
	}
	return uint16(acc)
}

// udpChecksum is the checksum of the UDP datagram udp (header with any
// checksum value, and payload) between src and dst (RFC 768), ready to be
// stored: 0 is sent as 0xffff, since 0 means "no checksum".
func udpChecksum(src, dst netip.Addr, udp []byte) uint16 {
	s4, d4 := src.As4(), dst.As4()
	acc := sum(0, s4[:])
	acc = sum(acc, d4[:])
	acc += protoUDP + uint64(len(udp))
	acc = sum(acc, udp[:6])
	acc = sum(acc, udp[8:])
	c := ^fold(acc)
	if c == 0 {
		c = 0xffff
	}
	return c
}

// ipChecksum is the IPv4 header checksum of h (its checksum field ignored).
func ipChecksum(h []byte) uint16 {
	acc := sum(0, h[:10])
	acc = sum(acc, h[12:])
	return ^fold(acc)
}

// UDPFrame describes a frame AppendUDPFrame builds.
type UDPFrame struct {
	Dst, Src MAC
	From, To netip.AddrPort // IPv4
	ID       uint16         // IP identification
}

// AppendUDPFrame appends an Ethernet/IPv4/UDP frame carrying payload, with
// valid checksums and DF set, to dst. It serves the DSR health probes,
// which must reach the VIP at one real server's MAC. payload must fit one
// frame of the link (the caller's MTU); nothing is fragmented here.
func AppendUDPFrame(dst []byte, f *UDPFrame, payload []byte) []byte {
	start := len(dst)
	dst = append(dst, f.Dst[:]...)
	dst = append(dst, f.Src[:]...)
	dst = append(dst, etherTypeIP4>>8, etherTypeIP4&0xff)
	tot := minIPHeader + udpHeader + len(payload)
	s4, d4 := f.From.Addr().As4(), f.To.Addr().As4()
	dst = append(dst, 0x45, 0, byte(tot>>8), byte(tot), byte(f.ID>>8), byte(f.ID), 0x40, 0, 64, protoUDP, 0, 0)
	dst = append(dst, s4[:]...)
	dst = append(dst, d4[:]...)
	ul := udpHeader + len(payload)
	dst = append(dst, byte(f.From.Port()>>8), byte(f.From.Port()), byte(f.To.Port()>>8), byte(f.To.Port()), byte(ul>>8), byte(ul), 0, 0)
	dst = append(dst, payload...)
	ip := dst[start+ethLen:]
	binary.BigEndian.PutUint16(ip[10:], ipChecksum(ip[:minIPHeader]))
	udp := ip[minIPHeader:]
	binary.BigEndian.PutUint16(udp[6:], udpChecksum(f.From.Addr(), f.To.Addr(), udp))
	return dst
}
