package packetio

import (
	"fmt"
	"net/netip"

	"golang.org/x/sys/unix"
)

// Raw sends whole IPv4 packets (header included) that the kernel routes:
// it picks the interface and resolves the next hop's MAC, and fills in the
// header checksum. The inline data path sends its translated packets with
// it. Its source address need not be local (the VIP is not). It receives
// nothing (IPPROTO_RAW).
type Raw struct {
	fd int
	to unix.SockaddrInet4
}

// OpenRaw opens the socket; it needs CAP_NET_RAW.
func OpenRaw() (*Raw, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_RAW)
	if err != nil {
		return nil, fmt.Errorf("raw IPv4 socket: %w", err)
	}
	return &Raw{fd: fd}, nil
}

// Send sends the IPv4 packet ip towards to. One goroutine at a time.
func (r *Raw) Send(ip []byte, to netip.Addr) error {
	r.to.Addr = to.As4()
	if err := unix.Sendto(r.fd, ip, 0, &r.to); err != nil {
		return fmt.Errorf("raw send to %v: %w", to, err)
	}
	return nil
}

// Close closes the socket.
func (r *Raw) Close() error { return unix.Close(r.fd) }

// SetSources replaces the filter with one for frames from sources (the
// real servers' SIP ports), except those to self (SourceFilter).
func (c *Conn) SetSources(self netip.Addr, sources []netip.AddrPort) error {
	f, err := SourceFilter(c.mac, self, sources)
	if err != nil {
		return err
	}
	return c.pc.SetBPF(f)
}
