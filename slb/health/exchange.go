package health

import (
	"fmt"
	"time"
)

// exchanger sends probes over one target's socket and waits for their
// answers. It is owned by the target's worker.
type exchanger struct {
	cseq uint32
	out  []byte // request buffer, reused
	in   []byte // receive buffer; longer answers are cut, headers come first
	// Counted since the last record.
	stale, bad uint64
}

// exchange sends one probe and waits until a matching final response, an
// error, or the timeout. Datagrams that do not match the probe (late answers
// to an earlier probe, replays, strays) are counted and skipped, so only this
// probe's own transaction can decide its result.
func (ex *exchanger) exchange(conn Conn, c *Check) (Result, error) {
	ex.cseq++
	p := newProbe(c.Method, ex.cseq)
	ex.out = appendRequest(ex.out[:0], &p, c, c.Target, conn.LocalAddr())
	start := time.Now()
	deadline := start.Add(c.Timeout)
	since := func() time.Duration { return time.Since(start) }
	if err := conn.SetReadDeadline(deadline); err != nil {
		return Result{Kind: ResultSendError, RTT: since()}, fmt.Errorf("set deadline: %w", err)
	}
	_, err := conn.Write(ex.out)
	if err != nil && Unreachable(err) {
		// A refusal pending from an earlier probe (its ICMP came after
		// the timeout) is reported here; the kernel cleared it, so send
		// again and let this probe's own fate decide.
		_, err = conn.Write(ex.out)
	}
	if err != nil {
		if Unreachable(err) {
			return Result{Kind: ResultUnreachable, RTT: since()}, err
		}
		return Result{Kind: ResultSendError, RTT: since()}, fmt.Errorf("send: %w", err)
	}
	for {
		n, err := conn.Read(ex.in)
		switch {
		case err == nil:
		case timedOut(err):
			return ex.afterTimeout(conn, since)
		case Unreachable(err):
			return Result{Kind: ResultUnreachable, RTT: since()}, err
		default:
			return Result{Kind: ResultSendError, RTT: since()}, fmt.Errorf("receive: %w", err)
		}
		r, err := parseResponse(ex.in[:n])
		if err != nil {
			ex.bad++
			continue
		}
		if !r.matches(&p) {
			ex.stale++
			continue
		}
		if r.code < 200 && !c.Accept.Has(r.code) {
			continue // provisional; the final answer is still to come
		}
		if time.Now().After(deadline) {
			// Deadlines are runtime timers: when they fire late, a
			// read can still return an answer that came after the
			// timeout. Late is late.
			ex.stale++
			return Result{Kind: ResultTimeout, RTT: since()}, nil
		}
		return Result{Kind: classify(r.code, c), Code: r.code, RTT: since()}, nil
	}
}

// graceRead bounds the look at the socket after a timeout.
const graceRead = 2 * time.Millisecond

// afterTimeout looks once more at what is already queued: when the worker
// runs late (a loaded box), Go reports the expired deadline even if the
// kernel queued an answer or an ICMP error in time. A queued ICMP error still
// proves the port closed, so the probe counts as unreachable; datagrams are
// late by definition and only counted, never taken as an answer.
func (ex *exchanger) afterTimeout(conn Conn, since func() time.Duration) (Result, error) {
	if err := conn.SetReadDeadline(time.Now().Add(graceRead)); err != nil {
		return Result{Kind: ResultTimeout, RTT: since()}, nil
	}
	for range 16 {
		n, err := conn.Read(ex.in)
		if err != nil {
			if Unreachable(err) {
				return Result{Kind: ResultUnreachable, RTT: since()}, err
			}
			break
		}
		if _, err := parseResponse(ex.in[:n]); err != nil {
			ex.bad++
		} else {
			ex.stale++
		}
	}
	return Result{Kind: ResultTimeout, RTT: since()}, nil
}
