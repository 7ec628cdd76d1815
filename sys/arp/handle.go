package arp

import (
	"bytes"
	"net"
	"net/netip"
	"time"

	"github.com/mdlayher/arp"
	"github.com/mdlayher/ethernet"
)

// Reason is what became of one ARP frame read.
type Reason uint8

const (
	Answered        Reason = iota // a request for one of our VIPs: answered
	Learned                       // from a watched neighbour: cache updated
	IgnoredBad                    // not a well-formed Ethernet/IPv4 ARP frame
	IgnoredOwn                    // sent with our MAC (our own frame looped back)
	IgnoredNotOurs                // a request for an address not in the VIP set
	IgnoredReply                  // a reply from an address we do not watch
	IgnoredConflict               // someone else claims one of our VIPs (a real server without arp_ignore?)
	NumReasons      = int(iota)
)

var reasonNames = [NumReasons]string{"answered", "learned", "ignored-bad", "ignored-own", "ignored-not-ours", "ignored-reply", "ignored-conflict"}

func (r Reason) String() string {
	if int(r) < NumReasons {
		return reasonNames[r]
	}
	return "unknown"
}

// handle decides about one frame read at now.
func (a *Announcer) handle(b []byte, now time.Time) Reason {
	var f ethernet.Frame
	if err := f.UnmarshalBinary(b); err != nil || f.EtherType != ethernet.EtherTypeARP {
		return IgnoredBad
	}
	var p arp.Packet
	if err := p.UnmarshalBinary(f.Payload); err != nil || p.ProtocolType != uint16(ethernet.EtherTypeIPv4) || len(p.SenderHardwareAddr) != 6 {
		return IgnoredBad
	}
	if bytes.Equal(p.SenderHardwareAddr, a.mac) {
		return IgnoredOwn
	}
	vips := *a.vips.Load()
	if _, ours := vips[p.SenderIP]; ours {
		a.o.Logger.Warn("another host claims a VIP", "vip", p.SenderIP.String(), "mac", p.SenderHardwareAddr.String())
		return IgnoredConflict
	}
	learned := a.learn(p.SenderIP, [6]byte(p.SenderHardwareAddr), now)
	if p.Operation == arp.OperationRequest {
		if _, ours := vips[p.TargetIP]; ours {
			if err := a.send(arp.OperationReply, p.TargetIP, p.SenderHardwareAddr, p.SenderIP, p.SenderHardwareAddr); err != nil {
				a.o.Logger.Warn("arp reply", "vip", p.TargetIP.String(), "err", err)
			}
			return Answered
		}
	}
	switch {
	case learned:
		return Learned
	case p.Operation == arp.OperationRequest:
		return IgnoredNotOurs
	}
	return IgnoredReply
}

// learn records ip at mac if ip is watched, and reports whether it was.
func (a *Announcer) learn(ip netip.Addr, mac [6]byte, now time.Time) bool {
	if n := (*a.neigh.Load())[ip]; n != nil && n.mac == mac {
		n.seen.Store(now.UnixNano())
		return true
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.watched[ip]; !ok {
		return false
	}
	old := *a.neigh.Load()
	m := make(map[netip.Addr]*neighbor, len(old)+1)
	for k, v := range old {
		m[k] = v
	}
	n := &neighbor{mac: mac}
	n.seen.Store(now.UnixNano())
	if prev := old[ip]; prev != nil {
		a.o.Logger.Info("neighbour moved", "ip", ip.String(), "from", macString(prev.mac), "to", macString(mac))
	}
	m[ip] = n
	a.neigh.Store(&m)
	return true
}

func macString(m [6]byte) string { return net.HardwareAddr(m[:]).String() }
