package proxy

import (
	"testing"
	"time"
)

// An idle worker wakes at its wake interval and beats its heart; after
// the wake-ups it still forwards, and a busy worker beats per batch.
func TestWorkerHeartBeatsWhileIdle(t *testing.T) {
	const wake = 40 * time.Millisecond
	l := startLoopWake(t, 202, wake)
	h := l.w.Heart()
	seen := map[int64]bool{}
	deadline := time.Now().Add(500 * time.Millisecond)
	for time.Now().Before(deadline) {
		seen[h.Last()] = true
		time.Sleep(5 * time.Millisecond)
	}
	if len(seen) < 5 {
		t.Errorf("%d distinct beats in 500ms idle at a %v wake interval, want >= 5", len(seen), wake)
	}
	if age := time.Since(time.Unix(0, h.Last())); age > 10*wake {
		t.Errorf("last beat %v ago while idle", age)
	}
	buf := make([]byte, 70000)
	if got := l.pump(t, loopPackets(50), 200, buf); got != 200 {
		t.Errorf("after idle wake-ups the worker forwarded %d of 200", got)
	}
	select {
	case err := <-l.done:
		t.Fatalf("worker stopped: %v", err)
	default:
	}
}

// One datagram at a time, each sent only after the previous one arrived:
// every batch is short, so after each the worker waits on the poller
// without the EAGAIN read (Conn.Serve). A datagram whose readiness were
// lost would sit until the worker's next wake-up (10 s here); each must
// arrive within 2 s, which leaves a loaded test machine plenty of slack.
func TestWorkerOneByOneNoStall(t *testing.T) {
	l := startLoopWake(t, 203, 10*time.Second)
	pkts := loopPackets(20)
	buf := make([]byte, 70000)
	for i := range 5000 {
		if _, err := l.client.WriteToUDPAddrPort(pkts[i%len(pkts)], l.vip); err != nil {
			t.Fatal(err)
		}
		l.server.SetReadDeadline(time.Now().Add(2 * time.Second))
		if _, _, err := l.server.ReadFromUDPAddrPort(buf); err != nil {
			t.Fatalf("datagram %d not forwarded within 2 s: %v", i, err)
		}
	}
}

// The worker times every datagram it forwards, from its batch's receive to
// the send call, into the VIP port's latency histogram: a loopback hop
// through an idle worker takes microseconds, far below a second.
func TestWorkerRecordsLatency(t *testing.T) {
	l := startLoop(t, 201)
	pkts := loopPackets(50)
	buf := make([]byte, 70000)
	got := l.pump(t, pkts, 500, buf)
	c := l.latency()
	if c.Count() != uint64(got) || got == 0 {
		t.Fatalf("latency histogram counted %d, server received %d", c.Count(), got)
	}
	if p := c.Quantile(0.999); p <= 0 || p > time.Second {
		t.Fatalf("p99.9 = %v, want a positive time below 1s", p)
	}
	if c.Sum <= 0 {
		t.Fatalf("sum %v, want > 0", c.Sum)
	}
}
