// Package udpsip is what the frame-level data paths (dsr, inline) share
// about a SIP datagram inside an IPv4 packet: the Internet checksums, in
// full and updated incrementally (RFC 1624), the routing head of a whole
// message or of a first fragment, and the one call into the routing
// decision (pool.State.Route) with the counting that goes with it.
//
// Everything here is a pure function over byte slices; nothing allocates
// (the callers' AllocsPerRun tests hold it to that).
package udpsip
