package snmp

import (
	"sync/atomic"

	"github.com/gosnmp/gosnmp"
)

// Standard arcs served.
var (
	oidSystem     = OID{1, 3, 6, 1, 2, 1, 1}
	oidSNMP       = OID{1, 3, 6, 1, 2, 1, 11}
	oidEngine     = OID{1, 3, 6, 1, 6, 3, 10, 2, 1}
	oidMPDStats   = OID{1, 3, 6, 1, 6, 3, 11, 2, 1}
	oidSnmpTrap   = OID{1, 3, 6, 1, 6, 3, 1, 1, 4, 1} // snmpTrapOID
	oidSysUpTime0 = OID{1, 3, 6, 1, 2, 1, 1, 3, 0}
)

func newRegistry(a *Agent) *registry {
	r := &registry{}
	r.add(systemGroup(a)...)
	r.add(snmpGroup(a)...)
	r.add(engineGroup(a)...)
	r.add(foundryTables()...)
	r.add(sipTables()...)
	return r
}

func cfgString(f func(c *Config) string) func(rc *reqCtx) value {
	return func(rc *reqCtx) value { return octets(f(&rc.a.st.Load().cfg)) }
}

// systemGroup is RFC 3418's system group (sysORTable not served).
func systemGroup(a *Agent) []node {
	s := func(arc uint32, fn func(rc *reqCtx) value) node {
		return &scalar{oid: oidSystem.Append(arc), fn: fn}
	}
	return []node{
		s(1, cfgString(func(c *Config) string { return c.Descr })),
		s(2, func(rc *reqCtx) value { return oidVal(rc.a.st.Load().sysOID) }),
		s(3, func(rc *reqCtx) value { return timeticks(rc.a.upTime()) }),
		s(4, cfgString(func(c *Config) string { return c.Contact })),
		s(5, cfgString(func(c *Config) string { return c.Name })),
		s(6, cfgString(func(c *Config) string { return c.Location })),
		// sysServices: application (layer 7) and transport (layer 4).
		s(7, func(*reqCtx) value { return integer(1<<6 | 1<<3) }),
	}
}

// snmpGroup is the MIB-II snmp group (RFC 1213 / RFC 3418); arcs 7 and 23
// were never assigned.
func snmpGroup(a *Agent) []node {
	st := &a.stats
	counters := []struct {
		arc uint32
		c   *atomic.Uint32
	}{
		{1, &st.InPkts}, {2, &st.OutPkts}, {3, &st.InBadVersions},
		{4, &st.InBadCommunityNames}, {5, &st.InBadCommunityUses},
		{6, &st.InASNParseErrs}, {8, &st.InTooBigs}, {9, &st.InNoSuchNames},
		{10, &st.InBadValues}, {11, &st.InReadOnlys}, {12, &st.InGenErrs},
		{13, &st.InTotalReqVars}, {14, &st.InTotalSetVars},
		{15, &st.InGetRequests}, {16, &st.InGetNexts}, {17, &st.InSetRequests},
		{18, &st.InGetResponses}, {19, &st.InTraps}, {20, &st.OutTooBigs},
		{21, &st.OutNoSuchNames}, {22, &st.OutBadValues}, {24, &st.OutGenErrs},
		{25, nil}, {26, nil}, {27, nil}, // we send no requests
		{28, &st.OutGetResponses}, {29, &st.OutTraps},
		{31, &st.SilentDrops}, {32, &st.ProxyDrops},
	}
	var out []node
	for _, c := range counters {
		c := c
		out = append(out, &scalar{oid: oidSNMP.Append(c.arc), fn: func(*reqCtx) value {
			if c.c == nil {
				return value{gosnmp.Counter32, uint32(0)}
			}
			return value{gosnmp.Counter32, c.c.Load()}
		}})
	}
	// snmpEnableAuthenTraps: disabled(2); authentication failures are
	// counted, not notified.
	out = append(out, &scalar{oid: oidSNMP.Append(30), fn: func(*reqCtx) value { return integer(2) }})
	return out
}

// engineGroup serves snmpEngine (RFC 3411), snmpMPDStats (RFC 3412) and
// usmStats (RFC 3414).
func engineGroup(a *Agent) []node {
	st := &a.stats
	c32 := func(o OID, c *atomic.Uint32) node {
		return &scalar{oid: o, fn: func(*reqCtx) value { return value{gosnmp.Counter32, c.Load()} }}
	}
	return []node{
		&scalar{oid: oidEngine.Append(1), fn: func(rc *reqCtx) value { return bytesVal(rc.a.engineID) }},
		&scalar{oid: oidEngine.Append(2), fn: func(rc *reqCtx) value { return integer(int(rc.a.boots)) }},
		&scalar{oid: oidEngine.Append(3), fn: func(rc *reqCtx) value { return integer(int(rc.a.engineTime())) }},
		&scalar{oid: oidEngine.Append(4), fn: func(*reqCtx) value { return integer(65507) }},
		c32(oidMPDStats.Append(1), &st.UnknownSecurityModels),
		c32(oidMPDStats.Append(2), &st.InvalidMsgs),
		c32(oidMPDStats.Append(3), &st.UnknownPDUHandlers),
		c32(usmStatsOID.Append(1), &st.UsmUnsupportedSecLevels),
		c32(usmStatsOID.Append(2), &st.UsmNotInTimeWins),
		c32(usmStatsOID.Append(3), &st.UsmUnknownUserNames),
		c32(usmStatsOID.Append(4), &st.UsmUnknownEngineIDs),
		c32(usmStatsOID.Append(5), &st.UsmWrongDigests),
		c32(usmStatsOID.Append(6), &st.UsmDecryptionErrors),
	}
}
