package dsr

import (
	"net/netip"
	"sync/atomic"
	"time"

	"sipslb/slb/pool"
)

// MaxFrame is the largest frame a worker reads: a 9000-byte jumbo MTU plus
// the Ethernet header. A longer frame is cut by the kernel and fails the
// IPv4 length check.
const MaxFrame = 9018

// Link is the data interface as a worker uses it.
type Link interface {
	Neighbors
	// ReadFrame reads one frame that passed the link's filter.
	ReadFrame(b []byte) (int, error)
	// WriteFrame sends one complete Ethernet frame.
	WriteFrame(b []byte) error
	// Request asks for ip's MAC address; it never blocks.
	Request(ip netip.Addr)
}

// Worker reads frames from a link and sends them on.
type Worker struct {
	link  Link
	state *atomic.Pointer[pool.State]
	fwd   Forwarder
	buf   []byte
}

// NewWorker prepares a worker that reads the routing state from state.
func NewWorker(l Link, state *atomic.Pointer[pool.State], mac MAC, c *Counters, id int) *Worker {
	w := &Worker{link: l, state: state, buf: make([]byte, MaxFrame)}
	w.fwd = Forwarder{Worker: id, MAC: mac, Counters: c}
	return w
}

// Run forwards until the link is closed, and returns the error that ended
// it.
func (w *Worker) Run() error {
	for {
		if err := w.Step(); err != nil {
			return err
		}
	}
}

// Step reads and handles one frame.
func (w *Worker) Step() error {
	n, err := w.link.ReadFrame(w.buf)
	if err != nil {
		return err
	}
	res := w.fwd.Handle(w.state.Load(), w.link, w.buf[:n], time.Now().UnixNano())
	switch {
	case res.Verdict == Forwarded:
		if w.link.WriteFrame(res.Out) != nil {
			w.fwd.Counters.Drop(FrameSendError)
		}
	case res.Unresolved.IsValid():
		w.link.Request(res.Unresolved)
	}
	return nil
}
