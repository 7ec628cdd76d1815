package mmsg

import (
	"fmt"
	"net/netip"
	"time"

	"golang.org/x/sys/unix"
)

// SocketBuffer is the receive and send buffer asked of the kernel for every
// data-path socket (it is capped by net.core.rmem_max/wmem_max). Bursts
// of a few thousand datagrams must survive a worker being descheduled.
const SocketBuffer = 4 << 20

// DefaultWait is how long a Recv waits for a datagram before it returns
// an ErrDeadlineExceeded error, unless SetRecvTimeout says otherwise.
const DefaultWait = time.Second

// sendWait bounds a send that found the socket's send buffer full.
const sendWait = 100 * time.Millisecond

// Listen opens one UDP socket on addr for batches of up to batch
// datagrams, with SO_REUSEPORT, so that several workers can each own a
// socket on the same VIP:port (the kernel spreads flows over them by
// 4-tuple hash, which keeps one peer's datagrams in order on one worker),
// and IP_FREEBIND / IPV6_FREEBIND, so a VIP that is not (yet) on an
// interface can be bound.
//
// The socket is a plain blocking one, outside Go's network poller: see the
// package documentation for why.
func Listen(addr netip.AddrPort, batch int) (*Conn, error) {
	ip := addr.Addr()
	v6 := ip.Is6() && !ip.Is4In6()
	family := unix.AF_INET
	if v6 {
		family = unix.AF_INET6
	}
	fd, err := unix.Socket(family, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, unix.IPPROTO_UDP)
	if err != nil {
		return nil, fmt.Errorf("listen %v: socket: %w", addr, err)
	}
	fail := func(what string, err error) (*Conn, error) {
		unix.Close(fd)
		return nil, fmt.Errorf("listen %v: %s: %w", addr, what, err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
		return fail("SO_REUSEPORT", err)
	}
	var sa unix.Sockaddr
	if v6 {
		// As Go's "udp6" listeners: an IPv6 VIP does not take IPv4 too.
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1); err != nil {
			return fail("IPV6_V6ONLY", err)
		}
		err = unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_FREEBIND, 1)
		sa = &unix.SockaddrInet6{Port: int(addr.Port()), Addr: ip.As16()}
	} else {
		err = unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_FREEBIND, 1)
		sa = &unix.SockaddrInet4{Port: int(addr.Port()), Addr: ip.Unmap().As4()}
	}
	if err != nil {
		return fail("freebind", err)
	}
	// Best effort: the kernel caps these at rmem_max/wmem_max.
	unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, SocketBuffer)
	unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, SocketBuffer)
	if err := setTimeout(fd, unix.SO_SNDTIMEO, sendWait); err != nil {
		return fail("SO_SNDTIMEO", err)
	}
	if err := setTimeout(fd, unix.SO_RCVTIMEO, DefaultWait); err != nil {
		return fail("SO_RCVTIMEO", err)
	}
	if err := unix.Bind(fd, sa); err != nil {
		return fail("bind", err)
	}
	if batch < 1 {
		batch = 1
	}
	c := &Conn{
		fd:    fd,
		v6:    v6,
		hdrs:  make([]unix.Mmsghdr, batch),
		iovs:  make([]unix.Iovec, batch),
		names: make([]unix.RawSockaddrInet6, batch),
		idx:   make([]int, batch),
	}
	if la, err := unix.Getsockname(fd); err == nil {
		c.local = sockaddrPort(la)
	}
	reserve(1)
	return c, nil
}

func setTimeout(fd, opt int, d time.Duration) error {
	tv := unix.NsecToTimeval(d.Nanoseconds())
	return unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, opt, &tv)
}

func sockaddrPort(sa unix.Sockaddr) netip.AddrPort {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port))
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(a.Addr), uint16(a.Port))
	}
	return netip.AddrPort{}
}

// LocalAddr is the address the socket is bound to.
func (c *Conn) LocalAddr() netip.AddrPort { return c.local }

// SetRecvTimeout sets how long a Recv waits for a datagram before it
// returns an error wrapping os.ErrDeadlineExceeded (the workers' wake-up;
// see live.Heart). It applies to every later Recv.
func (c *Conn) SetRecvTimeout(d time.Duration) error {
	if d <= 0 {
		d = DefaultWait
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed.Load() {
		return ErrClosed
	}
	return setTimeout(c.fd, unix.SO_RCVTIMEO, d)
}

// Close stops the socket: a Recv blocked in the kernel returns at once
// with ErrClosed, and so does every later call. It waits for a Recv or
// Send in progress to leave the socket before it closes the descriptor,
// so that no call ever reaches a descriptor number the process reused.
func (c *Conn) Close() error {
	if c.closed.Swap(true) {
		return nil
	}
	// shutdown wakes a thread sleeping in recvmmsg (it returns one empty
	// datagram); close alone would not.
	unix.Shutdown(c.fd, unix.SHUT_RDWR)
	c.mu.Lock()
	defer c.mu.Unlock()
	reserve(-1)
	return unix.Close(c.fd)
}
