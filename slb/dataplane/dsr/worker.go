package dsr

import (
	"errors"
	"net/netip"
	"os"
	"sync/atomic"
	"time"

	"sipslb/slb/dataplane/live"
	"sipslb/slb/pool"
	"sipslb/slb/reason"
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

// Deadliner is a link whose reads can time out; ReadFrame then returns an
// error wrapping os.ErrDeadlineExceeded. A worker on such a link wakes
// while idle to beat its heart.
type Deadliner interface {
	SetReadDeadline(t time.Time) error
}

// Other takes the frames of the data interface that belong to another
// frame-level data path (inline ports share the interface with DSR ports).
type Other interface {
	// Take handles fr if it is the other path's and reports whether it
	// did. It must not keep fr.
	Take(st *pool.State, fr []byte, now int64) bool
}

// Worker reads frames from a link and sends them on.
type Worker struct {
	other Other // nil: every frame is DSR's
	link  Link
	dl    Deadliner // nil: the link cannot wake an idle worker
	state *atomic.Pointer[pool.State]
	fwd   Forwarder
	buf   []byte
	heart live.Heart
}

// NewWorker prepares a worker that reads the routing state from state.
func NewWorker(l Link, state *atomic.Pointer[pool.State], mac MAC, c *Counters, id int) *Worker {
	w := &Worker{link: l, state: state, buf: make([]byte, MaxFrame)}
	w.dl, _ = l.(Deadliner)
	w.fwd = Forwarder{Worker: id, MAC: mac, Counters: c}
	w.heart.Init(live.DefaultWake)
	return w
}

// SetOther hands the frames other takes to it. Call it before Run.
func (w *Worker) SetOther(o Other) { w.other = o }

// SetWake sets how often the worker wakes when no frame arrives, to beat
// its heart (live.DefaultWake unless set). Call it before Run.
func (w *Worker) SetWake(d time.Duration) { w.heart.Init(d) }

// Heart is the worker's heartbeat: it beats once per frame and, on a link
// that is a Deadliner, at least once per wake interval while idle.
func (w *Worker) Heart() *live.Heart { return &w.heart }

// Run forwards until the link is closed, and returns the error that ended
// it.
func (w *Worker) Run() error {
	for {
		if err := w.Step(); err != nil {
			return err
		}
	}
}

// Step reads and handles one frame. A read that times out (the heart's
// wake deadline) is a step that handled nothing.
func (w *Worker) Step() error {
	if w.dl != nil {
		if t, due := w.heart.Deadline(); due {
			w.dl.SetReadDeadline(t) // fails only when closed: the read says so
		}
	}
	n, err := w.link.ReadFrame(w.buf)
	now := time.Now().UnixNano()
	w.heart.Beat(now)
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			w.heart.Expired()
			return nil
		}
		return err
	}
	st := w.state.Load()
	if w.other != nil && w.other.Take(st, w.buf[:n], now) {
		return nil
	}
	res := w.fwd.Handle(st, w.link, w.buf[:n], now)
	switch {
	case res.Verdict == Forwarded:
		if w.link.WriteFrame(res.Out) != nil {
			w.fwd.Counters.Drop(reason.FrameSendError)
			if res.Server != nil {
				res.Server.Stats.Drops.Add(1)
			}
		}
	case res.Unresolved.IsValid():
		w.link.Request(res.Unresolved)
	}
	return nil
}
