package snmp

import (
	"net/netip"
	"slices"

	"sipslb/slb/status"
)

// oidSnL4 is snL4 of the ServerIron L4 MIB (1.3.6.1.4.1.1991.1.1.4),
// re-described in mibs/SIPSLB-SERVERIRON-COMPAT-MIB so NMS templates built
// for ServerIron keep working. Those tables are IpAddress-indexed, so only
// IPv4 servers appear in them; the SIP MIB carries every server.
var oidSnL4 = OID{1, 3, 6, 1, 4, 1, 1991, 1, 1, 4}

func snl4Entry(arc uint32) OID { return oidSnL4.Append(arc, 1, 1) }

func ip4(a netip.Addr) ([4]byte, bool) {
	a = a.Unmap()
	if !a.Is4() {
		return [4]byte{}, false
	}
	return a.As4(), true
}

func ipIndex(b [4]byte, rest ...uint32) OID {
	return append(OID{uint32(b[0]), uint32(b[1]), uint32(b[2]), uint32(b[3])}, rest...)
}

// ServerIron enumerations (values as in the ServerIron MIB).
const (
	l4Disabled = 0
	l4Enabled  = 1
	rowValid   = 2 // L4RowSts valid(2)
	delDone    = 0 // L4DeleteState done(0)
)

// l4State maps health to the ServerIron server/port state enumeration.
func l4State(adminUp bool, h status.Health) int {
	switch {
	case !adminUp || h == status.Disabled:
		return 0 // disabled
	case h == status.Up || h == status.NoCheck:
		return 6 // active
	case h == status.Down:
		return 2 // failed
	case h == status.Failing:
		return 4 // suspect
	}
	return 1 // enabled: configured, not yet tested
}

func adminStatus(up bool) value {
	if up {
		return integer(l4Enabled)
	}
	return integer(l4Disabled)
}

func seq(n int) []uint32 {
	r := make([]uint32, n)
	for i := range r {
		r[i] = uint32(i + 1)
	}
	return r
}

func foundryTables() []node {
	return []node{
		// snL4BindTable: integer index, rows ordered by (virtual, vport, real, rport).
		&table{oid: snl4Entry(6), cols: seq(6), build: func(rc *reqCtx) []row {
			binds := slices.Clone(rc.view.Binds)
			slices.SortFunc(binds, func(x, y Bind) int {
				if c := cmpStr(x.Virtual, y.Virtual); c != 0 {
					return c
				}
				if x.VPort != y.VPort {
					return int(x.VPort) - int(y.VPort)
				}
				if c := cmpStr(x.Real, y.Real); c != 0 {
					return c
				}
				return int(x.RPort) - int(y.RPort)
			})
			var rows []row
			for i, b := range binds {
				rows = append(rows, row{idx: OID{uint32(i + 1)}, cells: []value{
					integer(i + 1), octets(b.Virtual), integer(int(b.VPort)),
					octets(b.Real), integer(int(b.RPort)), integer(rowValid),
				}})
			}
			return rows
		}},
		// snL4RealServerCfgTable
		&table{oid: snl4Entry(19), cols: seq(7), build: func(rc *reqCtx) []row {
			var rows []row
			for _, r := range rc.view.Reals {
				ip, ok := ip4(r.Addr)
				if !ok {
					continue
				}
				rows = append(rows, row{idx: ipIndex(ip), cells: []value{
					ipVal(ip), octets(r.Name), adminStatus(r.AdminUp),
					integer(int(r.MaxConns)), integer(int(r.Weight)), integer(rowValid), integer(delDone),
				}})
			}
			return rows
		}},
		// snL4RealServerPortCfgTable
		&table{oid: snl4Entry(20), cols: seq(6), build: func(rc *reqCtx) []row {
			var rows []row
			for _, r := range rc.view.Reals {
				ip, ok := ip4(r.Addr)
				if !ok {
					continue
				}
				for _, p := range r.Ports {
					rows = append(rows, row{idx: ipIndex(ip, uint32(p.Port)), cells: []value{
						ipVal(ip), octets(r.Name), integer(int(p.Port)), adminStatus(p.AdminUp),
						integer(rowValid), integer(delDone),
					}})
				}
			}
			return rows
		}},
		// snL4VirtualServerCfgTable; SDAType default(0): the predictor is
		// the SIP Call-ID hash, which has no ServerIron value.
		&table{oid: snl4Entry(21), cols: seq(6), build: func(rc *reqCtx) []row {
			var rows []row
			for _, v := range rc.view.Virtuals {
				ip, ok := ip4(v.Addr)
				if !ok {
					continue
				}
				rows = append(rows, row{idx: ipIndex(ip), cells: []value{
					ipVal(ip), octets(v.Name), adminStatus(v.AdminUp), integer(0),
					integer(rowValid), integer(delDone),
				}})
			}
			return rows
		}},
		// snL4VirtualServerPortCfgTable
		&table{oid: snl4Entry(22), cols: seq(8), build: func(rc *reqCtx) []row {
			var rows []row
			for _, v := range rc.view.Virtuals {
				ip, ok := ip4(v.Addr)
				if !ok {
					continue
				}
				for _, p := range v.Ports {
					rows = append(rows, row{idx: ipIndex(ip, uint32(p.Port)), cells: []value{
						ipVal(ip), integer(int(p.Port)), octets(v.Name), adminStatus(p.AdminUp),
						integer(0), integer(0), integer(rowValid), integer(delDone),
					}})
				}
			}
			return rows
		}},
		// snL4RealServerStatisticTable. Receive = responses from the
		// server, Transmit = requests sent to it, connections = dialogs.
		&table{oid: snl4Entry(23), cols: seq(13), build: func(rc *reqCtx) []row {
			var rows []row
			for _, r := range rc.view.Reals {
				ip, ok := ip4(r.Addr)
				if !ok {
					continue
				}
				rows = append(rows, row{idx: ipIndex(ip), cells: []value{
					ipVal(ip), octets(r.Name), counter32(r.Responses), counter32(r.Requests),
					integer(int(r.CurDialogs)), counter32(r.Dialogs), integer(0),
					integer(l4State(r.AdminUp, r.Health)), integer(0), integer(0),
					integer(failedPorts(r)), integer(0), integer(int(r.PeakDialog)),
				}})
			}
			return rows
		}},
		// snL4RealServerPortStatisticTable (byte columns 11 and 12 not served).
		&table{oid: snl4Entry(24), cols: []uint32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13}, build: func(rc *reqCtx) []row {
			var rows []row
			for _, r := range rc.view.Reals {
				ip, ok := ip4(r.Addr)
				if !ok {
					continue
				}
				for _, p := range r.Ports {
					rows = append(rows, row{idx: ipIndex(ip, uint32(p.Port)), cells: []value{
						ipVal(ip), integer(int(p.Port)), octets(r.Name), integer(0),
						integer(l4State(r.AdminUp && p.AdminUp, p.State)), integer(0),
						integer(int(p.CurDialogs)), counter32(p.Dialogs),
						counter32(p.Responses), counter32(p.Requests), integer(int(p.PeakDialog)),
					}})
				}
			}
			return rows
		}},
		// snL4VirtualServerStatisticTable (columns 1-5).
		&table{oid: snl4Entry(25), cols: seq(5), build: func(rc *reqCtx) []row {
			var rows []row
			for _, v := range rc.view.Virtuals {
				ip, ok := ip4(v.Addr)
				if !ok {
					continue
				}
				var rx, tx, dialogs uint64
				for i := range v.Ports {
					p := &v.Ports[i]
					rx += p.TotalRequests()
					tx += p.TotalResponses()
					dialogs += p.Dialogs
				}
				rows = append(rows, row{idx: ipIndex(ip), cells: []value{
					ipVal(ip), octets(v.Name), counter32(rx), counter32(tx), counter32(dialogs),
				}})
			}
			return rows
		}},
		// snL4VirtualServerPortStatisticTable
		&table{oid: snl4Entry(26), cols: seq(6), build: func(rc *reqCtx) []row {
			var rows []row
			for _, v := range rc.view.Virtuals {
				ip, ok := ip4(v.Addr)
				if !ok {
					continue
				}
				for _, p := range v.Ports {
					rows = append(rows, row{idx: ipIndex(ip, uint32(p.Port)), cells: []value{
						ipVal(ip), integer(int(p.Port)), octets(v.Name), integer(int(p.CurDialogs)),
						counter32(p.Dialogs), integer(int(p.PeakDialog)),
					}})
				}
			}
			return rows
		}},
	}
}

func failedPorts(r Real) int {
	for _, p := range r.Ports {
		if p.State == status.Down {
			return 1
		}
	}
	return 0
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
