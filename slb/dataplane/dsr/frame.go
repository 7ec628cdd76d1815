package dsr

import (
	"encoding/binary"
	"net/netip"

	"sipslb/slb/dataplane/udpsip"
)

// Offsets in an untagged Ethernet II frame carrying IPv4.
const (
	ethLen       = 14
	etherTypeIP4 = 0x0800
	protoUDP     = udpsip.ProtoUDP
	minIPHeader  = 20
	udpHeader    = 8
	flagMF       = 0x2000
	offsetMask   = 0x1fff
)

// MAC is an Ethernet address.
type MAC = [6]byte

func be16(b []byte) uint16 { return binary.BigEndian.Uint16(b) }

func addr4(b []byte) netip.Addr { return netip.AddrFrom4([4]byte(b[:4])) }

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
	binary.BigEndian.PutUint16(ip[10:], udpsip.IPChecksum(ip[:minIPHeader]))
	udp := ip[minIPHeader:]
	binary.BigEndian.PutUint16(udp[6:], udpsip.UDPChecksum(f.From.Addr(), f.To.Addr(), udp))
	return dst
}
