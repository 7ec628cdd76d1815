// Package dsr is the L2 direct-server-return data path (ServerIron Design
// #1): Ethernet frames addressed to a VIP:port arrive from an AF_PACKET
// socket; the SIP Call-ID picks a real server exactly as in proxy mode
// (the same pool.State groups, Maglev tables, health state and dialog
// table); only the Ethernet addresses change (destination = the server's
// MAC, source = ours) and the frame goes back out on the same interface.
// The real server holds the VIP on its loopback and answers the client
// directly, so the balancer never sees a response of the server.
//
// What it does to a frame:
//   - IPv4 + UDP only; nothing at L3 changes. The UDP checksum of an
//     unfragmented datagram is recomputed, because a frame captured from a
//     local veth or VM sender may carry only the partial (pseudo-header)
//     checksum that the sender's NIC was meant to finish; a fragmented
//     datagram already carries its final checksum (the kernel completes it
//     before fragmenting), and it could not be recomputed from one
//     fragment anyway.
//   - Fragments follow their first fragment: the first fragment (offset 0,
//     more-fragments set) is hashed by the Call-ID found in its part of the
//     headers and its choice is kept in a small fixed table keyed by
//     (source, destination, IP ID) for FragTTL; later fragments take the
//     same MAC. A later fragment that arrives before its first fragment
//     (or after the entry expired) is dropped and counted (reason.FrameFragOrphan);
//     the client's retransmission then goes through whole. Holding early
//     fragments was judged not worth its buffers: Ethernet bridges and veth
//     keep order within a flow.
//   - No 483 or 503 answers: the message is never rewritten, so there is
//     nothing to say to the client that the server would not say; an empty
//     group is a counted drop (reason.NoServer).
//   - Requests and responses alike are hashed by Call-ID: in DSR a client
//     answers a server's request (a BYE, a re-INVITE) at the VIP, and the
//     answer must reach the server that sent it.
//
// Invariants:
//   - Forwarder.Handle allocates nothing (AllocsPerRun test), rewrites the
//     frame in place and keeps no reference to it; a Forwarder belongs to
//     one goroutine.
//   - Every frame ends in exactly one of forwarded or dropped, a drop being
//     counted either on its VIP port (reason.Reason) or, when no VIP port is
//     known, in Counters (reason.Frame). No input panics (FuzzHandle).
//   - The routing state is read once per frame through one atomic pointer.
package dsr
