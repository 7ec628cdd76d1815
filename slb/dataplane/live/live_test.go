package live

import (
	"testing"
	"time"
)

// The deadline is armed once per half wake interval of beats, re-armed at
// once after it fired, and Beat/Deadline allocate nothing.
func TestHeartDeadline(t *testing.T) {
	var h Heart
	h.Init(time.Second)
	t0 := h.Last()
	d, due := h.Deadline()
	if !due || d.UnixNano() != t0+int64(time.Second) {
		t.Fatalf("first Deadline = %v %v, want due at +1s", d, due)
	}
	h.Beat(t0 + int64(100*time.Millisecond))
	if _, due := h.Deadline(); due {
		t.Error("re-armed 100ms after arming a 1s deadline")
	}
	h.Beat(t0 + int64(600*time.Millisecond))
	if d, due := h.Deadline(); !due || d.UnixNano() != t0+int64(1600*time.Millisecond) {
		t.Errorf("after half the interval: %v %v, want due at +1.6s", d, due)
	}
	h.Beat(t0 + int64(700*time.Millisecond))
	h.Expired()
	if _, due := h.Deadline(); !due {
		t.Error("not re-armed after the deadline fired")
	}
	if h.Last() != t0+int64(700*time.Millisecond) {
		t.Errorf("Last = %d", h.Last()-t0)
	}
	now := t0
	if n := testing.AllocsPerRun(100, func() { now += 1000; h.Beat(now); h.Deadline() }); n != 0 {
		t.Errorf("%v allocations per beat", n)
	}
}
