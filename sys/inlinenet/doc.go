// Package inlinenet is the kernel side of inline mode (docs/inline.md):
// forwarding switched on for the two legs, and an nftables table that keeps
// the kernel from forwarding the datagrams the inline data path handles
// (those to a VIP, those from a real server's SIP port), while it still
// routes everything else. The data path's AF_PACKET sockets get their
// copy before the prerouting hook runs, so dropping there hides nothing
// from it.
package inlinenet
