package appliance

import (
	"errors"
	"fmt"
	"net/netip"

	"sipslb/slb/engine"
	"sipslb/sys/inlinenet"
	"sipslb/sys/packetio"
)

// inlineDriver is the Linux side of inline mode's inside leg, handed to
// the engine: the appliance's inside address (netlink), an AF_PACKET
// socket for the servers' SIP datagrams (sys/packetio), forwarding and
// the nftables table (sys/inlinenet), raw IPv4 senders.
type inlineDriver struct{}

func (inlineDriver) Open(inside string, self netip.Prefix, outside string) (engine.InlineLink, error) {
	if err := packetio.AddAddr(inside, self); err != nil {
		return nil, err
	}
	pc, err := packetio.Listen(inside)
	if err != nil {
		packetio.DelAddr(inside, self)
		return nil, err
	}
	l := &inlineLink{Conn: pc, ifname: inside, self: self}
	if err := l.fwd.Enable(outside, inside); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

func (inlineDriver) NewSender() (engine.InlineSender, error) { return packetio.OpenRaw() }

type inlineLink struct {
	*packetio.Conn // ReadFrame, SetReadDeadline
	ifname         string
	self           netip.Prefix
	fwd            inlinenet.Forwarding
}

// SetRules installs the kernel's drop rules first, then the frame filter:
// a frame the data path does not read yet is forwarded by neither.
func (l *inlineLink) SetRules(vips []netip.Addr, sources []netip.AddrPort) error {
	if err := inlinenet.Apply(inlinenet.Rules{VIPs: vips, Sources: sources, Self: l.self.Addr()}); err != nil {
		return err
	}
	if err := l.Conn.SetSources(l.self.Addr(), sources); err != nil {
		return fmt.Errorf("frame filter: %w", err)
	}
	return nil
}

// Untranslated reads the table's counting rules (sys/inlinenet).
func (l *inlineLink) Untranslated() (uint64, error) { return inlinenet.Untranslated() }

// Close removes the kernel's rules, puts forwarding back, closes the
// socket and takes the inside address off the interface.
func (l *inlineLink) Close() error {
	return errors.Join(inlinenet.Remove(), l.fwd.Restore(), l.Conn.Close(), packetio.DelAddr(l.ifname, l.self))
}
