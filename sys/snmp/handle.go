package snmp

import (
	"crypto/subtle"
	"net/netip"

	"github.com/gosnmp/gosnmp"
)

// HandlePacket processes one datagram from a manager and returns the reply
// to send (nil: send nothing). It may modify pkt. It is exported for a
// daemon that owns the socket itself (socket activation); the agent's own
// loop calls it too.
func (a *Agent) HandlePacket(pkt []byte, from netip.AddrPort) (out []byte) {
	defer func() {
		// Defence in depth: gosnmp's decoder is not ours, and a malformed
		// packet must cost one counter, never the daemon. FuzzDecode runs
		// without this recover so that a panic is found, not hidden.
		if r := recover(); r != nil {
			a.stats.InASNParseErrs.Add(1)
			out = nil
		}
	}()
	return a.handle(pkt, from)
}

func (a *Agent) handle(pkt []byte, from netip.AddrPort) []byte {
	a.stats.InPkts.Add(1)
	st := a.st.Load()
	if !st.cfg.Enabled {
		return nil
	}
	ver, ok := peekVersion(pkt)
	switch {
	case !ok:
		a.stats.InASNParseErrs.Add(1)
		return nil
	case ver == 0 || ver == 1:
		return a.handleCommunity(st, pkt, from)
	case ver == 3:
		return a.handleV3(st, pkt, from)
	}
	a.stats.InBadVersions.Add(1)
	return nil
}

// peekVersion reads msgVersion: SEQUENCE { INTEGER version, ... }.
func peekVersion(pkt []byte) (int64, bool) {
	r := berReader{b: pkt}
	seq, ok := r.tlv(0x30)
	if !ok || !r.empty() {
		return 0, false
	}
	return seq.integer()
}

func (a *Agent) handleCommunity(st *state, pkt []byte, from netip.AddrPort) []byte {
	dec := gosnmp.GoSNMP{Version: gosnmp.Version2c}
	req, err := dec.SnmpDecodePacket(pkt)
	if err != nil {
		a.stats.InASNParseErrs.Add(1)
		return nil
	}
	if !a.communityOK(st, req.Community, from) {
		a.stats.InBadCommunityNames.Add(1)
		return nil
	}
	if req.PDUType == gosnmp.SetRequest {
		a.stats.InBadCommunityUses.Add(1) // every community is read-only
	}
	rc := &reqCtx{a: a, view: a.src.Snapshot(), v1: req.Version == gosnmp.Version1, pdu: communityPDU(pkt)}
	enc := func(vbs []gosnmp.SnmpPDU, status gosnmp.SNMPError, index int) ([]byte, error) {
		resp := &gosnmp.SnmpPacket{
			Version:    req.Version,
			Community:  req.Community,
			PDUType:    gosnmp.GetResponse,
			RequestID:  req.RequestID,
			Error:      status,
			ErrorIndex: uint8(index),
			Variables:  vbs,
		}
		return resp.MarshalMsg()
	}
	return a.answer(rc, req, st.maxSize, enc)
}

// communityPDU returns the PDU of a v1/v2c message: SEQUENCE { INTEGER
// version, OCTET STRING community, PDU }.
func communityPDU(pkt []byte) []byte {
	r := berReader{b: pkt}
	seq, ok := r.tlv(0x30)
	if !ok {
		return nil
	}
	if _, ok := seq.integer(); !ok {
		return nil
	}
	if _, ok := seq.octets(); !ok {
		return nil
	}
	return seq.b
}

// communityOK compares in constant time per candidate and then applies
// the community's source ACL.
func (a *Agent) communityOK(st *state, name string, from netip.AddrPort) bool {
	for _, c := range st.communities {
		if subtle.ConstantTimeCompare([]byte(c.Name), []byte(name)) != 1 {
			continue
		}
		if len(c.Allow) == 0 {
			return true
		}
		src := from.Addr().Unmap()
		for _, p := range c.Allow {
			if p.Contains(src) {
				return true
			}
		}
		a.stats.ACLDenied.Add(1)
		return false
	}
	return false
}
