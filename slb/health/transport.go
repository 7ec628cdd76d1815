package health

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"syscall"
	"time"
)

// Conn carries the probes of one target and their answers. Read returns one
// datagram; an ICMP unreachable for an earlier Write must surface as an error
// for which Unreachable reports true.
type Conn interface {
	Read(b []byte) (int, error)
	Write(b []byte) (int, error)
	SetReadDeadline(t time.Time) error
	// LocalAddr is the address written into the probe's Via and Contact,
	// where the target sends its answers.
	LocalAddr() netip.AddrPort
	Close() error
}

// Transport opens one Conn per target. local, if valid, is the source
// address to use. The default is UDPTransport; a DSR data path supplies one
// that sends frames to the VIP at the real server's MAC.
type Transport interface {
	Dial(target netip.AddrPort, local netip.Addr) (Conn, error)
}

// UDPTransport dials one connected UDP socket per target. Connecting matters:
// Linux reports an ICMP port unreachable only to a connected UDP socket, as
// ECONNREFUSED on its next read or write, so a closed port fails the probe at
// once instead of after the timeout.
type UDPTransport struct{}

// Dial implements Transport.
func (UDPTransport) Dial(target netip.AddrPort, local netip.Addr) (Conn, error) {
	var laddr *net.UDPAddr
	if local.IsValid() {
		laddr = net.UDPAddrFromAddrPort(netip.AddrPortFrom(local, 0))
	}
	c, err := net.DialUDP("udp", laddr, net.UDPAddrFromAddrPort(target))
	if err != nil {
		return nil, fmt.Errorf("dial %v: %w", target, err)
	}
	return udpConn{c}, nil
}

type udpConn struct{ *net.UDPConn }

func (c udpConn) LocalAddr() netip.AddrPort {
	a := c.UDPConn.LocalAddr().(*net.UDPAddr).AddrPort()
	return netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
}

// Unreachable reports whether err is the kernel's report of an ICMP
// destination unreachable (port, host or network) for a probe.
func Unreachable(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EHOSTUNREACH) ||
		errors.Is(err, syscall.ENETUNREACH)
}

// timedOut reports whether err is a read deadline expiry.
func timedOut(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}
