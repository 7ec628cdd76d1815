package packetio

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"time"

	"github.com/mdlayher/packet"
	"golang.org/x/sys/unix"
)

// rcvBuf is the frame socket's receive buffer.
const rcvBuf = 8 << 20

// Conn is an AF_PACKET socket for the DSR frames of one interface.
type Conn struct {
	pc  *packet.Conn
	rc  syscall.RawConn
	ifi *net.Interface
	mac [6]byte

	// Read state: one reader, closure made once.
	rbuf   []byte
	rn     int
	rerr   error
	readFn func(uintptr) bool

	wmu     sync.Mutex
	wbuf    []byte
	werr    error
	writeFn func(uintptr) bool
}

// Listen opens the socket on the interface called ifname. Until
// SetTargets is called it accepts nothing.
func Listen(ifname string) (*Conn, error) {
	ifi, err := net.InterfaceByName(ifname)
	if err != nil {
		return nil, fmt.Errorf("data interface %s: %w", ifname, err)
	}
	if len(ifi.HardwareAddr) != 6 {
		return nil, fmt.Errorf("data interface %s: not Ethernet", ifname)
	}
	c := &Conn{ifi: ifi, mac: [6]byte(ifi.HardwareAddr)}
	none, err := Filter(c.mac, nil)
	if err != nil {
		return nil, err
	}
	// The filter is attached before the socket is bound, so nothing
	// unfiltered is ever queued.
	c.pc, err = packet.Listen(ifi, packet.Raw, unix.ETH_P_IP, &packet.Config{Filter: none})
	if err != nil {
		return nil, fmt.Errorf("data interface %s: %w", ifname, err)
	}
	if c.rc, err = c.pc.SyscallConn(); err != nil {
		c.pc.Close()
		return nil, err
	}
	// One frame per syscall: a burst must wait in the socket queue, whose
	// default (~200 kB) holds only a few hundred frames.
	c.rc.Control(func(fd uintptr) {
		if unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, rcvBuf) != nil {
			unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, rcvBuf)
		}
	})
	c.readFn = func(fd uintptr) bool {
		c.rn, c.rerr = unix.Read(int(fd), c.rbuf)
		return c.rerr != unix.EAGAIN
	}
	c.writeFn = func(fd uintptr) bool {
		_, c.werr = unix.Write(int(fd), c.wbuf)
		return c.werr != unix.EAGAIN
	}
	return c, nil
}

// SetTargets replaces the filter with one for targets (VIP:ports).
func (c *Conn) SetTargets(targets []netip.AddrPort) error {
	f, err := Filter(c.mac, targets)
	if err != nil {
		return err
	}
	return c.pc.SetBPF(f)
}

// ReadFrame reads one frame into b. It returns net.ErrClosed once the
// socket is closed. Not safe for concurrent use.
func (c *Conn) ReadFrame(b []byte) (int, error) {
	c.rbuf = b
	err := c.rc.Read(c.readFn)
	c.rbuf = nil
	if err != nil {
		return 0, closedErr(err)
	}
	if c.rerr != nil {
		return 0, fmt.Errorf("read frame: %w", c.rerr)
	}
	return c.rn, nil
}

// WriteFrame sends b, a whole Ethernet frame, on the interface.
func (c *Conn) WriteFrame(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.wbuf = b
	err := c.rc.Write(c.writeFn)
	c.wbuf = nil
	if err != nil {
		return closedErr(err)
	}
	if c.werr != nil {
		return fmt.Errorf("write frame: %w", c.werr)
	}
	return nil
}

func closedErr(err error) error {
	if errors.Is(err, net.ErrClosed) || errors.Is(err, unix.EBADF) {
		return net.ErrClosed
	}
	return err
}

// MAC is the interface's hardware address.
func (c *Conn) MAC() [6]byte { return c.mac }

// Interface is the interface the socket is bound to.
func (c *Conn) Interface() *net.Interface { return c.ifi }

// Stats returns the kernel's received and dropped counts (since the last
// call, as PACKET_STATISTICS reports them).
func (c *Conn) Stats() (packets, drops uint32, err error) {
	s, err := c.pc.Stats()
	if err != nil {
		return 0, 0, err
	}
	return s.Packets, s.Drops, nil
}

// SetReadDeadline makes a ReadFrame waiting past t return an error that
// wraps os.ErrDeadlineExceeded (the idle DSR worker's wake-up).
func (c *Conn) SetReadDeadline(t time.Time) error { return c.pc.SetReadDeadline(t) }

// Close closes the socket; a blocked ReadFrame returns net.ErrClosed.
func (c *Conn) Close() error { return c.pc.Close() }
