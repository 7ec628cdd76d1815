package snmp

import (
	"math"

	"github.com/gosnmp/gosnmp"
)

// maxRepetitionsCap bounds GetBulk work whatever the manager asks for; the
// size bound cuts responses well before this.
const maxRepetitionsCap = 512

// encodeFunc marshals a GetResponse carrying vbs and the error fields in
// the request's message format (v1/v2c community or v3 USM).
type encodeFunc func(vbs []gosnmp.SnmpPDU, status gosnmp.SNMPError, index int) ([]byte, error)

// answer processes one request PDU and returns the encoded response, or
// nil when nothing is sent.
func (a *Agent) answer(rc *reqCtx, req *gosnmp.SnmpPacket, maxSize int, enc encodeFunc) []byte {
	a.stats.InTotalReqVars.Add(uint32(len(req.Variables)))
	var (
		vbs    []gosnmp.SnmpPDU
		status gosnmp.SNMPError
		index  int
	)
	switch req.PDUType {
	case gosnmp.GetRequest:
		a.stats.InGetRequests.Add(1)
		vbs, status, index = a.doGet(rc, req.Variables)
	case gosnmp.GetNextRequest:
		a.stats.InGetNexts.Add(1)
		vbs, status, index = a.doGetNext(rc, req.Variables)
	case gosnmp.GetBulkRequest:
		if rc.v1 {
			a.stats.InASNParseErrs.Add(1) // GetBulk does not exist in v1
			return nil
		}
		base, err := enc(nil, 0, 0)
		if err != nil {
			a.stats.InGenErrs.Add(1)
			return nil
		}
		vbs = a.doGetBulk(rc, req, maxSize-len(base)-16)
	case gosnmp.SetRequest:
		a.stats.InSetRequests.Add(1)
		a.stats.InTotalSetVars.Add(uint32(len(req.Variables)))
		vbs, status, index = refuseSet(rc, req.Variables)
	case gosnmp.GetResponse:
		a.stats.InGetResponses.Add(1)
		return nil
	case gosnmp.SNMPv2Trap, gosnmp.Trap, gosnmp.InformRequest:
		a.stats.InTraps.Add(1)
		a.stats.UnknownPDUHandlers.Add(1)
		return nil
	default:
		a.stats.UnknownPDUHandlers.Add(1)
		return nil
	}
	out, err := enc(vbs, status, index)
	if err == nil && len(out) <= maxSize {
		a.countOut(status)
		return out
	}
	// tooBig: v2 sends no varbinds (RFC 3416 4.2.1); v1 echoes the request
	// (RFC 1157 4.1.2).
	a.stats.OutTooBigs.Add(1)
	var echo []gosnmp.SnmpPDU
	if rc.v1 {
		echo = nullVarbinds(req.Variables)
	}
	out, err = enc(echo, gosnmp.TooBig, 0)
	if err != nil || len(out) > maxSize {
		a.stats.SilentDrops.Add(1)
		return nil
	}
	a.countOut(gosnmp.TooBig)
	return out
}

func (a *Agent) countOut(status gosnmp.SNMPError) {
	a.stats.OutGetResponses.Add(1)
	switch status {
	case gosnmp.NoSuchName:
		a.stats.OutNoSuchNames.Add(1)
	case gosnmp.GenErr:
		a.stats.OutGenErrs.Add(1)
	case gosnmp.BadValue:
		a.stats.OutBadValues.Add(1)
	}
}

func nullVarbinds(in []gosnmp.SnmpPDU) []gosnmp.SnmpPDU {
	out := make([]gosnmp.SnmpPDU, len(in))
	for i, v := range in {
		out[i] = gosnmp.SnmpPDU{Name: v.Name, Type: gosnmp.Null}
	}
	return out
}

// errIndex clamps a 1-based varbind position to gosnmp's uint8 field.
func errIndex(i int) int { return min(i+1, math.MaxUint8) }

func varbind(o OID, v value) gosnmp.SnmpPDU {
	return gosnmp.SnmpPDU{Name: o.String(), Type: v.typ, Value: v.v}
}

func (a *Agent) doGet(rc *reqCtx, in []gosnmp.SnmpPDU) ([]gosnmp.SnmpPDU, gosnmp.SNMPError, int) {
	out := make([]gosnmp.SnmpPDU, len(in))
	for i, vb := range in {
		o, err := ParseOID(vb.Name)
		if err != nil {
			return nullVarbinds(in), gosnmp.GenErr, errIndex(i)
		}
		v, exc := a.reg.get(rc, o)
		if exc != 0 {
			if rc.v1 {
				return nullVarbinds(in), gosnmp.NoSuchName, errIndex(i)
			}
			out[i] = gosnmp.SnmpPDU{Name: vb.Name, Type: exc}
			continue
		}
		out[i] = varbind(o, v)
	}
	return out, gosnmp.NoError, 0
}

func (a *Agent) doGetNext(rc *reqCtx, in []gosnmp.SnmpPDU) ([]gosnmp.SnmpPDU, gosnmp.SNMPError, int) {
	out := make([]gosnmp.SnmpPDU, len(in))
	for i, vb := range in {
		o, err := ParseOID(vb.Name)
		if err != nil {
			return nullVarbinds(in), gosnmp.GenErr, errIndex(i)
		}
		no, v, ok := a.reg.next(rc, o)
		if !ok {
			if rc.v1 {
				return nullVarbinds(in), gosnmp.NoSuchName, errIndex(i)
			}
			out[i] = gosnmp.SnmpPDU{Name: vb.Name, Type: gosnmp.EndOfMibView}
			continue
		}
		out[i] = varbind(no, v)
	}
	return out, gosnmp.NoError, 0
}

// doGetBulk follows RFC 3416 4.2.3, stopping when budget bytes of
// varbinds are used (a truncated but valid response).
func (a *Agent) doGetBulk(rc *reqCtx, req *gosnmp.SnmpPacket, budget int) []gosnmp.SnmpPDU {
	in := req.Variables
	nr, mr, ok := bulkFields(rc.pdu)
	if !ok { // not reached for a PDU gosnmp decoded; its fields then
		nr, mr = int64(req.NonRepeaters), int64(req.MaxRepetitions)
	}
	// RFC 3416 4.2.3: N = max(min(non-repeaters, L), 0) and
	// M = max(max-repetitions, 0). gosnmp keeps neither sign (-1 becomes
	// 255 non-repeaters and 2^31-1 repetitions), so they are read from the
	// PDU itself.
	n := int(max(min(nr, int64(len(in))), 0))
	m := int(max(min(mr, maxRepetitionsCap), 0))
	var out []gosnmp.SnmpPDU
	used := 0
	add := func(vb gosnmp.SnmpPDU) bool {
		sz := varbindSize(vb)
		if used+sz > budget {
			return false
		}
		used += sz
		out = append(out, vb)
		return true
	}
	step := func(name string) (gosnmp.SnmpPDU, bool) {
		o, err := ParseOID(name)
		if err != nil {
			return gosnmp.SnmpPDU{Name: name, Type: gosnmp.EndOfMibView}, false
		}
		no, v, ok := a.reg.next(rc, o)
		if !ok {
			return gosnmp.SnmpPDU{Name: name, Type: gosnmp.EndOfMibView}, false
		}
		return varbind(no, v), true
	}
	for i := 0; i < n; i++ {
		vb, _ := step(in[i].Name)
		if !add(vb) {
			return out
		}
	}
	rep := in[n:]
	if len(rep) == 0 {
		return out
	}
	last := make([]string, len(rep))
	done := make([]bool, len(rep))
	for i, vb := range rep {
		last[i] = vb.Name
	}
	for r := 0; r < m; r++ {
		live := false
		for i := range rep {
			var vb gosnmp.SnmpPDU
			if done[i] {
				vb = gosnmp.SnmpPDU{Name: last[i], Type: gosnmp.EndOfMibView}
			} else {
				var ok bool
				vb, ok = step(last[i])
				done[i] = !ok
				last[i] = vb.Name
				live = live || ok
			}
			if !add(vb) {
				return out
			}
		}
		if !live {
			break // every repeater is at endOfMibView
		}
	}
	return out
}

// bulkFields reads non-repeaters and max-repetitions, signed, from a
// GetBulkRequest-PDU: [5] IMPLICIT SEQUENCE { request-id, non-repeaters,
// max-repetitions, variable-bindings }.
func bulkFields(pdu []byte) (nonRepeaters, maxRepetitions int64, ok bool) {
	r := berReader{b: pdu}
	body, ok := r.tlv(0xa5)
	if !ok {
		return 0, 0, false
	}
	if _, ok := body.integer(); !ok {
		return 0, 0, false
	}
	nr, ok1 := body.integer()
	mr, ok2 := body.integer()
	return nr, mr, ok1 && ok2
}

// refuseSet answers a SET on a read-only agent: notWritable for v2c/v3,
// noSuchName for v1 (RFC 3584 4.4 maps notWritable to noSuchName).
func refuseSet(rc *reqCtx, in []gosnmp.SnmpPDU) ([]gosnmp.SnmpPDU, gosnmp.SNMPError, int) {
	if len(in) == 0 {
		return nil, gosnmp.NoError, 0
	}
	if rc.v1 {
		return in, gosnmp.NoSuchName, 1
	}
	return in, gosnmp.NotWritable, 1
}

// varbindSize is an upper bound of a varbind's BER size.
func varbindSize(vb gosnmp.SnmpPDU) int {
	o, err := ParseOID(vb.Name)
	oidLen := 0
	if err == nil {
		oidLen = o.berLen()
	}
	var vl int
	switch vb.Type {
	case gosnmp.Integer, gosnmp.Counter32, gosnmp.Gauge32, gosnmp.TimeTicks:
		vl = 5
	case gosnmp.Counter64:
		vl = 9
	case gosnmp.IPAddress:
		vl = 4
	case gosnmp.OctetString:
		switch s := vb.Value.(type) {
		case string:
			vl = len(s)
		case []byte:
			vl = len(s)
		}
	case gosnmp.ObjectIdentifier:
		if s, ok := vb.Value.(string); ok {
			if vo, err := ParseOID(s); err == nil {
				vl = vo.berLen()
			}
		}
	}
	return tlvLen(tlvLen(oidLen) + tlvLen(vl))
}

func tlvLen(n int) int {
	switch {
	case n < 0x80:
		return 2 + n
	case n < 0x100:
		return 3 + n
	case n < 0x10000:
		return 4 + n
	}
	return 5 + n
}
