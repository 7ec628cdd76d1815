package mmsg

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Msg is one datagram. For Serve, Buf is the buffer to fill (its full
// length is offered) and N and Addr are set; Trunc reports a datagram
// longer than Buf. For Send, Buf[:N] goes to Addr.
type Msg struct {
	Buf   []byte
	N     int
	Addr  netip.AddrPort
	Trunc bool
}

// Conn batches I/O on one UDP socket.
type Conn struct {
	uc    *net.UDPConn
	rc    syscall.RawConn
	v6    bool
	hdrs  []unix.Mmsghdr
	iovs  []unix.Iovec
	names []unix.RawSockaddrInet6
	idx   []int // Send: header position -> message index

	// State of the call in progress, read by the bound functions so that
	// RawConn.Read/Write get a function value made once, not a closure.
	n, cnt  int
	errno   syscall.Errno
	sendF   func(fd uintptr) bool
	sendOff int

	// Serve's call in progress.
	serveF  func(fd uintptr) bool
	serveMs []Msg
	serveH  func(n int) bool
	serveE  syscall.Errno
}

// New wraps uc for batches of up to batch messages.
func New(uc *net.UDPConn, batch int) (*Conn, error) {
	rc, err := uc.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("raw conn: %w", err)
	}
	la, _ := uc.LocalAddr().(*net.UDPAddr)
	c := &Conn{
		uc: uc, rc: rc,
		v6:    la != nil && la.IP.To4() == nil,
		hdrs:  make([]unix.Mmsghdr, batch),
		iovs:  make([]unix.Iovec, batch),
		names: make([]unix.RawSockaddrInet6, batch),
		idx:   make([]int, batch),
	}
	c.sendF = c.send
	c.serveF = c.serve
	return c, nil
}

// SetReadDeadline makes a Serve that waits past t return an error that
// wraps os.ErrDeadlineExceeded (the workers' wake-up; see live.Heart).
func (c *Conn) SetReadDeadline(t time.Time) error { return c.uc.SetReadDeadline(t) }

// Batch is the most messages one call handles.
func (c *Conn) Batch() int { return len(c.hdrs) }

// Serve reads batches into ms and calls h with the count of each, until h
// returns false (Serve returns nil) or the socket fails: closed, or its
// read deadline passed (an error wrapping os.ErrDeadlineExceeded). h may
// Send and SetReadDeadline; it must not Serve.
//
// Why not one receive call per batch in a loop: after a batch that did not
// fill ms the socket was just drained, and another call would make one
// more recvmmsg only to hear EAGAIN before waiting on the poller. At a few
// thousand calls a second nearly every batch is one datagram, so that is a
// system call per datagram. Serve stays inside one RawConn.Read and, after a short batch,
// goes straight to the poller's wait: a Read remembers readiness that
// arrived since it began (a new Read would forget it, which is why the
// loop cannot be a Read per batch), so a datagram that came while h ran
// ends the wait at once. A full batch is followed by another recvmmsg
// straight away: more may be queued.
func (c *Conn) Serve(ms []Msg, h func(n int) bool) error {
	c.serveMs, c.serveH, c.serveE = ms, h, 0
	err := c.rc.Read(c.serveF)
	c.serveMs, c.serveH = nil, nil
	if err != nil {
		return err
	}
	if c.serveE != 0 {
		return fmt.Errorf("recvmmsg: %w", c.serveE)
	}
	return nil
}

// serve and send use RawSyscall6, not Syscall6: the socket is non-blocking
// (the Go poller waits for it), so neither call ever sleeps in the kernel,
// and Syscall6's entersyscall/exitsyscall bought nothing but cost: every
// call marked the P as in a syscall, which kept the runtime's sysmon
// thread waking every 20 µs to look for Ps to retake. Profiled under SIPp
// at 2000 calls/s (docs/performance.md), sysmon's sleeps and wake-ups were
// a fifth of the daemon's CPU; with raw syscalls sysmon backs off to its
// idle period. A sendmmsg on loopback runs the receivers' input path
// inline, so a batch can take tens of µs; the goroutine just keeps its P
// for that long, as it would running Go code.
func (c *Conn) serve(fd uintptr) bool {
	for {
		cnt := c.prepRecv(c.serveMs)
		r, _, e := syscall.RawSyscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&c.hdrs[0])), uintptr(cnt), 0, 0, 0)
		switch e {
		case 0:
		case syscall.EAGAIN, syscall.EINTR:
			return false // wait for the poller
		default:
			c.serveE = e
			return true
		}
		n := int(r)
		c.took(c.serveMs, n)
		if !c.serveH(n) {
			return true
		}
		if n < cnt {
			return false // drained: wait for the poller, no EAGAIN read
		}
	}
}

// prepRecv points the headers at ms's buffers and returns how many.
func (c *Conn) prepRecv(ms []Msg) int {
	n := min(len(ms), len(c.hdrs))
	for i := range n {
		c.iovs[i].Base = unsafe.SliceData(ms[i].Buf)
		c.iovs[i].SetLen(len(ms[i].Buf))
		h := &c.hdrs[i].Hdr
		h.Name = (*byte)(unsafe.Pointer(&c.names[i]))
		h.Namelen = unix.SizeofSockaddrInet6
		h.Iov = &c.iovs[i]
		h.Iovlen = 1
		h.Control = nil
		h.Controllen = 0
		h.Flags = 0
		c.hdrs[i].Len = 0
	}
	return n
}

// took copies the results of a recvmmsg that returned n into ms.
func (c *Conn) took(ms []Msg, n int) {
	for i := range n {
		ms[i].N = int(c.hdrs[i].Len)
		ms[i].Trunc = c.hdrs[i].Hdr.Flags&unix.MSG_TRUNC != 0
		ms[i].Addr = c.addr(i)
	}
}

func (c *Conn) addr(i int) netip.AddrPort {
	sa := &c.names[i]
	switch sa.Family {
	case unix.AF_INET:
		s4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		p := (*[2]byte)(unsafe.Pointer(&s4.Port))
		return netip.AddrPortFrom(netip.AddrFrom4(s4.Addr), uint16(p[0])<<8|uint16(p[1]))
	case unix.AF_INET6:
		p := (*[2]byte)(unsafe.Pointer(&sa.Port))
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr).Unmap(), uint16(p[0])<<8|uint16(p[1]))
	}
	return netip.AddrPort{}
}

// ErrFamily marks a message whose address the socket's family cannot reach.
var ErrFamily = errors.New("address family mismatch")

// Send sends ms[i].Buf[:ms[i].N] to ms[i].Addr for every message, and
// returns how many the kernel refused; failed[i] tells which (it must be
// at least len(ms) long, or nil). err is set only when the socket itself
// fails (closed).
func (c *Conn) Send(ms []Msg, failed []bool) (nfail int, err error) {
	for off := 0; off < len(ms); {
		n := min(len(ms)-off, len(c.hdrs))
		good := 0
		for i := range n {
			m := &ms[off+i]
			if !c.putAddr(good, m.Addr) {
				nfail++
				if failed != nil {
					failed[off+i] = true
				}
				continue
			}
			if failed != nil {
				failed[off+i] = false
			}
			c.idx[good] = off + i
			c.iovs[good].Base = unsafe.SliceData(m.Buf)
			c.iovs[good].SetLen(m.N)
			h := &c.hdrs[good].Hdr
			h.Iov = &c.iovs[good]
			h.Iovlen = 1
			h.Control = nil
			h.Controllen = 0
			good++
		}
		// Send hdrs[0:good]; on a per-message error skip that message.
		sent := 0
		for sent < good {
			c.cnt, c.sendOff = good, sent
			if err := c.rc.Write(c.sendF); err != nil {
				return nfail, err
			}
			switch {
			case c.errno == 0:
				sent += c.n
			default:
				// The message at sent was refused (EPERM, ENETUNREACH,
				// EINVAL...): count it and go on with the next.
				nfail++
				if failed != nil {
					failed[c.idx[sent]] = true
				}
				sent++
			}
		}
		off += n
	}
	return nfail, nil
}

func (c *Conn) send(fd uintptr) bool {
	r, _, e := syscall.RawSyscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&c.hdrs[c.sendOff])), uintptr(c.cnt-c.sendOff), 0, 0, 0)
	if e == syscall.EAGAIN || e == syscall.EINTR {
		return false
	}
	c.n, c.errno = int(r), e
	return true
}

// putAddr writes a's sockaddr for header i; false if the socket's family
// cannot reach it.
func (c *Conn) putAddr(i int, a netip.AddrPort) bool {
	sa := &c.names[i]
	h := &c.hdrs[i].Hdr
	h.Name = (*byte)(unsafe.Pointer(sa))
	ip := a.Addr()
	port := a.Port()
	if !c.v6 {
		if !ip.Unmap().Is4() {
			return false
		}
		s4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		s4.Family = unix.AF_INET
		p := (*[2]byte)(unsafe.Pointer(&s4.Port))
		p[0], p[1] = byte(port>>8), byte(port)
		s4.Addr = ip.Unmap().As4()
		s4.Zero = [8]byte{}
		h.Namelen = unix.SizeofSockaddrInet4
		return true
	}
	if !ip.Is6() || ip.Is4In6() {
		return false
	}
	sa.Family = unix.AF_INET6
	p := (*[2]byte)(unsafe.Pointer(&sa.Port))
	p[0], p[1] = byte(port>>8), byte(port)
	sa.Flowinfo = 0
	sa.Addr = ip.As16()
	sa.Scope_id = 0
	h.Namelen = unix.SizeofSockaddrInet6
	return true
}
