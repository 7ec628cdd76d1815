package inlinenet

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// TableName is the nftables table sipslb owns (family ip).
const TableName = "sipslb_inline"

// priority runs the chain before conntrack's defragmentation (-400), so a
// fragment is dropped as it is, never reassembled first.
var priority = nftables.ChainPriorityRef(-450)

// Rules is what the table holds.
type Rules struct {
	VIPs []netip.Addr // every datagram to them is the data path's
	// Sources are the real servers' SIP ports: their UDP datagrams, and
	// the later fragments of their addresses, are the data path's, unless
	// sent to Self.
	Sources []netip.AddrPort
	Self    netip.Addr // the appliance's inside address
}

// Apply replaces the table with one for r, in one netlink batch.
func Apply(r Rules) error {
	c, err := nftables.New()
	if err != nil {
		return fmt.Errorf("nftables: %w", err)
	}
	t := &nftables.Table{Family: nftables.TableFamilyIPv4, Name: TableName}
	c.AddTable(t) // created if missing, so the delete below cannot fail
	c.DelTable(t)
	c.AddTable(t)
	ch := c.AddChain(&nftables.Chain{Name: "prerouting", Table: t, Type: nftables.ChainTypeFilter,
		Hooknum: nftables.ChainHookPrerouting, Priority: priority})
	for _, v := range r.VIPs {
		c.AddRule(&nftables.Rule{Table: t, Chain: ch, Exprs: []expr.Any{
			load(expr.PayloadBaseNetworkHeader, 16, 4), eq(v.AsSlice()), drop(),
		}})
	}
	self := r.Self.AsSlice()
	seen := map[netip.Addr]bool{}
	for _, s := range r.Sources {
		var port [2]byte
		binary.BigEndian.PutUint16(port[:], s.Port())
		c.AddRule(&nftables.Rule{Table: t, Chain: ch, Exprs: []expr.Any{
			load(expr.PayloadBaseNetworkHeader, 12, 4), eq(s.Addr().AsSlice()),
			load(expr.PayloadBaseNetworkHeader, 16, 4), neq(self),
			&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1}, eq([]byte{unix.IPPROTO_UDP}),
			load(expr.PayloadBaseTransportHeader, 0, 2), eq(port[:]),
			&expr.Counter{}, drop(),
		}})
		if seen[s.Addr()] {
			continue
		}
		seen[s.Addr()] = true
		// Later fragments carry no port: those of the server's SIP
		// datagrams follow their first fragment in the data path.
		c.AddRule(&nftables.Rule{Table: t, Chain: ch, Exprs: []expr.Any{
			load(expr.PayloadBaseNetworkHeader, 12, 4), eq(s.Addr().AsSlice()),
			load(expr.PayloadBaseNetworkHeader, 16, 4), neq(self),
			load(expr.PayloadBaseNetworkHeader, 6, 2),
			&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 2, Mask: []byte{0x1f, 0xff}, Xor: []byte{0, 0}},
			neq([]byte{0, 0}),
			drop(),
		}})
	}
	// Then count what the servers send through the box untranslated
	// (their other source ports): the kernel forwards it as it is.
	for a := range seen {
		c.AddRule(&nftables.Rule{Table: t, Chain: ch, UserData: []byte(untranslatedTag), Exprs: []expr.Any{
			load(expr.PayloadBaseNetworkHeader, 12, 4), eq(a.AsSlice()),
			load(expr.PayloadBaseNetworkHeader, 16, 4), neq(self),
			&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1}, eq([]byte{unix.IPPROTO_UDP}),
			&expr.Counter{},
		}})
	}
	if err := c.Flush(); err != nil {
		return fmt.Errorf("nftables table %s: %w", TableName, err)
	}
	return nil
}

// untranslatedTag marks the counting rules (rule user data).
const untranslatedTag = "sipslb:untranslated"

// Untranslated is the number of UDP datagrams the real servers sent
// through the box from ports other than their SIP port (forwarded by the
// kernel untranslated), since the table was last applied.
func Untranslated() (uint64, error) {
	c, err := nftables.New()
	if err != nil {
		return 0, fmt.Errorf("nftables: %w", err)
	}
	t := &nftables.Table{Family: nftables.TableFamilyIPv4, Name: TableName}
	rules, err := c.GetRules(t, &nftables.Chain{Name: "prerouting", Table: t})
	if err != nil {
		return 0, fmt.Errorf("nftables table %s: %w", TableName, err)
	}
	var n uint64
	for _, r := range rules {
		if string(r.UserData) != untranslatedTag {
			continue
		}
		for _, e := range r.Exprs {
			if ct, ok := e.(*expr.Counter); ok {
				n += ct.Packets
			}
		}
	}
	return n, nil
}

// Remove deletes the table; a table that is not there is not an error.
func Remove() error {
	c, err := nftables.New()
	if err != nil {
		return fmt.Errorf("nftables: %w", err)
	}
	t := &nftables.Table{Family: nftables.TableFamilyIPv4, Name: TableName}
	c.AddTable(t)
	c.DelTable(t)
	if err := c.Flush(); err != nil {
		return fmt.Errorf("nftables table %s: %w", TableName, err)
	}
	return nil
}

func load(base expr.PayloadBase, off, n uint32) expr.Any {
	return &expr.Payload{DestRegister: 1, Base: base, Offset: off, Len: n}
}

func eq(b []byte) expr.Any  { return &expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: b} }
func neq(b []byte) expr.Any { return &expr.Cmp{Op: expr.CmpOpNeq, Register: 1, Data: b} }
func drop() expr.Any        { return &expr.Verdict{Kind: expr.VerdictDrop} }
