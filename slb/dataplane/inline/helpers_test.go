package inline

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"testing"

	"sipslb/slb/config"
	"sipslb/slb/dataplane/dsr"
	"sipslb/slb/dataplane/udpsip"
	"sipslb/slb/dialog"
	"sipslb/slb/pool"
)

const now = int64(1e18)

var (
	vip     = netip.MustParseAddr("192.0.2.100")
	vipPort = netip.AddrPortFrom(vip, 5060)
	client  = netip.MustParseAddrPort("192.0.2.10:5061")
	ourMAC  = dsr.MAC{0x02, 0, 0, 0, 0, 0x02}
	peerMAC = dsr.MAC{0x02, 0, 0, 0, 0, 0x10}
	realIPs = []netip.Addr{netip.MustParseAddr("10.0.0.11"), netip.MustParseAddr("10.0.0.12"), netip.MustParseAddr("10.0.0.13")}
)

// realPort is the port the servers listen on: not the VIP's, so the port
// translation is seen.
const realPort = 5080

// inlineConfig is an inline virtual server on vip:5060 bound to three
// reals on realPort.
func inlineConfig(mod func(*config.Config)) *config.Config {
	c := config.New()
	vp := &config.VirtualPort{Port: 5060, Inline: true}
	for i, a := range realIPs {
		name := fmt.Sprintf("rs%d", i+1)
		c.Reals = append(c.Reals, &config.RealServer{Name: name, Addr: a, Weight: 1,
			Ports: []*config.RealPort{{Port: realPort, Role: config.RoleBoth}}})
		vp.Binds = append(vp.Binds, config.Bind{Real: name, Port: realPort})
	}
	c.Virtuals = append(c.Virtuals, &config.VirtualServer{Name: "v", Addr: vip, Ports: []*config.VirtualPort{vp}})
	if mod != nil {
		mod(c)
	}
	return c
}

func buildState(t testing.TB, c *config.Config, healthy func(real string) bool) *pool.State {
	t.Helper()
	if ps := c.Validate(); len(ps) > 0 {
		t.Fatalf("config: %v", ps)
	}
	reg := pool.NewRegistry(1)
	reg.SetDialogs(dialog.New(1<<12, 0, 0))
	return pool.Build(c, func(r string, _ uint16, _ *config.RealPort) bool { return healthy == nil || healthy(r) }, reg)
}

func newForwarder() *Forwarder { return &Forwarder{In: new(Counters), Out: new(Counters)} }

func sipRequest(method, callID string, bodyLen int) []byte {
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

func sipResponse(callID string) []byte {
	return fmt.Appendf(nil, "SIP/2.0 200 OK\r\n"+
		"Via: SIP/2.0/UDP %v;branch=z9hG4bK-1\r\n"+
		"From: <sip:a@example.com>;tag=1\r\n"+
		"To: <sip:svc@example.com>;tag=2\r\n"+
		"Call-ID: %s\r\n"+
		"CSeq: 1 INVITE\r\n"+
		"Content-Length: 0\r\n\r\n", client, callID)
}

// udpFrame is an Ethernet/IPv4/UDP frame with valid checksums.
func udpFrame(from, to netip.AddrPort, payload []byte) []byte {
	return dsr.AppendUDPFrame(nil, &dsr.UDPFrame{Dst: ourMAC, Src: peerMAC, From: from, To: to, ID: 7}, payload)
}

// fragments splits an unfragmented frame into IPv4 fragments carrying at
// most mtu bytes of IP packet each.
func fragments(fr []byte, mtu int) [][]byte {
	const eth, iph = udpsip.EthLen, udpsip.MinIPHeader
	data := fr[eth+iph:]
	per := (mtu - iph) &^ 7
	var out [][]byte
	for off := 0; off < len(data); off += per {
		end := min(off+per, len(data))
		f := append([]byte(nil), fr[:eth+iph]...)
		f = append(f, data[off:end]...)
		h := f[eth:]
		binary.BigEndian.PutUint16(h[2:], uint16(iph+end-off))
		ff := uint16(off / 8)
		if end < len(data) {
			ff |= 0x2000
		}
		binary.BigEndian.PutUint16(h[6:], ff)
		binary.BigEndian.PutUint16(h[10:], udpsip.IPChecksum(h[:iph]))
		out = append(out, f)
	}
	return out
}

// reassemble joins translated IPv4 fragments (in order) into the UDP
// datagram they carry, checking that every fragment has the same
// addresses and a valid header checksum.
func reassemble(t *testing.T, ips [][]byte) (src, dst netip.Addr, udp []byte) {
	t.Helper()
	for i, ip := range ips {
		checkIP(t, ip)
		s, d := netip.AddrFrom4([4]byte(ip[12:16])), netip.AddrFrom4([4]byte(ip[16:20]))
		if i == 0 {
			src, dst = s, d
		} else if s != src || d != dst {
			t.Fatalf("fragment %d: %v->%v, first fragment %v->%v", i, s, d, src, dst)
		}
		if off := int(binary.BigEndian.Uint16(ip[6:])&0x1fff) * 8; off != len(udp) {
			t.Fatalf("fragment %d at %d, want %d", i, off, len(udp))
		}
		udp = append(udp, ip[udpsip.MinIPHeader:]...)
	}
	return src, dst, udp
}

// checkIP verifies an IPv4 header checksum by recomputation.
func checkIP(t *testing.T, ip []byte) {
	t.Helper()
	if got, want := binary.BigEndian.Uint16(ip[10:]), udpsip.IPChecksum(ip[:int(ip[0]&0xf)*4]); got != want {
		t.Fatalf("IP header checksum %#04x, recomputed %#04x", got, want)
	}
}

// checkUDP verifies a UDP checksum by recomputation.
func checkUDP(t *testing.T, src, dst netip.Addr, udp []byte) {
	t.Helper()
	if got, want := binary.BigEndian.Uint16(udp[6:]), udpsip.UDPChecksum(src, dst, udp); got != want {
		t.Fatalf("UDP checksum %#04x, recomputed %#04x", got, want)
	}
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }
