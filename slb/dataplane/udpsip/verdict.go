package udpsip

import (
	"sync/atomic"

	"sipslb/slb/reason"
)

// Verdict is what a frame-level data path did with a frame.
type Verdict uint8

const (
	Dropped   Verdict = iota // counted, by a VIP port's reason.Reason or a reason.Frame
	Forwarded                // the rewritten frame or packet is to be sent
)

func (v Verdict) String() string { return [...]string{"dropped", "forwarded"}[v] }

// FrameCounters are frame-level counters: drops before a VIP port was
// known, and later fragments forwarded after their first.
type FrameCounters struct {
	Drops     [reason.NumFrames]atomic.Uint64
	Fragments atomic.Uint64
}

// Drop counts a frame-level drop.
func (c *FrameCounters) Drop(r reason.Frame) {
	if int(r) < reason.NumFrames {
		c.Drops[r].Add(1)
	}
}
