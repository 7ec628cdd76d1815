package proxy

import (
	"errors"
	"net/netip"
	"os"
	"sync/atomic"
	"time"

	"sipslb/slb/dataplane/live"
	"sipslb/slb/dataplane/mmsg"
	"sipslb/slb/pool"
	"sipslb/slb/reason"
	"sipslb/slb/sip"
)

// DefaultBatch is how many datagrams one recvmmsg/sendmmsg moves.
const DefaultBatch = 32

// Worker owns one socket of a VIP port and forwards everything it reads.
type Worker struct {
	conn   *mmsg.Conn
	addr   netip.AddrPort
	state  *atomic.Pointer[pool.State]
	fwd    Forwarder
	in     []mmsg.Msg
	out    []mmsg.Msg
	srvs   []*pool.Server // the real server of out[i], if a client request
	failed []bool
	heart  live.Heart

	batchF  func(n int) bool // w.batch, made once: Serve's handler
	stepEnd int64            // UnixNano when the Step in progress returns
	sendErr error            // the socket error a Send met in batch
}

// NewWorker prepares a worker for socket conn bound to addr, reading the
// routing state from state and counting into shard index id.
func NewWorker(conn *mmsg.Conn, addr netip.AddrPort, state *atomic.Pointer[pool.State], id int) *Worker {
	n := conn.Batch()
	w := &Worker{conn: conn, addr: addr, state: state, in: make([]mmsg.Msg, n), out: make([]mmsg.Msg, n), srvs: make([]*pool.Server, n), failed: make([]bool, n)}
	w.fwd.Worker = id
	w.heart.Init(live.DefaultWake)
	w.batchF = w.batch
	for i := range n {
		w.in[i].Buf = make([]byte, sip.MaxSize+1) // one more: a datagram filling it is too large
		w.out[i].Buf = make([]byte, 0, OutCap)
	}
	return w
}

// SetWake sets how often the worker wakes when no datagram arrives, to
// beat its heart (live.DefaultWake unless set). Call it before Run.
func (w *Worker) SetWake(d time.Duration) { w.heart.Init(d) }

// Heart is the worker's heartbeat: it beats once per batch and at least
// once per wake interval while the worker is idle.
func (w *Worker) Heart() *live.Heart { return &w.heart }

// Run forwards until the socket is closed, and returns the error that
// ended it.
func (w *Worker) Run() error {
	for {
		if err := w.Step(); err != nil {
			return err
		}
	}
}

// Step serves batches (Conn.Serve: one recvmmsg, the forwarding
// decisions, one sendmmsg, or a few if the kernel refuses a destination)
// for about half a wake interval, so that the caller's loop comes round
// regularly, or until the read deadline (the heart's wake-up) passes with
// nothing to read: a step that handled nothing.
func (w *Worker) Step() error {
	if t, due := w.heart.Deadline(); due {
		w.conn.SetReadDeadline(t) // fails only when closed: Serve says so
	}
	w.stepEnd = time.Now().UnixNano() + int64(w.heart.Wake())/2
	w.sendErr = nil
	err := w.conn.Serve(w.in, w.batchF)
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			w.heart.Beat(time.Now().UnixNano())
			w.heart.Expired()
			return nil
		}
		return err
	}
	return w.sendErr
}

// batch forwards the n datagrams Serve read into w.in; false ends the Step.
func (w *Worker) batch(n int) bool {
	now := time.Now().UnixNano()
	w.heart.Beat(now)
	if err := w.forward(n, now); err != nil {
		w.sendErr = err
		return false
	}
	if t, due := w.heart.Deadline(); due {
		w.conn.SetReadDeadline(t)
	}
	return now < w.stepEnd
}

// forward handles one batch and sends what it produced; the error is the
// socket's (closed), not a refused destination's.
func (w *Worker) forward(n int, now int64) error {
	st := w.state.Load()
	vp := st.VPorts[w.addr]
	if vp == nil {
		return nil // the port is being removed; its socket closes next
	}
	k := 0
	for i := range n {
		in := &w.in[i]
		if in.Trunc || in.N > sip.MaxSize {
			vp.Stats.Shard(w.fwd.Worker).Drop(reason.TooLarge)
			continue
		}
		res := w.fwd.Handle(st, vp, in.Buf[:in.N], in.Addr, now, w.out[k].Buf[:0])
		if res.Verdict == Dropped {
			continue
		}
		o := &w.out[k]
		o.Buf, o.N, o.Addr = res.Out[:cap(res.Out)], len(res.Out), res.To
		w.srvs[k] = res.Server
		k++
	}
	if k == 0 {
		return nil
	}
	// The time inside the balancer: from the batch's receive (now, read
	// once when recvmmsg returned) to this send call, for all k at once.
	sh := vp.Stats.Shard(w.fwd.Worker)
	sh.Latency.ObserveN(time.Duration(time.Now().UnixNano()-now), k)
	nfail, err := w.conn.Send(w.out[:k], w.failed)
	if nfail > 0 {
		for range nfail {
			sh.Drop(reason.SendError)
		}
		// failed[:k] is all fresh unless the socket failed midway.
		for i := range k {
			if s := w.srvs[i]; s != nil && w.failed[i] && err == nil {
				s.Stats.Drops.Add(1)
			}
		}
	}
	clear(w.srvs[:k]) // hold no server of an old state
	return err
}
