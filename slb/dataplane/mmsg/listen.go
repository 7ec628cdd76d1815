package mmsg

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"syscall"

	"golang.org/x/sys/unix"
)

// SocketBuffer is the receive and send buffer asked of the kernel for every
// data-path socket (it is capped by net.core.rmem_max/wmem_max). Bursts
// of a few thousand datagrams must survive a worker being descheduled.
const SocketBuffer = 4 << 20

// Listen opens one UDP socket on addr with SO_REUSEPORT, so that several
// workers can each own a socket on the same VIP:port (the kernel spreads
// flows over them by 4-tuple hash, which keeps one peer's datagrams in
// order on one worker), and IP_FREEBIND / IPV6_FREEBIND, so a VIP that is
// not (yet) on an interface can be bound.
func Listen(addr netip.AddrPort) (*net.UDPConn, error) {
	network := "udp4"
	if addr.Addr().Is6() && !addr.Addr().Is4In6() {
		network = "udp6"
	}
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			f := int(fd)
			if serr = unix.SetsockoptInt(f, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); serr != nil {
				serr = fmt.Errorf("SO_REUSEPORT: %w", serr)
				return
			}
			if network == "udp6" {
				serr = unix.SetsockoptInt(f, unix.IPPROTO_IPV6, unix.IPV6_FREEBIND, 1)
			} else {
				serr = unix.SetsockoptInt(f, unix.IPPROTO_IP, unix.IP_FREEBIND, 1)
			}
			if serr != nil {
				serr = fmt.Errorf("freebind: %w", serr)
				return
			}
			// Best effort: the kernel caps these at rmem_max/wmem_max.
			unix.SetsockoptInt(f, unix.SOL_SOCKET, unix.SO_RCVBUF, SocketBuffer)
			unix.SetsockoptInt(f, unix.SOL_SOCKET, unix.SO_SNDBUF, SocketBuffer)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	pc, err := lc.ListenPacket(context.Background(), network, addr.String())
	if err != nil {
		return nil, fmt.Errorf("listen %v: %w", addr, err)
	}
	return pc.(*net.UDPConn), nil
}
