package appliance

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"

	"sipslb/slb/engine"
	"sipslb/sys/arp"
	"sipslb/sys/packetio"
)

// dsrDriver is the Linux side of the dsr data path, handed to the engine:
// the appliance's address on the data interface (netlink), the AF_PACKET
// frame socket (sys/packetio) and VIP ARP ownership with the neighbour
// cache (sys/arp).
type dsrDriver struct{ log *slog.Logger }

func (d dsrDriver) Open(ifname string, self netip.Prefix) (engine.DSRLink, error) {
	log := d.log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := packetio.AddAddr(ifname, self); err != nil {
		return nil, err
	}
	pc, err := packetio.Listen(ifname)
	if err != nil {
		packetio.DelAddr(ifname, self)
		return nil, err
	}
	an, err := arp.Listen(ifname, self.Addr(), arp.Options{Logger: log.With("interface", ifname)})
	if err != nil {
		pc.Close()
		packetio.DelAddr(ifname, self)
		return nil, err
	}
	return &dsrLink{Conn: pc, arp: an, ifname: ifname, self: self}, nil
}

type dsrLink struct {
	*packetio.Conn // ReadFrame, WriteFrame, MAC
	arp            *arp.Announcer
	ifname         string
	self           netip.Prefix
}

func (l *dsrLink) Lookup(ip netip.Addr) ([6]byte, bool) { return l.arp.Lookup(ip) }
func (l *dsrLink) Request(ip netip.Addr)                { l.arp.Request(ip) }
func (l *dsrLink) Watch(ips []netip.Addr)               { l.arp.Watch(ips) }

// SetTargets installs the frame filter first: if it fails, ARP ownership
// is left as it was.
func (l *dsrLink) SetTargets(targets []netip.AddrPort) error {
	if err := l.Conn.SetTargets(targets); err != nil {
		return fmt.Errorf("frame filter: %w", err)
	}
	var vips []netip.Addr
	for _, t := range targets {
		vips = append(vips, t.Addr())
	}
	l.arp.SetVIPs(vips)
	return nil
}

// Close stops answering ARP first, then closes the frame socket and takes
// the appliance's address off the interface.
func (l *dsrLink) Close() error {
	return errors.Join(l.arp.Close(), l.Conn.Close(), packetio.DelAddr(l.ifname, l.self))
}
