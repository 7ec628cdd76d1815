// Package packetio is the Linux side of the dsr data path: an AF_PACKET
// socket on the data interface that receives only the IPv4 frames the DSR
// VIP ports need (a classic BPF filter built from the VIP:port set) and
// sends whole Ethernet frames, plus the interface's own address, set over
// netlink.
//
// Invariants:
//   - ReadFrame and WriteFrame allocate nothing: they call read(2) and
//     write(2) on the bound socket through closures made once, so neither
//     a sockaddr nor a net.Addr is built per frame. One goroutine reads;
//     writes may come from several (the data path and the DSR health
//     probes) and are serialised.
//   - The filter accepts only frames to our own MAC (so our own resent
//     frames, which AF_PACKET also sees, never come back), IPv4, UDP, to a
//     VIP in the set, and either a destination port in the set or a
//     non-first fragment (which has no UDP header; the data path matches
//     it to its first fragment). An empty set accepts nothing.
//   - Knows nothing about SIP. Needs CAP_NET_RAW (and CAP_NET_ADMIN for
//     the address).
package packetio
