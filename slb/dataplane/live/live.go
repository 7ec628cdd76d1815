// Package live is the data path's proof of life. Every worker owns a
// Heart and beats it once per loop iteration; an idle worker would sit in
// its read for ever, so the Heart also gives it a read deadline that wakes
// it at least every wake interval. Whoever watches the workers (the
// engine, for the systemd watchdog) reads Last and judges a worker that
// has not beaten for a few wake intervals as wedged.
//
// Invariants:
//   - Beat and Deadline are called only by the worker's own goroutine and
//     allocate nothing; Last may be read from anywhere.
//   - A busy worker re-arms its deadline once per half wake interval, not
//     per read, so the hot path pays one atomic store per batch plus a
//     runtime timer update (no syscall) a few times a second. Only an idle
//     wake-up allocates (the timeout error), never a datagram.
package live

import (
	"sync/atomic"
	"time"
)

// DefaultWake is how often an idle worker wakes when Init was given 0.
const DefaultWake = time.Second

// Heart is one worker's heartbeat.
type Heart struct {
	last atomic.Int64 // UnixNano of the last beat; read by the watcher

	// The worker's own: the wake interval, when the deadline needs
	// re-arming, and the time of the last beat.
	wake  int64
	rearm int64
	prev  int64
}

// Init sets the wake interval and counts as a first beat.
func (h *Heart) Init(wake time.Duration) {
	if wake <= 0 {
		wake = DefaultWake
	}
	h.wake = int64(wake)
	h.rearm = 0
	h.Beat(time.Now().UnixNano())
}

// Deadline reports whether the read deadline needs setting before the next
// read, and to what. It is due when the last one is less than half a wake
// interval away (or has fired: see Expired).
func (h *Heart) Deadline() (time.Time, bool) {
	if h.prev < h.rearm {
		return time.Time{}, false
	}
	h.rearm = h.prev + h.wake/2
	return time.Unix(0, h.prev+h.wake), true
}

// Expired tells the heart that the read deadline fired: the next Deadline
// call arms a new one.
func (h *Heart) Expired() { h.rearm = 0 }

// Beat records that the worker went round its loop at now (UnixNano).
func (h *Heart) Beat(now int64) {
	h.prev = now
	h.last.Store(now)
}

// Last is the UnixNano time of the last beat.
func (h *Heart) Last() int64 { return h.last.Load() }

// Wake is the wake interval.
func (h *Heart) Wake() time.Duration { return time.Duration(h.wake) }
