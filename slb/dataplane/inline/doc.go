// Package inline is the inline data path (ServerIron Design #2,
// docs/inline.md): the appliance is the real servers' default gateway and
// translates addresses, never SIP headers.
//
//   - In: a frame to VIP:port (read on the outside leg) is routed by its
//     Call-ID with the routing decision of every mode (pool.State.Route,
//     through udpsip.Route: groups by method, dialog table, health, weights,
//     max-conn); the IP destination becomes the chosen server's address
//     and the UDP destination port its bound port. The client's source
//     address and port stay.
//   - Out: a frame from a real port bound to an inline VIP port (read on
//     the inside leg) leaves with the VIP:port as its source, whether it
//     is a response or a request the server starts (a BYE).
//
// What the result is: the translated IPv4 packet (the Ethernet header
// stripped) and its destination, for a raw IPv4 send: the kernel routes it
// and resolves the next hop, so the data path keeps no neighbour table for
// clients behind routers.
//
// Checksums: the IPv4 header checksum is updated incrementally (RFC 1624).
// The UDP checksum of a whole datagram is recomputed, because a frame from
// a local veth or VM sender may carry only the partial pseudo-header sum
// left for offload, which no incremental update can fix; a first
// fragment's UDP checksum covers bytes the appliance never holds, and is
// updated incrementally for the changed address and port (the sender's
// kernel completed it before fragmenting).
//
// Fragments: the first fragment (offset 0, more-fragments set) is routed
// by the Call-ID line in its part of the headers (udpsip.ScanHead) and
// later fragments, keyed by (source, destination, IP ID) in a bounded
// table (udpsip.FragTable), take the same translation. A later fragment
// without its first is dropped and counted (reason.FrameFragOrphan).
//
// Invariants: In and Out allocate nothing, rewrite the frame in place and
// keep no reference to it; a Forwarder belongs to one goroutine; every
// frame is forwarded or counted as dropped exactly once; the payload's
// bytes are never changed.
package inline
