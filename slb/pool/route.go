package pool

import (
	"net/netip"
	"time"

	"sipslb/slb/dialog"
	"sipslb/slb/hash"
	"sipslb/slb/reason"
	"sipslb/slb/sip"
	"sipslb/slb/stats"
)

// ShortTTL is how long a dialog entry stays after a BYE or CANCEL, or a
// failure response to an INVITE: 64×T1, the life of the transaction's
// retransmissions (RFC 3261 §17.1.1.2), so late retransmissions still
// find their server.
const ShortTTL = int64(32 * time.Second)

// CreatesDialog: the methods whose dialog the table pins. A re-INVITE
// (with a To tag) also re-pins, so a dialog whose entry expired or was
// evicted is pinned again by its next target refresh.
func CreatesDialog(m sip.Method) bool {
	return m == sip.MethodInvite || m == sip.MethodSubscribe || m == sip.MethodRefer
}

// AddrKey is the key of a client address: with sip-switch off, and for a
// message without a Call-ID (a DSR keepalive), the client's IP:port picks
// the server.
func AddrKey(a netip.AddrPort) uint64 {
	var b [18]byte
	ip := a.Addr().As16()
	copy(b[:16], ip[:])
	b[16], b[17] = byte(a.Port()>>8), byte(a.Port())
	return hash.Key(b[:])
}

// Query is what Route needs to know of a message from a client.
type Query struct {
	// CallKey is hash.Key of the Call-ID value (the caller hashes it once
	// per message and reuses it). Ignored when NoCallID is set.
	CallKey uint64
	// NoCallID: the message carries no Call-ID (a DSR keepalive ping); the
	// client's address is hashed, without the dialog table.
	NoCallID bool
	// Src is the client's address (sip-switch off, NoCallID).
	Src netip.AddrPort
	// Method is the request's method, or a response's CSeq method.
	Method sip.Method
	// Response: a client's response to a server's request (DSR mode,
	// where responses also pass the balancer). It follows the dialog
	// table or the hash like a request but writes nothing to the table.
	Response bool
}

// How says how Route chose.
type How uint8

const (
	// HowNone: no server; Decision.Reason is reason.NoServer (the group is
	// empty) or reason.MaxConn (every member is at max-conn).
	HowNone How = iota
	// HowDialog: a live dialog entry names a server still bound to the
	// VIP port and healthy; it keeps the dialog even if it is disabled,
	// at weight 0 or at max-conn.
	HowDialog
	// HowHash: the group's table picked the key's owner, or (Overflow)
	// the next server with room when the owner is at max-conn.
	HowHash
	// HowRepin: a dialog entry named a server that is unbound, removed,
	// down, or was found down since the dialog began (lost); the key was
	// hashed again passing that server over, and the dialog is re-pinned.
	HowRepin
)

func (h How) String() string { return [...]string{"none", "dialog table", "hash", "re-pinned"}[h] }

// Write is what a decision writes to the dialog table.
type Write uint8

const (
	WriteNothing Write = iota
	WriteRefresh       // the entry's expiry becomes Decision.Exp
	WritePin           // key → Decision.Server, expiring at Decision.Exp (Pin)
)

// Decision is where a client's message goes, how that was decided and
// what to write to the dialog table. It is a value: Route never writes,
// Apply does, so `show sip hash` asks Route and changes nothing.
type Decision struct {
	Server *Server // nil: HowNone
	How    How
	Reason reason.Reason // reason.OK, or why there is no server
	Group  GroupKind
	// Key is the hash table key: the Call-ID's, or the client address's
	// (ByAddr).
	Key    uint64
	ByAddr bool
	// Overflow: the key's owner is at max-conn and another server took
	// the message (Owner is that owner).
	Overflow bool
	Owner    *Server
	// Stale is the server a re-pinned dialog's entry named (nil when it
	// is no longer bound), Lost whether the entry was lost with it.
	Stale *Server
	Lost  bool
	Write Write
	Exp   int64
}

// Route decides where a message from a client on vp goes at now (Unix
// ns). It is the one routing decision of every data path (proxy, DSR) and
// of `show sip hash`:
//
//  1. key: the Call-ID's hash, or the client's IP:port with sip-switch off
//     (group any, no dialog table) or without a Call-ID;
//  2. group: REGISTER → registrars, everything else → proxies;
//  3. dialog table (not on stateless ports, not for REGISTER): a live
//     entry whose server is bound and healthy decides; an entry naming a
//     server that is gone, down or lost is ignored and its server passed
//     over by the re-hash, even when it is back;
//  4. hash: the group's Maglev table, passing over servers at max-conn;
//  5. writes: a request that found its entry refreshes it (BYE and CANCEL
//     to ShortTTL); INVITE, SUBSCRIBE, REFER and every re-pinned dialog
//     pin key → server for the dialog TTL. A response writes nothing.
//
// It never allocates and reads the dialog table only.
func (st *State) Route(vp *VPort, q *Query, now int64) Decision {
	var d Decision
	dt := st.Dialogs
	if vp.Stateless {
		dt = nil // no dialogs, so max-conn has nothing to count either
	}
	useDialogs := dt != nil
	switch {
	case vp.NoSIPSwitch || q.NoCallID:
		// The address hash is sticky for a client already: no dialogs.
		d.Key, d.ByAddr, d.Group, dt, useDialogs = AddrKey(q.Src), true, GroupProxy, nil, false
		if vp.NoSIPSwitch {
			d.Group = GroupAny
		}
	case q.Method == sip.MethodRegister:
		// A registration is no dialog: hashed every time (max-conn still
		// counts the registrar's dialogs).
		d.Key, d.Group, useDialogs = q.CallKey, GroupRegistrar, false
	default:
		d.Key, d.Group = q.CallKey, GroupProxy
	}
	if !useDialogs {
		st.hash(vp, &d, q, dt, NoServer, false, now)
		return d
	}
	if id, lost, ok := dt.Get(d.Key, now); ok {
		if s := vp.Bound(id); s != nil && s.Healthy && !lost {
			d.Server, d.How, d.Reason = s, HowDialog, reason.OK
			if !q.Response {
				d.Write, d.Exp = WriteRefresh, st.expiry(q.Method, now)
			}
			return d
		}
		// Never back to the server the dialog was lost with.
		d.Stale, d.Lost = vp.Bound(id), lost
		st.hash(vp, &d, q, dt, id, true, now)
		return d
	}
	st.hash(vp, &d, q, dt, NoServer, true, now)
	return d
}

// hash picks d.Key's server in its group, passing over the server with
// id avoid (a dialog's stale server, or NoServer). pins: the port keeps
// dialogs, so a dialog-creating request, or any request of a re-hashed
// dialog, pins its server.
func (st *State) hash(vp *VPort, d *Decision, q *Query, dt *dialog.Table, avoid uint32, pins bool, now int64) {
	s, owner, why := vp.Groups[d.Group].pick(d.Key, dt, avoid)
	d.Owner, d.Reason = owner, why
	if s == nil {
		return
	}
	d.Server, d.How = s, HowHash
	if avoid != NoServer {
		d.How = HowRepin
	}
	d.Overflow = s != owner && owner.ID != avoid
	if pins && !q.Response && (avoid != NoServer || CreatesDialog(q.Method)) {
		d.Write, d.Exp = WritePin, now+st.TTL
	}
}

// Apply makes d's write to the dialog table: a refresh, or a pin counted
// on sh (the VIP port shard of the worker) and on the server (Pin).
func (st *State) Apply(d *Decision, sh *stats.Shard) {
	switch d.Write {
	case WriteRefresh:
		st.Dialogs.Touch(d.Key, d.Exp)
	case WritePin:
		Pin(st.Dialogs, sh, d.Server, d.Key, d.Exp, d.How == HowRepin)
	}
}

// Refresh renews the dialog entry of a request a real server sends
// toward a client (the callee's BYE, a re-INVITE, a NOTIFY): BYE and
// CANCEL shorten it to ShortTTL, the others extend it by the dialog TTL.
// It never creates an entry; ports without a dialog table are left alone.
func (st *State) Refresh(vp *VPort, callKey uint64, m sip.Method, now int64) {
	if st.keepsDialogs(vp) {
		st.Dialogs.Touch(callKey, st.expiry(m, now))
	}
}

// Shorten leaves a dialog entry ShortTTL to live: a failed INVITE (a
// final response ≥ 300) creates no dialog, and the entry only has to
// carry the ACK and retransmissions.
func (st *State) Shorten(vp *VPort, callKey uint64, now int64) {
	if st.keepsDialogs(vp) {
		st.Dialogs.Touch(callKey, now+ShortTTL)
	}
}

func (st *State) keepsDialogs(vp *VPort) bool {
	return !vp.NoSIPSwitch && !vp.Stateless && st.Dialogs != nil
}

// expiry is the new expiry of a dialog entry that a request of method m
// finds: BYE and CANCEL end the dialog (ShortTTL for retransmissions).
func (st *State) expiry(m sip.Method, now int64) int64 {
	if m == sip.MethodBye || m == sip.MethodCancel {
		return now + ShortTTL
	}
	return now + st.TTL
}
