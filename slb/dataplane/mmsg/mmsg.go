package mmsg

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Msg is one datagram. For Recv, Buf is the buffer to fill (its full
// length is offered) and N and Addr are set; Trunc reports a datagram
// longer than Buf. For Send, Buf[:N] goes to Addr.
type Msg struct {
	Buf   []byte
	N     int
	Addr  netip.AddrPort
	Trunc bool
}

// Conn batches I/O on one UDP socket that it owns.
type Conn struct {
	fd     int
	v6     bool
	local  netip.AddrPort
	closed atomic.Bool
	// mu is held for every system call on fd, so Close can wait for the
	// call in progress before it closes the descriptor. Only one goroutine
	// uses a Conn, so it is never contended except by Close.
	mu    sync.Mutex
	hdrs  []unix.Mmsghdr
	iovs  []unix.Iovec
	names []unix.RawSockaddrInet6
	idx   []int // Send: header position -> message index
	// yielded is when Recv last yielded (since epoch): see yieldEvery.
	yielded time.Duration
}

// ErrClosed is returned by calls on a closed Conn.
var ErrClosed = net.ErrClosed

// errTimeout is what a Recv that waited its timeout out returns.
var errTimeout = fmt.Errorf("recvmmsg: %w", os.ErrDeadlineExceeded)

// Batch is the most messages one call handles.
func (c *Conn) Batch() int { return len(c.hdrs) }

// Recv waits for at least one datagram, then fills up to len(ms) (at most
// Batch) messages with what is queued and returns how many. It returns an
// error wrapping os.ErrDeadlineExceeded when nothing came within the
// receive timeout, and ErrClosed once the Conn is closed.
func (c *Conn) Recv(ms []Msg) (int, error) {
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
	if now := time.Since(epoch); now-c.yielded >= yieldEvery {
		c.yielded = now
		runtime.Gosched() // threads.go: keeps sysmon from retaking our P
	}
	c.mu.Lock()
	var r uintptr
	var e syscall.Errno
	for {
		if c.closed.Load() {
			c.mu.Unlock()
			return 0, ErrClosed
		}
		// Syscall6, not RawSyscall6: this call sleeps in the kernel until
		// a datagram comes (MSG_WAITFORONE: then it takes what is queued
		// without waiting for more), and the runtime must know the thread
		// left Go code. See the package documentation.
		r, _, e = syscall.Syscall6(unix.SYS_RECVMMSG, uintptr(c.fd), uintptr(unsafe.Pointer(&c.hdrs[0])), uintptr(n), unix.MSG_WAITFORONE, 0, 0)
		if e != syscall.EINTR {
			break
		}
	}
	closed := c.closed.Load()
	c.mu.Unlock()
	switch {
	case closed:
		return 0, ErrClosed // shutdown woke us with an empty datagram
	case e == syscall.EAGAIN:
		return 0, errTimeout
	case e != 0:
		return 0, fmt.Errorf("recvmmsg: %w", e)
	}
	got := int(r)
	for i := range got {
		ms[i].N = int(c.hdrs[i].Len)
		ms[i].Trunc = c.hdrs[i].Hdr.Flags&unix.MSG_TRUNC != 0
		ms[i].Addr = c.addr(i)
	}
	return got, nil
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
// at least len(ms) long, or nil). err is set only when the Conn is closed.
func (c *Conn) Send(ms []Msg, failed []bool) (nfail int, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fail := func(i int) {
		nfail++
		if failed != nil {
			failed[i] = true
		}
	}
	for off := 0; off < len(ms); {
		n := min(len(ms)-off, len(c.hdrs))
		good := 0
		for i := range n {
			m := &ms[off+i]
			if !c.putAddr(good, m.Addr) {
				fail(off + i)
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
		for sent := 0; sent < good; {
			if c.closed.Load() {
				return nfail, ErrClosed
			}
			r, e := c.sendmmsg(sent, good)
			switch e {
			case 0:
				sent += r
			case syscall.EAGAIN:
				// The send buffer stayed full for the whole send timeout:
				// the rest of this batch is lost, not the worker's time.
				for ; sent < good; sent++ {
					fail(c.idx[sent])
				}
			default:
				// The message at sent was refused (EPERM, ENETUNREACH,
				// EINVAL...): count it and go on with the next.
				fail(c.idx[sent])
				sent++
			}
		}
		off += n
	}
	return nfail, nil
}

// sendmmsg sends hdrs[from:to]. The first try does not wait
// (MSG_DONTWAIT): a UDP send only waits for room in the send buffer, so it
// almost never would, and RawSyscall6 then spares the runtime's
// enter/exit-syscall bookkeeping on every batch (on loopback, the
// receiver's input path runs inline, tens of µs at most). Only when the
// buffer is full does it wait, as a blocking call the runtime knows of,
// bounded by SO_SNDTIMEO.
func (c *Conn) sendmmsg(from, to int) (int, syscall.Errno) {
	p := uintptr(unsafe.Pointer(&c.hdrs[from]))
	for {
		r, _, e := syscall.RawSyscall6(unix.SYS_SENDMMSG, uintptr(c.fd), p, uintptr(to-from), unix.MSG_DONTWAIT, 0, 0)
		if e == syscall.EINTR {
			continue
		}
		if e != syscall.EAGAIN {
			return int(r), e
		}
		break
	}
	for {
		r, _, e := syscall.Syscall6(unix.SYS_SENDMMSG, uintptr(c.fd), p, uintptr(to-from), 0, 0, 0)
		if e != syscall.EINTR {
			return int(r), e
		}
	}
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
