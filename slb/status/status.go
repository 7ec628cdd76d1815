// Package status holds the observed state of the appliance as plain data:
// health of every real port and the traffic counters of every real and
// virtual port. The engine fills a Snapshot; show commands and the SNMP
// agent read it. It has no behaviour. It imports only leaves whose types
// it carries: counters indexed by slb/sip.Method, slb/reason.Reason and
// slb/reason.Frame, so
// show and SNMP name and number them from the same enums as the data path.
package status

import (
	"time"

	"sipslb/slb/latency"
	"sipslb/slb/reason"
	"sipslb/slb/sip"
	"sipslb/slb/stats"
)

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
	// DialogTable is the dialog table as a whole, shared by every VIP port.
	DialogTable DialogTable
	// Runs is the daemon's start history on its state directory (filled
	// by the daemon, not the engine).
	Runs Runs
	// DSR is the dsr data interface's own counters (zero without one).
	DSR DSR
	// Inline is the inline data path's frame counters by direction: In
	// (frames to VIPs, read on the data interface) and Out (the servers'
	// frames, read on the inside leg). Zero without inline ports.
	Inline struct {
		In, Out DSR
		// Untranslated: UDP datagrams the servers sent through the box
		// from other ports than their SIP port, forwarded as they are.
		Untranslated uint64
	}
}

// DSR is what the dsr data path counts before a frame has a VIP port:
// frames dropped by reason.Frame, and later IP fragments forwarded after
// their first. Drops after the VIP port is known are the VIP port's.
type DSR struct {
	Drops     [reason.NumFrames]uint64 // by reason.Frame (reason.FrameOK stays 0)
	Fragments uint64
}

// DialogTable is the size and the bound of the dialog table.
type DialogTable struct {
	Entries    int // entries present now, live or expired and not yet swept
	MaxEntries int // its bound (server sip-dialog max-entries)
	// Evictions counts live entries dropped to make room for a new one
	// (the table was full where the new Call-ID hashed), since the table
	// was created (boot, or a change of max-entries).
	Evictions uint64
}

// Health is the state of a real port: the health checker's verdict
// (slb/health), or the operator's (disabled, keepalive off). The prober,
// the engine, show and SNMP all carry this one type.
type Health uint8

const (
	// Unknown: just added or re-enabled, no probe answered yet. It is
	// eligible, so the appliance carries traffic at once after boot; the
	// first probe result moves it to Up, Down or Failing without dampening.
	Unknown Health = iota
	// Up: passes its checks; eligible.
	Up
	// Down: no usable answer (timeout, ICMP unreachable, socket error).
	Down
	// Failing: the server answers, but with a code that is not accepted
	// (ServerIron TST). Not eligible, exactly like Down.
	Failing
	// Disabled: switched off by the operator (server or port); never
	// probed.
	Disabled
	// NoCheck: keepalive turned off for the port; trusted up, never probed.
	NoCheck
)

var (
	healthAbbrevs = [...]string{"UNK", "ACT", "FAL", "TST", "DIS", "ACT"}
	healthNames   = [...]string{"unknown", "up", "down", "failing", "disabled", "up (no keepalive)"}
)

// Abbrev is the ServerIron-style state column.
func (h Health) Abbrev() string {
	if int(h) < len(healthAbbrevs) {
		return healthAbbrevs[h]
	}
	return "?"
}

func (h Health) String() string {
	if int(h) < len(healthNames) {
		return healthNames[h]
	}
	return "unknown"
}

// Eligible reports whether the data path may pick a port in this state.
func (h Health) Eligible() bool { return h == Unknown || h == Up || h == NoCheck }

// Real is one real server.
type Real struct {
	Ports map[uint16]*RealPort
	// PeakDialogs is the most dialogs its ports held together (the sum of
	// their Dialogs), since start: sampled every 250 ms (by the engine's
	// sweeper) and at every reading, so never below the sum of the Dialogs
	// read with it.
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
	// ProbeRTT counts the round-trip times of the health probes it
	// answered (accepted or not), since it was configured; probes that
	// timed out or failed to send are not round trips and are not in it.
	ProbeRTT RTTHistogram
}

// Virtual is one VIP.
type Virtual struct {
	Ports map[uint16]*VirtualPort
}

// VirtualPort is the traffic of one VIP port.
type VirtualPort struct {
	Listening bool
	Requests  [sip.NumMethods]uint64 // by sip.Method
	// FromServers is the part of Requests that real servers sent toward
	// clients; the rest came from clients.
	FromServers [sip.NumMethods]uint64
	Responses   [stats.NumClasses]uint64 // by class: [0] = 1xx ... [5] = 6xx
	Drops       [reason.Num]uint64       // by reason.Reason (reason.OK stays 0)
	Answers     [stats.NumAnswers]uint64 // the balancer's own answers, by stats.Answer
	Dialogs     int                      // dialog-table entries of its bound servers
	Placed      uint64                   // dialogs placed through it since start
	// PeakDialogs is the highest Dialogs since start (sampled, see Real).
	PeakDialogs int
	// Latency is how long the port's forwarded datagrams and the
	// balancer's own answers spent inside the balancer, from the receive
	// of their batch to the send call (proxy mode; dsr records none).
	Latency latency.Counts
}

// Runs is how often the daemon started on its state directory (the data
// partition, so it survives reboots) and how the previous run ended.
type Runs struct {
	// Starts counts every start; Unclean the starts that followed a run
	// that ended without stopping (a crash, SIGKILL, a watchdog timeout
	// or a power cut): the restarts an operator should look into.
	Starts, Unclean int
	// LastExit says how the previous run ended; "" on the first start.
	LastExit string
}
