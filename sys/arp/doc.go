// Package arp makes the appliance own its DSR VIPs on the data interface
// and knows the real servers' MAC addresses.
//
// An Announcer reads every ARP frame of one interface (an AF_PACKET socket
// for EtherType 0x0806 that ignores our own outgoing frames, so it works
// whether or not the interface has an IPv4 address, which
// mdlayher/arp.Dial would need):
//   - a request for a VIP in its set is answered with the interface's MAC;
//     the VIP is on no kernel interface, so the kernel never answers it;
//   - when a VIP joins the set, a burst of gratuitous ARP (a broadcast
//     request with sender = target = VIP) tells the segment; the burst
//     stops when the VIP leaves the set, and from then on requests for it
//     go unanswered;
//   - any ARP frame whose sender is a watched real server updates the
//     neighbour cache; Request sends a request for one address (rate
//     limited), and watched addresses are re-requested every Refresh and
//     forgotten when silent for Forget.
//
// Every frame read ends in one Reason, counted (MetalLB's dropReason
// habit). The package knows nothing about SIP or the config.
//
// Invariants:
//   - Lookup allocates nothing and takes no lock (one atomic load of an
//     immutable map); the data path calls it per frame.
//   - SetVIPs, Watch and Request never block on the network.
//   - All goroutines end on Close.
package arp
