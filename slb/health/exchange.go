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
	since := func() time.Duration { return time.Since(start) }
	if err := conn.SetReadDeadline(start.Add(c.Timeout)); err != nil {
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
			return Result{Kind: ResultTimeout, RTT: since()}, nil
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
		return Result{Kind: classify(r.code, c), Code: r.code, RTT: since()}, nil
	}
}
