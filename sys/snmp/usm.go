package snmp

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
	"net/netip"

	"github.com/gosnmp/gosnmp"
)

// RFC 3412 msgFlags bits.
const (
	flagAuth       = 0x01
	flagPriv       = 0x02
	flagReportable = 0x04
)

// timeWindow is the USM time window in seconds (RFC 3414 2.2.3).
const timeWindow = 150

// usmReport names the usmStats counter a failed check increments; its
// value is the counter's last arc under usmStats.
type usmReport uint32

const (
	reportNone usmReport = iota
	reportUnsupportedSecLevel
	reportNotInTimeWindow
	reportUnknownUserName
	reportUnknownEngineID
	reportWrongDigest
	reportDecryptionError
)

var usmStatsOID = OID{1, 3, 6, 1, 6, 3, 15, 1, 1}

// v3msg is a parsed SNMPv3 message (RFC 3412 6, RFC 3414 2.4).
type v3msg struct {
	msgID     int64
	maxSize   int64
	flags     byte
	engineID  []byte
	boots     int64
	time      int64
	user      []byte
	authParam berReader // content; off locates it in the message
	privParam []byte
	data      berReader // scopedPDU SEQUENCE or encrypted OCTET STRING, whole TLV
}

func parseV3(pkt []byte) (*v3msg, bool) {
	m := &v3msg{}
	r := berReader{b: pkt}
	msg, ok := r.tlv(0x30)
	if !ok || !r.empty() {
		return nil, false
	}
	if v, ok := msg.integer(); !ok || v != 3 {
		return nil, false
	}
	hdr, ok := msg.tlv(0x30)
	if !ok {
		return nil, false
	}
	if m.msgID, ok = hdr.integer(); !ok || m.msgID < 0 {
		return nil, false
	}
	if m.maxSize, ok = hdr.integer(); !ok {
		return nil, false
	}
	fl, ok := hdr.octets()
	if !ok || len(fl.b) != 1 {
		return nil, false
	}
	m.flags = fl.b[0]
	model, ok := hdr.integer()
	if !ok || !hdr.empty() {
		return nil, false
	}
	if model != int64(gosnmp.UserSecurityModel) {
		m.flags |= 0x80 // marks an unknown security model for the caller
	}
	sp, ok := msg.octets()
	if !ok {
		return nil, false
	}
	usm, ok := sp.tlv(0x30)
	if !ok || !sp.empty() {
		if m.flags&0x80 != 0 {
			return m, true // another model's parameters: caller counts it
		}
		return nil, false
	}
	e, ok := usm.octets()
	if !ok || len(e.b) > 32 {
		return nil, false
	}
	m.engineID = e.b
	if m.boots, ok = usm.integer(); !ok {
		return nil, false
	}
	if m.time, ok = usm.integer(); !ok {
		return nil, false
	}
	u, ok := usm.octets()
	if !ok || len(u.b) > 32 {
		return nil, false
	}
	m.user = u.b
	if m.authParam, ok = usm.octets(); !ok {
		return nil, false
	}
	p, ok := usm.octets()
	if !ok || !usm.empty() {
		return nil, false
	}
	m.privParam = p.b
	m.data = msg
	if len(msg.b) == 0 {
		return nil, false
	}
	return m, true
}

func (a *Agent) handleV3(st *state, pkt []byte, from netip.AddrPort) []byte {
	m, ok := parseV3(pkt)
	if !ok {
		a.stats.InASNParseErrs.Add(1)
		return nil
	}
	if m.flags&0x80 != 0 {
		a.stats.UnknownSecurityModels.Add(1)
		return nil
	}
	if m.flags&(flagAuth|flagPriv) == flagPriv || m.maxSize < minMessageSize {
		a.stats.InvalidMsgs.Add(1)
		return nil
	}
	level := NoAuthNoPriv
	switch {
	case m.flags&flagPriv != 0:
		level = AuthPriv
	case m.flags&flagAuth != 0:
		level = AuthNoPriv
	}
	maxSize := min(int64(st.maxSize), m.maxSize)

	// RFC 3414 3.2 steps 3-8, in order.
	if !bytes.Equal(m.engineID, a.engineID) {
		a.stats.UsmUnknownEngineIDs.Add(1)
		return a.report(m, reportUnknownEngineID, nil, int(maxSize))
	}
	u := st.users[string(m.user)]
	if u == nil {
		a.stats.UsmUnknownUserNames.Add(1)
		return a.report(m, reportUnknownUserName, nil, int(maxSize))
	}
	if level < u.level || (level >= AuthNoPriv && u.auth == AuthNone) || (level == AuthPriv && u.priv == PrivNone) {
		a.stats.UsmUnsupportedSecLevels.Add(1)
		return a.report(m, reportUnsupportedSecLevel, nil, int(maxSize))
	}
	if level >= AuthNoPriv {
		ap := m.authParam.b
		if len(ap) != u.auth.macLen() {
			a.stats.UsmWrongDigests.Add(1)
			return a.report(m, reportWrongDigest, nil, int(maxSize))
		}
		got := append([]byte(nil), ap...)
		clear(pkt[m.authParam.off : m.authParam.off+len(ap)])
		if subtle.ConstantTimeCompare(got, u.auth.mac(u.authKey, pkt)) != 1 {
			a.stats.UsmWrongDigests.Add(1)
			return a.report(m, reportWrongDigest, nil, int(maxSize))
		}
		now := int64(a.engineTime())
		if a.boots >= maxBoots || m.boots != int64(a.boots) || m.time < now-timeWindow || m.time > now+timeWindow {
			a.stats.UsmNotInTimeWins.Add(1)
			return a.report(m, reportNotInTimeWindow, u, int(maxSize))
		}
	}
	scoped := m.data
	if level == AuthPriv {
		plain, ok := decryptScoped(u, m)
		if !ok {
			a.stats.UsmDecryptionErrors.Add(1)
			return a.report(m, reportDecryptionError, nil, int(maxSize))
		}
		scoped = berReader{b: plain}
	}
	sc, ok := scoped.tlv(0x30)
	if !ok {
		if level == AuthPriv {
			a.stats.UsmDecryptionErrors.Add(1)
			return a.report(m, reportDecryptionError, nil, int(maxSize))
		}
		a.stats.InASNParseErrs.Add(1)
		return nil
	}
	ctxEngine, ok1 := sc.octets()
	ctxName, ok2 := sc.octets()
	if !ok1 || !ok2 || len(sc.b) == 0 {
		a.stats.InASNParseErrs.Add(1)
		return nil
	}
	req, ok := decodePDU(sc.b)
	if !ok {
		a.stats.InASNParseErrs.Add(1)
		return nil
	}
	if len(ctxEngine.b) != 0 && !bytes.Equal(ctxEngine.b, a.engineID) {
		// Not ours and we proxy nothing (RFC 3413 3.2 step 1).
		a.stats.ProxyDrops.Add(1)
		return nil
	}
	rc := &reqCtx{a: a, view: a.src.Snapshot(), pdu: sc.b}
	enc := func(vbs []gosnmp.SnmpPDU, status gosnmp.SNMPError, index int) ([]byte, error) {
		resp := a.v3Packet(m, u, level)
		resp.ContextEngineID = string(a.engineID)
		resp.ContextName = string(ctxName.b)
		resp.PDUType = gosnmp.GetResponse
		resp.RequestID = req.RequestID
		resp.Error = status
		resp.ErrorIndex = uint8(index)
		resp.Variables = vbs
		return resp.MarshalMsg()
	}
	return a.answer(rc, req, int(maxSize), enc)
}

// decodePDU hands one PDU TLV to gosnmp by wrapping it in a v2c message
// with an empty community: gosnmp's v3 decoder would redo (and weaken)
// the USM checks done above.
func decodePDU(p []byte) (*gosnmp.SnmpPacket, bool) {
	inner := make([]byte, 0, len(p)+5)
	inner = append(inner, 0x02, 0x01, 0x01, 0x04, 0x00)
	inner = append(inner, p...)
	msg := appendTLV(nil, 0x30, inner)
	dec := gosnmp.GoSNMP{Version: gosnmp.Version2c}
	req, err := dec.SnmpDecodePacket(msg)
	if err != nil {
		return nil, false
	}
	return req, true
}

func appendTLV(dst []byte, tag byte, content []byte) []byte {
	n := len(content)
	dst = append(dst, tag)
	switch {
	case n < 0x80:
		dst = append(dst, byte(n))
	case n < 0x100:
		dst = append(dst, 0x81, byte(n))
	case n < 0x10000:
		dst = append(dst, 0x82, byte(n>>8), byte(n))
	default:
		dst = append(dst, 0x83, byte(n>>16), byte(n>>8), byte(n))
	}
	return append(dst, content...)
}

// decryptScoped undoes AES-128-CFB (RFC 3826 3.1.4); the IV takes the
// boots and time the manager put in the message.
func decryptScoped(u *usmUser, m *v3msg) ([]byte, bool) {
	r := m.data
	ct, ok := r.octets()
	if !ok || !r.empty() || len(m.privParam) != 8 || len(ct.b) == 0 {
		return nil, false
	}
	var iv [16]byte
	binary.BigEndian.PutUint32(iv[0:], uint32(m.boots))
	binary.BigEndian.PutUint32(iv[4:], uint32(m.time))
	copy(iv[8:], m.privParam)
	block, err := aes.NewCipher(u.privKey)
	if err != nil {
		return nil, false
	}
	plain := make([]byte, len(ct.b))
	cipher.NewCFBDecrypter(block, iv[:]).XORKeyStream(plain, ct.b) //nolint:staticcheck // RFC 3826 mandates CFB
	return plain, true
}

// v3Packet fills the message header and USM parameters for a message we
// send as the authoritative engine, at level for user u (nil: noAuthNoPriv
// with the request's user name, as Reports to unauthenticated peers are).
func (a *Agent) v3Packet(m *v3msg, u *usmUser, level SecLevel) *gosnmp.SnmpPacket {
	sp := &gosnmp.UsmSecurityParameters{
		AuthoritativeEngineID:    string(a.engineID),
		AuthoritativeEngineBoots: a.boots,
		AuthoritativeEngineTime:  a.engineTime(),
		AuthenticationProtocol:   gosnmp.NoAuth,
		PrivacyProtocol:          gosnmp.NoPriv,
	}
	var userName string
	var msgID uint32
	if m != nil {
		userName = string(m.user)
		msgID = uint32(m.msgID)
	}
	flags := gosnmp.NoAuthNoPriv
	if u != nil {
		userName = u.name
		if level >= AuthNoPriv {
			flags = gosnmp.AuthNoPriv
			sp.AuthenticationProtocol = u.auth.gosnmp()
			sp.SecretKey = u.authKey
		}
		if level == AuthPriv {
			flags = gosnmp.AuthPriv
			sp.PrivacyProtocol = gosnmp.AES
			sp.PrivacyKey = u.privKey
			var salt [8]byte
			binary.BigEndian.PutUint64(salt[:], a.salt.Add(1))
			sp.PrivacyParameters = salt[:]
		}
	}
	sp.UserName = userName
	return &gosnmp.SnmpPacket{
		Version:            gosnmp.Version3,
		MsgFlags:           flags,
		SecurityModel:      gosnmp.UserSecurityModel,
		SecurityParameters: sp,
		MsgID:              msgID,
		MsgMaxSize:         65507,
	}
}

func (p AuthProto) gosnmp() gosnmp.SnmpV3AuthProtocol {
	if p == AuthSHA256 {
		return gosnmp.SHA256
	}
	return gosnmp.SHA
}

// report builds a Report PDU for a failed USM check (RFC 3412 7.1 step
// 3b), only when the manager asked for one (reportableFlag). A
// notInTimeWindow Report is authenticated so the manager can trust the
// boots and time it carries (RFC 3414 3.1.1 and 4).
func (a *Agent) report(m *v3msg, kind usmReport, u *usmUser, maxSize int) []byte {
	if m.flags&flagReportable == 0 {
		return nil
	}
	level := NoAuthNoPriv
	if kind == reportNotInTimeWindow {
		level = AuthNoPriv
	}
	resp := a.v3Packet(m, u, level)
	resp.ContextEngineID = string(a.engineID)
	resp.PDUType = gosnmp.Report
	resp.RequestID = reportRequestID(m)
	resp.Variables = []gosnmp.SnmpPDU{{
		Name:  usmStatsOID.Append(uint32(kind), 0).String(),
		Type:  gosnmp.Counter32,
		Value: a.usmCounter(kind),
	}}
	out, err := resp.MarshalMsg()
	if err != nil || len(out) > maxSize {
		a.stats.SilentDrops.Add(1)
		return nil
	}
	return out
}

// reportRequestID recovers the request-id when the scopedPDU is readable
// in clear; otherwise 0, which managers match by msgID anyway.
func reportRequestID(m *v3msg) uint32 {
	if m.flags&flagPriv != 0 {
		return 0
	}
	d := m.data
	sc, ok := d.tlv(0x30)
	if !ok {
		return 0
	}
	if _, ok := sc.octets(); !ok {
		return 0
	}
	if _, ok := sc.octets(); !ok || len(sc.b) < 2 {
		return 0
	}
	pdu := berReader{b: sc.b}
	pdu.b = append([]byte{0x30}, pdu.b[1:]...) // any context tag: read as SEQUENCE
	body, ok := pdu.tlv(0x30)
	if !ok {
		return 0
	}
	id, ok := body.integer()
	if !ok {
		return 0
	}
	return uint32(id)
}

func (a *Agent) usmCounter(kind usmReport) uint32 {
	switch kind {
	case reportUnsupportedSecLevel:
		return a.stats.UsmUnsupportedSecLevels.Load()
	case reportNotInTimeWindow:
		return a.stats.UsmNotInTimeWins.Load()
	case reportUnknownUserName:
		return a.stats.UsmUnknownUserNames.Load()
	case reportUnknownEngineID:
		return a.stats.UsmUnknownEngineIDs.Load()
	case reportWrongDigest:
		return a.stats.UsmWrongDigests.Load()
	case reportDecryptionError:
		return a.stats.UsmDecryptionErrors.Load()
	}
	return 0
}
