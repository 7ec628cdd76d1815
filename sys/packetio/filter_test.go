package packetio

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"golang.org/x/net/bpf"
)

var (
	ourMAC   = [6]byte{2, 0, 0, 0, 0, 2}
	otherMAC = [6]byte{2, 0, 0, 0, 0, 9}
)

// udpFrame builds the headers the filter looks at.
func udpFrame(dstMAC [6]byte, etherType uint16, proto byte, dst netip.Addr, dport uint16, fragOff uint16, ihl int) []byte {
	b := make([]byte, 14+ihl+8+20)
	copy(b, dstMAC[:])
	binary.BigEndian.PutUint16(b[12:], etherType)
	ip := b[14:]
	ip[0] = 0x40 | byte(ihl/4)
	binary.BigEndian.PutUint16(ip[6:], fragOff)
	ip[9] = proto
	d := dst.As4()
	copy(ip[16:], d[:])
	binary.BigEndian.PutUint16(ip[ihl+2:], dport)
	return b
}

func TestFilter(t *testing.T) {
	vip1 := netip.MustParseAddr("198.51.100.100")
	vip2 := netip.MustParseAddr("198.51.100.101")
	other := netip.MustParseAddr("198.51.100.2")
	targets := []netip.AddrPort{netip.AddrPortFrom(vip1, 5060), netip.AddrPortFrom(vip2, 5080)}
	tests := []struct {
		name    string
		targets []netip.AddrPort
		frame   []byte
		accept  bool
	}{
		{"vip1 sip", targets, udpFrame(ourMAC, 0x0800, 17, vip1, 5060, 0, 20), true},
		{"vip2 port", targets, udpFrame(ourMAC, 0x0800, 17, vip2, 5080, 0, 20), true},
		{"cross pair passes, data path checks", targets, udpFrame(ourMAC, 0x0800, 17, vip1, 5080, 0, 20), true},
		{"ip options", targets, udpFrame(ourMAC, 0x0800, 17, vip1, 5060, 0, 24), true},
		{"first fragment checks port", targets, udpFrame(ourMAC, 0x0800, 17, vip1, 5060, 0x2000, 20), true},
		{"first fragment other port", targets, udpFrame(ourMAC, 0x0800, 17, vip1, 9999, 0x2000, 20), false},
		{"later fragment", targets, udpFrame(ourMAC, 0x0800, 17, vip1, 9999, 185, 20), true},
		{"later fragment to non-vip", targets, udpFrame(ourMAC, 0x0800, 17, other, 5060, 185, 20), false},
		{"other port", targets, udpFrame(ourMAC, 0x0800, 17, vip1, 5070, 0, 20), false},
		{"other ip", targets, udpFrame(ourMAC, 0x0800, 17, other, 5060, 0, 20), false},
		{"other mac (our own resent frame)", targets, udpFrame(otherMAC, 0x0800, 17, vip1, 5060, 0, 20), false},
		{"tcp", targets, udpFrame(ourMAC, 0x0800, 6, vip1, 5060, 0, 20), false},
		{"arp", targets, udpFrame(ourMAC, 0x0806, 17, vip1, 5060, 0, 20), false},
		{"empty set", nil, udpFrame(ourMAC, 0x0800, 17, vip1, 5060, 0, 20), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := Filter(ourMAC, tt.targets)
			if err != nil {
				t.Fatal(err)
			}
			prog, ok := bpf.Disassemble(raw)
			if !ok {
				t.Fatal("disassemble")
			}
			vm, err := bpf.NewVM(prog)
			if err != nil {
				t.Fatal(err)
			}
			n, err := vm.Run(tt.frame)
			if err != nil {
				t.Fatal(err)
			}
			if (n > 0) != tt.accept {
				t.Errorf("accepted=%v, want %v", n > 0, tt.accept)
			}
		})
	}
}

func TestFilterLimits(t *testing.T) {
	var many []netip.AddrPort
	for i := range maxTargets + 1 {
		many = append(many, netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), 5060))
	}
	if _, err := Filter(ourMAC, many); err == nil {
		t.Error("more than maxTargets VIPs accepted")
	}
	if _, err := Filter(ourMAC, many[:maxTargets]); err != nil {
		t.Errorf("maxTargets VIPs: %v", err)
	}
	if _, err := Filter(ourMAC, []netip.AddrPort{netip.MustParseAddrPort("[::1]:5060")}); err == nil {
		t.Error("IPv6 target accepted")
	}
}

// srcFrame builds the headers SourceFilter looks at.
func srcFrame(src netip.Addr, sport uint16, dst netip.Addr, fragOff uint16) []byte {
	b := udpFrame(ourMAC, 0x0800, 17, dst, 0, fragOff, 20)
	s := src.As4()
	copy(b[14+12:], s[:])
	binary.BigEndian.PutUint16(b[14+20:], sport)
	return b
}

func TestSourceFilter(t *testing.T) {
	rs1 := netip.MustParseAddr("10.0.0.11")
	rs2 := netip.MustParseAddr("10.0.0.12")
	self := netip.MustParseAddr("10.0.0.1")
	client := netip.MustParseAddr("192.0.2.10")
	sources := []netip.AddrPort{netip.AddrPortFrom(rs1, 5060), netip.AddrPortFrom(rs2, 5080)}
	tests := []struct {
		name   string
		frame  []byte
		accept bool
	}{
		{"server sip port to client", srcFrame(rs1, 5060, client, 0), true},
		{"second server", srcFrame(rs2, 5080, client, 0), true},
		{"first fragment", srcFrame(rs1, 5060, client, 0x2000), true},
		{"later fragment", srcFrame(rs1, 0, client, 185), true},
		{"other source port (rtp)", srcFrame(rs1, 16000, client, 0), false},
		{"to the appliance (health answer)", srcFrame(rs1, 5060, self, 0), false},
		{"later fragment to the appliance", srcFrame(rs1, 0, self, 185), false},
		{"not a server", srcFrame(client, 5060, rs1, 0), false},
	}
	raw, err := SourceFilter(ourMAC, self, sources)
	if err != nil {
		t.Fatal(err)
	}
	prog, _ := bpf.Disassemble(raw)
	vm, err := bpf.NewVM(prog)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		n, err := vm.Run(tt.frame)
		if err != nil {
			t.Fatal(err)
		}
		if (n > 0) != tt.accept {
			t.Errorf("%s: accepted=%v, want %v", tt.name, n > 0, tt.accept)
		}
	}
}
