package pool

import (
	"net/netip"

	"sipslb/slb/reason"
)

// Destination is the one rule for where the proxy data path may send a
// message it did not route to a real server itself: a request from the
// farm (its Route or Request-URI) and a response (its next Via). Both
// addresses come from the message, so a client or a server chooses them;
// the balancer must never be the one that reflects a message to a
// broadcast or multicast group, loops it back to itself, or hands it to
// another service on the box. It returns reason.OK, or why not:
//
//   - reason.BadDestination: no single remote host: unspecified
//     (0.0.0.0/8, "this network", and ::), the reserved 240.0.0.0/4 with
//     the limited broadcast 255.255.255.255 at its end, or multicast
//     (224.0.0.0/4, ff00::/8), as slb/config refuses for real servers;
//   - reason.Loop: one of our own listeners (a VIP port of any virtual
//     server), or the box itself: a VIP address on any other port, or a
//     loopback address (127.0.0.0/8, ::1), when vp's VIP is not a
//     loopback address. On a loopback VIP (tests, demos) the clients and
//     the farm share the loopback network, IPv6 has a single loopback
//     address, and only the VIP ports themselves are refused.
//
// IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.
// A directed broadcast (the last address of a subnet) is not known here;
// the kernel refuses it without SO_BROADCAST, which the sockets never set
// (counted as send-error). It never allocates.
func (st *State) Destination(vp *VPort, to netip.AddrPort) reason.Reason {
	a := to.Addr().Unmap()
	switch {
	case !a.IsValid(), a.IsUnspecified(), a.IsMulticast(),
		a.Is4() && (a.As4()[0] == 0 || a.As4()[0] >= 240):
		return reason.BadDestination
	case a.IsLoopback() && !vp.Addr.Addr().IsLoopback():
		return reason.Loop
	}
	if _, own := st.VIPs[a]; own && !a.IsLoopback() {
		return reason.Loop
	}
	if _, listener := st.VPorts[netip.AddrPortFrom(a, to.Port())]; listener {
		return reason.Loop
	}
	return reason.OK
}

// FromSelf reports whether src is one of our own VIP ports: a datagram we
// sent to ourselves, which can only loop.
func (st *State) FromSelf(src netip.AddrPort) bool {
	_, self := st.VPorts[netip.AddrPortFrom(src.Addr().Unmap(), src.Port())]
	return self
}
