package snmp

import (
	"net/netip"

	"sipslb/slb/reason"
	"sipslb/slb/status"
)

// oidSipObjects is sipslbSipObjects in mibs/SIPSLB-SIP-MIB, under the
// placeholder enterprise arc (see PlaceholderPEN).
var oidSipObjects = OID{1, 3, 6, 1, 4, 1, PlaceholderPEN, 1, 1}

func sipEntry(arc uint32) OID { return oidSipObjects.Append(arc, 1) }

// nameIndex encodes a non-IMPLIED OCTET STRING index: length, then octets.
// ok is false for names the MIB's SIZE (1..32) excludes.
func nameIndex(s string, rest ...uint32) (OID, bool) {
	if len(s) == 0 || len(s) > 32 {
		return nil, false
	}
	o := make(OID, 0, 1+len(s)+len(rest))
	o = append(o, uint32(len(s)))
	for i := 0; i < len(s); i++ {
		o = append(o, uint32(s[i]))
	}
	return append(o, rest...), true
}

// inetAddr returns InetAddressType and InetAddress (RFC 4001).
func inetAddr(a netip.Addr) (value, value) {
	a = a.Unmap()
	switch {
	case a.Is4():
		b := a.As4()
		return integer(1), bytesVal(b[:])
	case a.Is6():
		b := a.As16()
		return integer(2), bytesVal(b[:])
	}
	return integer(0), bytesVal(nil)
}

func upDown(up bool) value {
	if up {
		return integer(1)
	}
	return integer(2)
}

func truth(b bool) value { return upDown(b) } // TruthValue: true(1), false(2)

func sipTables() []node {
	type vp struct {
		v *Virtual
		p *VirtualPort
		i OID
	}
	vports := func(rc *reqCtx, f func(vp)) {
		for vi := range rc.view.Virtuals {
			v := &rc.view.Virtuals[vi]
			for pi := range v.Ports {
				p := &v.Ports[pi]
				if idx, ok := nameIndex(v.Name, uint32(p.Port)); ok {
					f(vp{v, p, idx})
				}
			}
		}
	}
	return []node{
		// sipslbVportTable
		&table{oid: sipEntry(1), cols: []uint32{3, 4, 5, 6, 7, 8, 9, 10, 11}, build: func(rc *reqCtx) []row {
			var rows []row
			vports(rc, func(x vp) {
				t, a := inetAddr(x.v.Addr)
				rows = append(rows, row{idx: x.i, cells: []value{
					t, a, upDown(x.v.AdminUp && x.p.AdminUp), truth(x.p.DSR),
					counter64(x.p.TotalRequests()), counter64(x.p.TotalResponses()),
					counter64(x.p.TotalDrops()), gauge32(x.p.CurDialogs), counter64(x.p.Dialogs),
				}})
			})
			return rows
		}},
		// sipslbVportMethodTable: method enumerated as sip.Method+1.
		&table{oid: sipEntry(2), cols: []uint32{2}, build: func(rc *reqCtx) []row {
			var rows []row
			vports(rc, func(x vp) {
				for m, n := range x.p.Requests {
					rows = append(rows, row{idx: x.i.Append(uint32(m + 1)), cells: []value{counter64(n)}})
				}
			})
			return rows
		}},
		// sipslbVportClassTable: class 1..6 = 1xx..6xx.
		&table{oid: sipEntry(3), cols: []uint32{2}, build: func(rc *reqCtx) []row {
			var rows []row
			vports(rc, func(x vp) {
				for c, n := range x.p.Responses {
					rows = append(rows, row{idx: x.i.Append(uint32(c + 1)), cells: []value{counter64(n)}})
				}
			})
			return rows
		}},
		// sipslbVportDropTable
		&table{oid: sipEntry(4), cols: []uint32{2, 3}, build: func(rc *reqCtx) []row {
			var rows []row
			vports(rc, func(x vp) {
				// Every reason but ok, at index reason+1: reasons are only
				// ever appended (slb/reason), so an index keeps its meaning.
				for r, n := range x.p.Drops {
					if reason.Reason(r) == reason.OK {
						continue
					}
					rows = append(rows, row{idx: x.i.Append(uint32(r + 1)), cells: []value{octets(reason.Reason(r).String()), counter64(n)}})
				}
			})
			return rows
		}},
		// sipslbRealTable
		&table{oid: sipEntry(5), cols: seq(12)[1:], build: func(rc *reqCtx) []row {
			var rows []row
			for i := range rc.view.Reals {
				r := &rc.view.Reals[i]
				idx, ok := nameIndex(r.Name)
				if !ok {
					continue
				}
				t, a := inetAddr(r.Addr)
				role := int(r.Role)
				if role < 1 || role > 3 {
					role = int(RoleProxy)
				}
				rows = append(rows, row{idx: idx, cells: []value{
					t, a, upDown(r.AdminUp), integer(mibHealth(r.Health)), integer(role),
					gauge32(r.Weight), counter64(r.Requests), counter64(r.Responses),
					counter64(r.Drops), gauge32(r.CurDialogs), counter64(r.Dialogs),
				}})
			}
			return rows
		}},
		// sipslbRealPortTable
		&table{oid: sipEntry(6), cols: seq(7)[1:], build: func(rc *reqCtx) []row {
			var rows []row
			for i := range rc.view.Reals {
				r := &rc.view.Reals[i]
				for _, p := range r.Ports {
					idx, ok := nameIndex(r.Name, uint32(p.Port))
					if !ok {
						continue
					}
					rows = append(rows, row{idx: idx, cells: []value{
						upDown(p.AdminUp), integer(mibHealth(p.State)), counter64(p.Requests),
						counter64(p.Responses), gauge32(p.CurDialogs), counter64(p.Dialogs),
					}})
				}
			}
			return rows
		}},
		// sipslbDsr: the dsr data interface's drops before a port was
		// known (by reason.Frame, index value+1, ok never listed) and the
		// fragments it forwarded.
		&scalar{oid: oidSipObjects.Append(7, 1), fn: func(rc *reqCtx) value {
			var n uint64
			for _, c := range rc.view.DSR.Drops {
				n += c
			}
			return counter64(n)
		}},
		&scalar{oid: oidSipObjects.Append(7, 2), fn: func(rc *reqCtx) value { return counter64(rc.view.DSR.Fragments) }},
		&table{oid: oidSipObjects.Append(7, 3, 1), cols: []uint32{2, 3}, build: func(rc *reqCtx) []row {
			var rows []row
			for f, n := range rc.view.DSR.Drops {
				if reason.Frame(f) == reason.FrameOK {
					continue
				}
				rows = append(rows, row{idx: OID{uint32(f + 1)}, cells: []value{octets(reason.Frame(f).String()), counter64(n)}})
			}
			return rows
		}},
	}
}

// mibHealth encodes a health verdict as the SIP MIB's SipslbHealth: a port
// without health checks is trusted up.
func mibHealth(h status.Health) int {
	switch h {
	case status.Up, status.NoCheck:
		return 2
	case status.Down:
		return 3
	case status.Failing:
		return 4
	case status.Disabled:
		return 5
	}
	return 1 // unknown
}
