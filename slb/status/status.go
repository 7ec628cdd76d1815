// Package status holds the observed state of the appliance as plain data:
// health of every real port and the traffic counters of every real and
// virtual port. The engine fills a Snapshot; show commands and the SNMP
// agent read it. It has no behaviour and imports no project package.
package status

import "time"

// Snapshot is one consistent-enough reading of the running state. Counters
// are read atomically one by one, not under a global lock.
type Snapshot struct {
	Taken   time.Time
	Started time.Time
	// Workers is the data path's sockets (one goroutine each) per VIP port;
	// Procs the Go scheduler's processors now (GOMAXPROCS, which sys/procs
	// moves with the load); CPUs those the process may run on.
	Workers, Procs, CPUs int
	Reals                map[string]*Real
	Virtuals             map[string]*Virtual
}

// Health is the state of a real port as the health checker sees it.
type Health uint8

const (
	Unknown  Health = iota // added, not probed yet (eligible)
	Up                     // passes its checks
	Down                   // no answer (timeout or ICMP unreachable)
	Failing                // answers, but with a code that is not accepted (TST)
	Disabled               // admin-disabled server or port
	NoCheck                // keepalive turned off: trusted up
)

// Abbrev is the ServerIron-style state column.
func (h Health) Abbrev() string {
	return [...]string{"UNK", "ACT", "FAL", "TST", "DIS", "ACT"}[h]
}

func (h Health) String() string {
	return [...]string{"unknown", "up", "down", "failing", "disabled", "up (no keepalive)"}[h]
}

// Eligible reports whether the data path may pick a port in this state.
func (h Health) Eligible() bool { return h == Unknown || h == Up || h == NoCheck }

// Real is one real server.
type Real struct {
	Ports map[uint16]*RealPort
	// PeakDialogs is the most dialogs its ports held together (the sum of
	// their Dialogs), since start: sampled every 10 ms and at every
	// reading, so never below the sum of the Dialogs read with it.
	PeakDialogs int
}

// RealPort is one SIP port of a real server.
type RealPort struct {
	Health      Health
	LastResult  string // "200", "503", "timeout", "icmp-unreachable", ""
	LastChange  time.Time
	ConsecFails int
	Requests    uint64 // requests forwarded to it
	Responses   uint64 // responses it sent back through us
	Dialogs     int    // dialog-table entries pointing at it
	Placed      uint64 // dialogs placed on it since start (slb/stats doc.go)
	PeakDialogs int    // the highest Dialogs since start (sampled, see Real)
	Drops       uint64 // messages for it that were not sent (slb/stats doc.go)
}

// Virtual is one VIP.
type Virtual struct {
	Ports map[uint16]*VirtualPort
}

// Count is a named counter, in a stable order for show and SNMP.
type Count struct {
	Name string
	N    uint64
}

// VirtualPort is the traffic of one VIP port.
type VirtualPort struct {
	Listening bool
	Requests  []Count // by method
	Responses []Count // by class: 1xx..6xx
	Drops     []Count // by reason
	Answers   []Count // the balancer's own answers (483, 503, keepalive pong)
	Dialogs   int     // dialog-table entries of its bound servers
	Placed    uint64  // dialogs placed through it since start
	// PeakDialogs is the highest Dialogs since start (sampled, see Real).
	PeakDialogs int
}
