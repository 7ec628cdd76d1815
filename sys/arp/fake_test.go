package arp

import (
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/mdlayher/arp"
	"github.com/mdlayher/ethernet"
)

// memConn is an in-memory frame socket: the test feeds reads and collects
// writes, as MetalLB's ARP tests do over a UDP socket.
type memConn struct {
	in     chan []byte
	out    chan []byte
	closed chan struct{}
	once   sync.Once
}

func newMemConn() *memConn {
	return &memConn{in: make(chan []byte, 16), out: make(chan []byte, 256), closed: make(chan struct{})}
}

func (c *memConn) ReadFrom(b []byte) (int, net.Addr, error) {
	select {
	case f := <-c.in:
		return copy(b, f), nil, nil
	case <-c.closed:
		return 0, nil, net.ErrClosed
	}
}

func (c *memConn) WriteTo(b []byte, _ net.Addr) (int, error) {
	select {
	case <-c.closed:
		return 0, net.ErrClosed
	default:
	}
	c.out <- append([]byte(nil), b...)
	return len(b), nil
}

func (c *memConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return nil
}

var (
	lbMAC     = net.HardwareAddr{0x02, 0, 0, 0, 0, 0x02}
	clientMAC = net.HardwareAddr{0x02, 0, 0, 0, 0, 0x10}
	rsMAC     = net.HardwareAddr{0x02, 0, 0, 0, 0, 0x21}
	selfIP    = netip.MustParseAddr("198.51.100.2")
	vipIP     = netip.MustParseAddr("198.51.100.100")
	clientIP  = netip.MustParseAddr("198.51.100.10")
	rsIP      = netip.MustParseAddr("198.51.100.21")
)

func arpFrame(t testing.TB, op arp.Operation, srcHW net.HardwareAddr, src netip.Addr, dstHW net.HardwareAddr, dst netip.Addr) []byte {
	t.Helper()
	p, err := arp.NewPacket(op, srcHW, src, dstHW, dst)
	if err != nil {
		t.Fatal(err)
	}
	pb, _ := p.MarshalBinary()
	eth := dstHW
	if op == arp.OperationRequest {
		eth = ethernet.Broadcast
	}
	fb, _ := (&ethernet.Frame{Destination: eth, Source: srcHW, EtherType: ethernet.EtherTypeARP, Payload: pb}).MarshalBinary()
	return fb
}

func parse(t testing.TB, b []byte) (*ethernet.Frame, *arp.Packet) {
	t.Helper()
	var f ethernet.Frame
	if err := f.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	var p arp.Packet
	if err := p.UnmarshalBinary(f.Payload); err != nil {
		t.Fatal(err)
	}
	return &f, &p
}

// quiet lets at most d pass and fails if a frame is written meanwhile.
func quiet(t *testing.T, c *memConn, d time.Duration) {
	t.Helper()
	select {
	case b := <-c.out:
		_, p := parse(t, b)
		t.Fatalf("unexpected frame written: %v %v -> %v", p.Operation, p.SenderIP, p.TargetIP)
	case <-time.After(d):
	}
}

func next(t *testing.T, c *memConn) (*ethernet.Frame, *arp.Packet) {
	t.Helper()
	select {
	case b := <-c.out:
		return parse(t, b)
	case <-time.After(5 * time.Second):
		t.Fatal("no frame written within 5s")
	}
	return nil, nil
}
