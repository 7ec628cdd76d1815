package dsr

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"testing"

	"sipslb/slb/config"
	"sipslb/slb/dataplane/udpsip"
	"sipslb/slb/dialog"
	"sipslb/slb/pool"
)

var (
	vip      = netip.MustParseAddr("198.51.100.100")
	client   = netip.MustParseAddrPort("198.51.100.10:5061")
	ourMAC   = MAC{0x02, 0, 0, 0, 0, 0x02}
	clMAC    = MAC{0x02, 0, 0, 0, 0, 0x10}
	realIPs  = []netip.Addr{netip.MustParseAddr("198.51.100.21"), netip.MustParseAddr("198.51.100.22"), netip.MustParseAddr("198.51.100.23")}
	realMACs = fakeNeighbors{}
)

func init() {
	for i, a := range realIPs {
		realMACs[a] = MAC{0x02, 0, 0, 0, 0, byte(0x21 + i)}
	}
}

type fakeNeighbors map[netip.Addr]MAC

func (n fakeNeighbors) Lookup(ip netip.Addr) (MAC, bool) {
	m, ok := n[ip]
	return m, ok
}

// dsrConfig is a DSR virtual server on vip:5060 bound to three reals.
func dsrConfig(mod func(*config.VirtualPort)) *config.Config {
	c := config.New()
	vp := &config.VirtualPort{Port: 5060, DSR: true}
	for i, a := range realIPs {
		name := fmt.Sprintf("rs%d", i+1)
		c.Reals = append(c.Reals, &config.RealServer{Name: name, Addr: a, Weight: 1,
			Ports: []*config.RealPort{{Port: 5060, Role: config.RoleBoth}}})
		vp.Binds = append(vp.Binds, config.Bind{Real: name, Port: 5060})
	}
	if mod != nil {
		mod(vp)
	}
	c.Virtuals = append(c.Virtuals, &config.VirtualServer{Name: "v", Addr: vip, Ports: []*config.VirtualPort{vp}})
	return c
}

func buildState(t testing.TB, c *config.Config) *pool.State {
	t.Helper()
	reg := pool.NewRegistry(1)
	reg.SetDialogs(dialog.New(1<<12, 0, 0))
	return pool.Build(c, func(string, uint16, *config.RealPort) bool { return true }, reg)
}

func newForwarder() *Forwarder { return &Forwarder{MAC: ourMAC, Counters: new(Counters)} }

func sipMsg(method, callID string, bodyLen int) []byte {
	body := make([]byte, bodyLen)
	for i := range body {
		body[i] = 'a' + byte(i%26)
	}
	return fmt.Appendf(nil, "%s sip:svc@%v SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP %v;branch=z9hG4bK-%d\r\n"+
		"Max-Forwards: 70\r\n"+
		"From: <sip:a@example.com>;tag=1\r\n"+
		"To: <sip:svc@example.com>\r\n"+
		"Call-ID: %s\r\n"+
		"CSeq: 1 %s\r\n"+
		"Content-Length: %d\r\n\r\n%s", method, vip, client, len(callID), callID, method, len(body), body)
}

// frame wraps payload in an Ethernet/IPv4/UDP frame from the client to the
// VIP at our MAC.
func frame(payload []byte) []byte {
	return AppendUDPFrame(nil, &UDPFrame{Dst: ourMAC, Src: clMAC, From: client,
		To: netip.AddrPortFrom(vip, 5060), ID: 7}, payload)
}

// fragments splits an unfragmented frame built by frame into IPv4
// fragments carrying at most mtu bytes of IP packet each.
func fragments(fr []byte, mtu int) [][]byte {
	ip := fr[ethLen:]
	data := ip[minIPHeader:] // UDP header and payload
	per := (mtu - minIPHeader) &^ 7
	var out [][]byte
	for off := 0; off < len(data); off += per {
		end := min(off+per, len(data))
		f := append([]byte(nil), fr[:ethLen+minIPHeader]...)
		f = append(f, data[off:end]...)
		h := f[ethLen:]
		binary.BigEndian.PutUint16(h[2:], uint16(minIPHeader+end-off))
		ff := uint16(off / 8)
		if end < len(data) {
			ff |= flagMF
		}
		binary.BigEndian.PutUint16(h[6:], ff)
		binary.BigEndian.PutUint16(h[10:], udpsip.IPChecksum(h[:minIPHeader]))
		out = append(out, f)
	}
	return out
}

// checksumOK verifies the UDP checksum of an unfragmented frame.
func checksumOK(fr []byte) bool {
	ip := fr[ethLen:]
	udp := ip[minIPHeader:]
	want := udpsip.UDPChecksum(addr4(ip[12:]), addr4(ip[16:]), udp)
	return be16(udp[6:]) == want
}
