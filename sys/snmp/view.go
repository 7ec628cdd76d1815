package snmp

import (
	"net/netip"

	"sipslb/slb/reason"
	"sipslb/slb/sip"
	"sipslb/slb/status"
)

// Source hands the agent a consistent picture of the load balancer. The
// agent calls Snapshot once per request PDU (and once per notification that
// needs it); it must be cheap and must not block on the data path. The
// returned View is read only and must not be changed afterwards.
type Source interface {
	Snapshot() *View
}

// SourceFunc adapts a function to Source.
type SourceFunc func() *View

// Snapshot calls f.
func (f SourceFunc) Snapshot() *View { return f() }

// View is the data the MIB tables are built from. The agent sorts nothing
// in place; order in the slices does not matter.
type View struct {
	Reals    []Real
	Virtuals []Virtual
	Binds    []Bind
	// DSR is the dsr data interface's frame counters (sipslbDsr).
	DSR status.DSR
}

// Health values are slb/status.Health, the engine's own verdict; the SIP
// MIB's SipslbHealth encodes them (mibHealth), the ServerIron MIB's L4
// state too (l4State).

// Role says which SIP traffic a real server takes.
type Role uint8

// Roles; the SIP MIB enumerates them as proxy(1), registrar(2), both(3).
const (
	RoleProxy Role = iota + 1
	RoleRegistrar
	RoleBoth
)

// Real is one real server.
type Real struct {
	Name       string
	Addr       netip.Addr
	AdminUp    bool
	Health     status.Health
	Weight     uint32
	MaxConns   uint32 // 0 = unlimited
	Role       Role
	Ports      []RealPort
	Requests   uint64 // requests sent to the server
	Responses  uint64 // responses received from it
	Drops      uint64
	CurDialogs uint32
	Dialogs    uint64 // dialogs ever placed on it
	PeakDialog uint32
}

// RealPort is one application port of a real server.
type RealPort struct {
	Port       uint16
	AdminUp    bool
	State      status.Health
	Requests   uint64
	Responses  uint64
	CurDialogs uint32
	Dialogs    uint64
	PeakDialog uint32
}

// Virtual is one virtual server (VIP).
type Virtual struct {
	Name    string
	Addr    netip.Addr
	AdminUp bool
	Ports   []VirtualPort
}

// VirtualPort is one SIP port of a virtual server.
type VirtualPort struct {
	Port       uint16
	AdminUp    bool
	DSR        bool
	Requests   [sip.NumMethods]uint64 // by sip.Method; the MIB enumerates it as value+1
	Responses  [6]uint64              // by class: [0] = 1xx ... [5] = 6xx
	Drops      [reason.Num]uint64     // by reason.Reason; the MIB's drop index is value+1
	CurDialogs uint32
	Dialogs    uint64
	PeakDialog uint32
}

// Bind is one virtual port to real port binding.
type Bind struct {
	Virtual string
	VPort   uint16
	Real    string
	RPort   uint16
}

// TotalRequests sums the per-method counters.
func (p *VirtualPort) TotalRequests() uint64 {
	var n uint64
	for _, c := range p.Requests {
		n += c
	}
	return n
}

// TotalResponses sums the per-class counters.
func (p *VirtualPort) TotalResponses() uint64 {
	var n uint64
	for _, c := range p.Responses {
		n += c
	}
	return n
}

// TotalDrops sums the per-reason counters.
func (p *VirtualPort) TotalDrops() uint64 {
	var n uint64
	for _, d := range p.Drops {
		n += d
	}
	return n
}
