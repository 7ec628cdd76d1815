package dsr

import (
	"sync/atomic"

	"sipslb/slb/reason"
)

// Counters are the frame-level counters of one data interface.
type Counters struct {
	Drops     [reason.NumFrames]atomic.Uint64
	Fragments atomic.Uint64 // later fragments forwarded after their first
}

// Drop counts a frame-level drop.
func (c *Counters) Drop(r reason.Frame) {
	if int(r) < reason.NumFrames {
		c.Drops[r].Add(1)
	}
}
