package dsr

import "sync/atomic"

// FrameReason is why a frame was dropped before a VIP port was known.
type FrameReason uint8

const (
	FrameOK         FrameReason = iota
	FrameShort                  // shorter than Ethernet + IPv4 headers
	FrameNotIPv4                // not EtherType IPv4 (the BPF filter lets none through)
	FrameBadIP                  // bad version, header length or total length
	FrameNotUDP                 // not UDP
	FrameBadUDP                 // UDP header cut or length out of range
	FrameNoVPort                // no DSR VIP port at its destination
	FrameFragOrphan             // a later fragment without its first fragment's choice
	FrameSendError              // the kernel refused to send it
	NumFrameReasons = int(iota)
)

var frameNames = [NumFrameReasons]string{"ok", "short", "not-ipv4", "bad-ip", "not-udp", "bad-udp", "no-vport", "frag-orphan", "send-error"}

// String returns the stable counter name.
func (r FrameReason) String() string {
	if int(r) < NumFrameReasons {
		return frameNames[r]
	}
	return "unknown"
}

// Counters are the frame-level counters of one data interface.
type Counters struct {
	Drops     [NumFrameReasons]atomic.Uint64
	Fragments atomic.Uint64 // later fragments forwarded after their first
}

// Drop counts a frame-level drop.
func (c *Counters) Drop(r FrameReason) {
	if int(r) < NumFrameReasons {
		c.Drops[r].Add(1)
	}
}
