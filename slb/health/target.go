package health

import (
	"math/rand/v2"
	"net/netip"
	"time"

	"sipslb/slb/status"
)

// target is one probed key. Fields are guarded by Prober.mu except where
// noted; the worker goroutine (run) owns the socket buffers.
type target struct {
	key   Key
	check Check // with defaults applied
	phase time.Duration
	m     machine
	st    Status
	conn  Conn // set by the worker, closed by stopLocked to end a blocked read
	wake  chan struct{}
	stop  chan struct{}
}

func newTarget(k Key, c Check, now time.Time) *target {
	t := &target{
		key:   k,
		check: c,
		wake:  make(chan struct{}, 1),
		stop:  make(chan struct{}),
	}
	t.st.Target = c.Target
	t.st.LastChange = now
	if c.Disabled {
		t.m.reset(status.Disabled)
	}
	return t
}

func (t *target) stopped() bool {
	select {
	case <-t.stop:
		return true
	default:
		return false
	}
}

func (t *target) stopLocked() {
	if t.stopped() {
		return
	}
	close(t.stop)
	if t.conn != nil {
		t.conn.Close()
		t.conn = nil
	}
}

func (t *target) wakeLocked() {
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

// reconfigureLocked applies a new check with the same Target. Only the admin
// switch changes the state: disabling forgets the history, enabling starts
// over in Unknown so that the first probe decides, as after boot.
func (t *target) reconfigureLocked(c Check, now time.Time) (Event, bool) {
	old := t.check
	t.check = c
	t.wakeLocked()
	if old.Disabled == c.Disabled {
		return Event{}, false
	}
	ev := Event{Key: t.key, From: t.m.state, At: now}
	if c.Disabled {
		t.m.reset(status.Disabled)
	} else {
		t.m.reset(status.Unknown)
	}
	ev.To = t.m.state
	t.st.LastChange = now
	return ev, ev.From != ev.To
}

func (t *target) statusLocked() Status {
	s := t.st
	s.State = t.m.state
	s.ConsecutiveFailures = t.m.fails
	s.ConsecutiveSuccesses = t.m.oks
	return s
}

// slotSlack is how far in the past a grid slot may lie and still be taken:
// the worker starts a moment after Update set the grid's epoch.
const slotSlack = 5 * time.Millisecond

// nextSlot returns when the next probe of a target is due: on the grid
// epoch + phase + k·interval shared by all targets, the first slot not
// before now - slotSlack, and at least half an interval after the previous
// probe so that a phase moved by Update never causes two probes in quick
// succession. A new target's first probe thus goes out within one interval.
func nextSlot(now, epoch, last time.Time, phase, interval time.Duration) time.Time {
	base := epoch.Add(phase)
	at := base
	if from := now.Add(-slotSlack); from.After(base) {
		at = base.Add((from.Sub(base) + interval - 1) / interval * interval)
	}
	if !last.IsZero() && at.Sub(last) < interval/2 {
		at = at.Add(interval)
	}
	return at
}

// run is the worker of one target: wait for the slot, send one probe, wait
// for its answer or the timeout, record, repeat. Being sequential it can
// never have two probes in flight; Timeout < Interval keeps it on the grid.
func (p *Prober) run(t *target) {
	defer p.wg.Done()
	defer func() {
		p.mu.Lock()
		p.workers--
		if t.conn != nil {
			t.conn.Close()
			t.conn = nil
		}
		p.mu.Unlock()
		p.signal()
	}()
	ex := exchanger{
		cseq: rand.Uint32N(1 << 16),
		out:  make([]byte, 0, 1024),
		in:   make([]byte, 8192),
	}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var last time.Time
	var conn Conn
	var connLocal netip.Addr
	for {
		p.mu.Lock()
		c, phase, epoch := t.check, t.phase, p.epoch
		p.mu.Unlock()
		if c.Disabled {
			select {
			case <-t.stop:
				return
			case <-t.wake:
				continue
			}
		}
		at := nextSlot(time.Now(), epoch, last, phase, c.Interval)
		timer.Reset(time.Until(at))
		select {
		case <-t.stop:
			return
		case <-t.wake:
			continue
		case <-timer.C:
		}

		var dialErr error
		if conn == nil || connLocal != c.LocalAddr {
			// A failed dial is retried at the next slot; the probe it
			// stood for counts as a send error.
			conn, dialErr = p.transport.Dial(c.Target, c.LocalAddr)
			connLocal = c.LocalAddr
			if !p.setConn(t, conn) {
				return
			}
		}
		if !p.countSent(t) {
			return
		}
		last = time.Now()
		var res Result
		var err error
		if conn == nil {
			res, err = Result{Kind: ResultSendError}, dialErr
		} else {
			res, err = ex.exchange(conn, &c)
		}
		if !p.record(t, res, err, &ex) {
			return
		}
	}
}

// setConn installs the worker's new socket where stopLocked can close it,
// closing the one it replaces. It reports false, closing conn, if the target
// was stopped meanwhile.
func (p *Prober) setConn(t *target, conn Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t.conn != nil {
		t.conn.Close()
		t.conn = nil
	}
	if t.stopped() {
		if conn != nil {
			conn.Close()
		}
		return false
	}
	t.conn = conn
	return true
}

func (p *Prober) countSent(t *target) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t.stopped() {
		return false
	}
	t.st.ProbesSent++
	return true
}

// record books one probe result and queues the transition it causes. It
// reports false if the target was stopped, in which case nothing is booked:
// a removed target makes no events.
func (p *Prober) record(t *target, res Result, err error, ex *exchanger) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t.stopped() {
		return false
	}
	t.st.StaleResponses += ex.stale
	t.st.BadResponses += ex.bad
	ex.stale, ex.bad = 0, 0
	if res.Kind == ResultAccepted || res.Kind == ResultRejected {
		t.st.RTT.Observe(res.RTT)
	}
	if res.Kind.OK() {
		t.st.ProbesOK++
	} else {
		t.st.ProbesFailed++
	}
	t.st.LastResult = res
	t.st.LastError = ""
	if err != nil {
		t.st.LastError = err.Error()
	}
	if t.m.state == status.Disabled {
		return true // disabled while the probe was out
	}
	from := t.m.state
	to := t.m.apply(res.Kind, t.check.Fall, t.check.Rise)
	if from != to {
		now := time.Now()
		t.st.LastChange = now
		p.queueLocked(Event{Key: t.key, From: from, To: to, Result: res, At: now})
	}
	return true
}
