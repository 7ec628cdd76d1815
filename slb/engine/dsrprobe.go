package engine

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"sipslb/slb/dataplane/dsr"
	"sipslb/slb/health"
)

// Health checks of a real port bound to a DSR port test what calls use:
// the probe is a frame to the VIP:port at the real server's MAC, from the
// appliance's own address, exactly like a forwarded request; the server
// answers from the VIP to the appliance's address, which the kernel
// delivers to an ordinary UDP socket. A server that does not hold the VIP,
// or whose SIP service does not listen on it, fails its check, where a
// probe to its own address would have passed.

// resolveWait bounds how long a probe waits for the server's MAC.
const resolveWait = 500 * time.Millisecond

// probeTransport sends DSR-bound targets' probes as frames and the others
// through base.
type probeTransport struct {
	d    *dsrPart
	base health.Transport
}

func (t *probeTransport) Dial(target netip.AddrPort, local netip.Addr) (health.Conn, error) {
	vip, ok := (*t.d.probeVIPs.Load())[target]
	if !ok || !local.IsValid() {
		return t.base.Dial(target, local)
	}
	laddr := net.UDPAddrFromAddrPort(netip.AddrPortFrom(local, 0))
	// Connected, the socket hears the ICMP port unreachable the server
	// sends when nothing listens on the VIP; a VIP that is not routable
	// from here (no route to its subnet) falls back to an unconnected
	// socket that filters by source.
	uc, err := net.DialUDP("udp4", laddr, net.UDPAddrFromAddrPort(vip))
	connected := err == nil
	if err != nil {
		if uc, err = net.ListenUDP("udp4", laddr); err != nil {
			return nil, fmt.Errorf("dsr probe socket on %v: %w", local, err)
		}
	}
	la := uc.LocalAddr().(*net.UDPAddr).AddrPort()
	return &dsrProbe{d: t.d, uc: uc, connected: connected, vip: vip, real: target.Addr(),
		local: netip.AddrPortFrom(la.Addr().Unmap(), la.Port()), frame: make([]byte, 0, 2048)}, nil
}

type dsrProbe struct {
	d         *dsrPart
	uc        *net.UDPConn
	connected bool
	vip       netip.AddrPort
	real      netip.Addr
	local     netip.AddrPort
	mu        sync.Mutex
	frame     []byte
	id        uint16
}

func (p *dsrProbe) LocalAddr() netip.AddrPort { return p.local }

func (p *dsrProbe) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	cur := p.d.cur.Load()
	if cur == nil {
		return 0, errors.New("dsr data interface is down")
	}
	mac, ok := cur.link.Lookup(p.real)
	for deadline := time.Now().Add(resolveWait); !ok && time.Now().Before(deadline); {
		cur.link.Request(p.real)
		time.Sleep(20 * time.Millisecond)
		mac, ok = cur.link.Lookup(p.real)
	}
	if !ok {
		return 0, fmt.Errorf("real server %v: no ARP answer", p.real)
	}
	p.id++
	p.frame = dsr.AppendUDPFrame(p.frame[:0], &dsr.UDPFrame{Dst: mac, Src: cur.link.MAC(), From: p.local, To: p.vip, ID: p.id}, b)
	if err := cur.link.WriteFrame(p.frame); err != nil {
		return 0, err
	}
	return len(b), nil
}

func (p *dsrProbe) Read(b []byte) (int, error) {
	for {
		n, from, err := p.uc.ReadFromUDPAddrPort(b)
		if err != nil || p.connected {
			return n, err
		}
		if netip.AddrPortFrom(from.Addr().Unmap(), from.Port()) == p.vip {
			return n, nil
		}
	}
}

func (p *dsrProbe) SetReadDeadline(t time.Time) error { return p.uc.SetReadDeadline(t) }

func (p *dsrProbe) Close() error { return p.uc.Close() }
