// Package dsr is the end-to-end test of the L2 DSR mode: the real sipslb
// binary runs in a network namespace of a bridged topology built by
// scripts/netns-dsr.sh (client, lb, rs1..rs3), owns the VIP by ARP, and
// SIPp calls from the client namespace reach SIPp UAS processes that hold
// the VIP on their loopback and answer the client directly. It needs root
// (it skips, saying so, when not root) and iproute2, sipp and tcpdump (a
// missing one fails the test).
package dsr
