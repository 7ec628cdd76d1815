package snmp

import "sync/atomic"

// Stats are the agent's own counters: the MIB-II snmp group (RFC 3418),
// snmpMPDStats (RFC 3412) and usmStats (RFC 3414). They are served by the
// agent and returned by Agent.Stats for `show snmp`.
type Stats struct {
	InPkts, OutPkts                           atomic.Uint32
	InBadVersions, InBadCommunityNames        atomic.Uint32
	InBadCommunityUses, InASNParseErrs        atomic.Uint32
	InTooBigs, InNoSuchNames, InBadValues     atomic.Uint32
	InReadOnlys, InGenErrs                    atomic.Uint32
	InTotalReqVars, InTotalSetVars            atomic.Uint32
	InGetRequests, InGetNexts, InSetRequests  atomic.Uint32
	InGetResponses, InTraps                   atomic.Uint32
	OutTooBigs, OutNoSuchNames, OutBadValues  atomic.Uint32
	OutGenErrs, OutGetResponses, OutTraps     atomic.Uint32
	SilentDrops, ProxyDrops                   atomic.Uint32
	UnknownSecurityModels, InvalidMsgs        atomic.Uint32
	UnknownPDUHandlers                        atomic.Uint32
	UsmUnsupportedSecLevels, UsmNotInTimeWins atomic.Uint32
	UsmUnknownUserNames, UsmUnknownEngineIDs  atomic.Uint32
	UsmWrongDigests, UsmDecryptionErrors      atomic.Uint32
	// Not in any MIB: bad source address for a community (counted in
	// InBadCommunityNames as well) and sends that failed.
	ACLDenied, SendErrors atomic.Uint32
}
