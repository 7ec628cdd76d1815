package udpsip

import (
	"encoding/binary"
	"net/netip"

	"sipslb/slb/reason"
)

// Offsets and values in an untagged Ethernet II frame carrying IPv4.
const (
	EthLen       = 14
	EtherTypeIP4 = 0x0800
	MinIPHeader  = 20
	UDPHeader    = 8
	flagMF       = 0x2000
	offsetMask   = 0x1fff
)

// Packet is the IPv4/UDP view of one Ethernet frame. Its slices alias the
// frame.
type Packet struct {
	IP  []byte // the IPv4 packet, trimmed to its total length
	IHL int    // IPv4 header length
	// UDP is the UDP header and data: of a whole datagram, trimmed to the
	// UDP length; of a first fragment, what this fragment carries; nil for
	// a later fragment, which has no UDP header.
	UDP      []byte
	Src, Dst netip.Addr
	ID       uint16 // IP identification
	Later    bool   // a later fragment (offset > 0)
	More     bool   // more fragments follow (a first fragment when !Later)
}

// Payload is the UDP data (nil for a later fragment).
func (p *Packet) Payload() []byte {
	if p.UDP == nil {
		return nil
	}
	return p.UDP[UDPHeader:]
}

// SrcPort and DstPort are the UDP ports (0 for a later fragment).
func (p *Packet) SrcPort() uint16 {
	if p.UDP == nil {
		return 0
	}
	return binary.BigEndian.Uint16(p.UDP)
}

func (p *Packet) DstPort() uint16 {
	if p.UDP == nil {
		return 0
	}
	return binary.BigEndian.Uint16(p.UDP[2:])
}

// ParseFrame reads fr as Ethernet + IPv4 + UDP, checking every length it
// relies on. A frame it refuses comes back with the frame-level reason.
func ParseFrame(fr []byte) (p Packet, r reason.Frame) {
	if len(fr) < EthLen+MinIPHeader {
		return p, reason.FrameShort
	}
	if binary.BigEndian.Uint16(fr[12:]) != EtherTypeIP4 {
		return p, reason.FrameNotIPv4
	}
	ip := fr[EthLen:]
	ihl := int(ip[0]&0xf) * 4
	tot := int(binary.BigEndian.Uint16(ip[2:]))
	if ip[0]>>4 != 4 || ihl < MinIPHeader || tot < ihl || tot > len(ip) {
		return p, reason.FrameBadIP
	}
	ip = ip[:tot] // Ethernet padding trimmed
	if ip[9] != ProtoUDP {
		return p, reason.FrameNotUDP
	}
	ff := binary.BigEndian.Uint16(ip[6:])
	p = Packet{
		IP: ip, IHL: ihl,
		Src: netip.AddrFrom4([4]byte(ip[12:16])), Dst: netip.AddrFrom4([4]byte(ip[16:20])),
		ID: binary.BigEndian.Uint16(ip[4:]), Later: ff&offsetMask != 0, More: ff&flagMF != 0,
	}
	if p.Later {
		return p, reason.FrameOK
	}
	udp := ip[ihl:]
	if len(udp) < UDPHeader {
		return p, reason.FrameBadUDP
	}
	if !p.More {
		ul := int(binary.BigEndian.Uint16(udp[4:]))
		if ul < UDPHeader || ul > len(udp) {
			return p, reason.FrameBadUDP
		}
		udp = udp[:ul]
	}
	p.UDP = udp
	return p, reason.FrameOK
}
