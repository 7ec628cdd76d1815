package inline

import (
	"errors"
	"net/netip"
	"os"
	"sync/atomic"
	"time"

	"sipslb/slb/dataplane/live"
	"sipslb/slb/dataplane/udpsip"
	"sipslb/slb/pool"
	"sipslb/slb/reason"
)

// MaxFrame is the largest frame a worker reads (a 9000-byte jumbo MTU plus
// the Ethernet header).
const MaxFrame = 9018

// Sender sends a translated IPv4 packet; the kernel routes it.
type Sender interface {
	Send(ip []byte, to netip.Addr) error
}

// Inside is the inside leg as the outbound worker uses it.
type Inside interface {
	// ReadFrame reads one frame that passed the leg's filter (from a real
	// server's SIP port, not to the appliance).
	ReadFrame(b []byte) (int, error)
	// SetReadDeadline makes a waiting ReadFrame return an error wrapping
	// os.ErrDeadlineExceeded: the idle worker's wake-up.
	SetReadDeadline(t time.Time) error
}

// Worker reads the servers' frames on the inside leg and sends them on
// translated (Forwarder.Outbound).
type Worker struct {
	leg   Inside
	send  Sender
	state *atomic.Pointer[pool.State]
	fwd   Forwarder
	buf   []byte
	heart live.Heart
}

// NewWorker prepares the outbound worker; c counts its frame drops.
func NewWorker(leg Inside, send Sender, state *atomic.Pointer[pool.State], c *Counters, id int) *Worker {
	w := &Worker{leg: leg, send: send, state: state, buf: make([]byte, MaxFrame)}
	w.fwd = Forwarder{Worker: id, Out: c, In: new(Counters)}
	w.heart.Init(live.DefaultWake)
	return w
}

// SetWake sets how often the idle worker wakes to beat its heart.
func (w *Worker) SetWake(d time.Duration) { w.heart.Init(d) }

// Heart is the worker's heartbeat.
func (w *Worker) Heart() *live.Heart { return &w.heart }

// Step reads and handles one frame. A read that times out (the heart's
// wake deadline) is a step that handled nothing.
func (w *Worker) Step() error {
	if t, due := w.heart.Deadline(); due {
		w.leg.SetReadDeadline(t) // fails only when closed: the read says so
	}
	n, err := w.leg.ReadFrame(w.buf)
	now := time.Now().UnixNano()
	w.heart.Beat(now)
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			w.heart.Expired()
			return nil
		}
		return err
	}
	if r := w.fwd.Outbound(w.state.Load(), w.buf[:n], now); r.Verdict == Forwarded {
		if w.send.Send(r.Out, r.To) != nil {
			w.fwd.Out.Drop(reason.FrameSendError)
		}
	}
	return nil
}

// Claims reports whether the frame fr, read on the outside leg, is the
// inline path's: to an inline VIP port, or a later fragment of a datagram
// whose first fragment Inbound translated. The outside leg is shared with
// the dsr data path, which takes the rest.
func (f *Forwarder) Claims(st *pool.State, fr []byte, now int64) bool {
	p, r := udpsip.ParseFrame(fr)
	if r != reason.FrameOK {
		return false
	}
	if p.Later {
		return f.fragIn.Get(p.Src, p.Dst, p.ID, now) != nil
	}
	vp := st.VPorts[netip.AddrPortFrom(p.Dst, p.DstPort())]
	return vp != nil && vp.Inline
}
