package sip

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"net/netip"
)

// BranchPrefix starts every branch the balancer generates: the RFC 3261
// magic cookie and a product marker. A top Via whose branch lacks it is
// not ours; one that has it is ours only if VerifyBranch says so, since
// anyone can write the prefix.
const BranchPrefix = "z9hG4bK-slb-"

// BranchLen is the length of every branch AppendBranch makes: the prefix,
// the leg, 16 hex digits of the transaction id and 16 of the MAC.
const BranchLen = len(BranchPrefix) + 1 + 16 + 16

const magicCookie = "z9hG4bK"

// Leg says which way the request a branch was made for went, so that its
// responses can be held to the right rule.
type Leg byte

const (
	// LegToFarm: a client's request forwarded to a real server. Its
	// responses must come from the farm.
	LegToFarm Leg = 'c'
	// LegFromFarm: a real server's request forwarded to a client. Its
	// responses come from the client.
	LegFromFarm Leg = 's'
)

// BranchKey is the secret key of the MAC in our branches. One key serves
// the whole process, so that every worker gives a retransmission the same
// branch (RFC 3261 §16.11); NewBranchKey draws it at start, so a branch
// seen before a restart no longer verifies after it.
type BranchKey struct{ k0, k1 uint64 }

// NewBranchKey returns a key of 128 bits from crypto/rand (which never
// fails on Linux; Go aborts the process if the kernel's generator does).
func NewBranchKey() BranchKey {
	var b [16]byte
	rand.Read(b[:])
	return BranchKeyFrom(b)
}

// BranchKeyFrom makes a key of given bytes (tests; a key shared by
// several balancers).
func BranchKeyFrom(b [16]byte) BranchKey {
	return BranchKey{binary.LittleEndian.Uint64(b[:8]), binary.LittleEndian.Uint64(b[8:])}
}

// Hop is what a branch binds besides the transaction: which way the
// request went, our VIP port it left from (the responses come back to it),
// and where its responses go once our Via is popped (Via.ReplyTarget of
// the request's top Via, as AppendForwardRequest rewrites it).
type Hop struct {
	Leg  Leg
	Ours netip.AddrPort
	Next netip.AddrPort
}

// IsOurBranch reports whether branch claims to be ours (has our prefix);
// VerifyBranch says whether the claim is true.
func IsOurBranch(branch []byte) bool {
	return bytes.HasPrefix(branch, []byte(BranchPrefix))
}

// AppendBranch appends the branch for forwarding request m statelessly
// (RFC 3261 §16.11): BranchPrefix, the leg, a transaction id and a MAC,
// both SipHash-2-4 under k. The id is the same for retransmissions and for
// the INVITE, CANCEL and non-2xx ACK that share the client's branch: with
// an RFC 3261 branch it covers that branch and the top Via sent-by;
// without the magic cookie it covers the RFC 2543 tuple: To tag, From
// tag, Call-ID, Request-URI, CSeq number and the top Via. The MAC covers
// the id and hop, so a response verifies (VerifyBranch) only with a branch
// the balancer made for that VIP port, leg and next hop.
func AppendBranch(dst, b []byte, m *Msg, k *BranchKey, hop Hop) []byte {
	var h sipHash
	h.init(k.k0, k.k1)
	h.writeByte('t') // domain: transaction id
	v := &m.Via[0]
	br := v.Branch.Bytes(b)
	h.writeField(br)
	h.writeField(v.Host.Bytes(b))
	h.writeUint32(uint32(v.Port))
	if len(br) <= len(magicCookie) || !bytes.HasPrefix(br, []byte(magicCookie)) {
		h.writeField(m.ToTag.Bytes(b))
		h.writeField(m.FromTag.Bytes(b))
		h.writeField(m.CallID.Bytes(b))
		h.writeField(m.RequestURI.Bytes(b))
		h.writeUint32(m.CSeq)
	}
	id := h.sum()
	dst = append(dst, BranchPrefix...)
	dst = append(dst, byte(hop.Leg))
	dst = appendHex64(dst, id)
	return appendHex64(dst, branchMAC(k, hop.Leg, id, hop.Ours, hop.Next))
}

// VerifyBranch reports whether branch is one AppendBranch made under k for
// a request that left from ours and whose responses go to next, and which
// way that request went. Anything else (another shape, upper-case hex,
// another key, VIP port or next hop) is false.
func VerifyBranch(branch []byte, k *BranchKey, ours, next netip.AddrPort) (Leg, bool) {
	if len(branch) != BranchLen || !IsOurBranch(branch) {
		return 0, false
	}
	p := branch[len(BranchPrefix):]
	leg := Leg(p[0])
	if leg != LegToFarm && leg != LegFromFarm {
		return 0, false
	}
	id, ok1 := parseHex64(p[1:17])
	mac, ok2 := parseHex64(p[17:])
	if !ok1 || !ok2 || mac != branchMAC(k, leg, id, ours, next) {
		return 0, false
	}
	return leg, true
}

// branchMAC is SipHash-2-4 under k of the leg, the transaction id, our
// VIP port and the next hop (addresses as 16 bytes, so an IPv4 address
// and its IPv4-mapped form are the same).
func branchMAC(k *BranchKey, leg Leg, id uint64, ours, next netip.AddrPort) uint64 {
	var b [1 + 1 + 8 + 18 + 18]byte
	b[0] = 'm' // domain: MAC
	b[1] = byte(leg)
	binary.LittleEndian.PutUint64(b[2:], id)
	putAddrPort(b[10:28], ours)
	putAddrPort(b[28:46], next)
	var h sipHash
	h.init(k.k0, k.k1)
	h.write(b[:])
	return h.sum()
}

func putAddrPort(b []byte, a netip.AddrPort) {
	ip := a.Addr().As16()
	copy(b, ip[:])
	binary.BigEndian.PutUint16(b[16:], a.Port())
}

func appendHex64(dst []byte, x uint64) []byte {
	const hex = "0123456789abcdef"
	for shift := 60; shift >= 0; shift -= 4 {
		dst = append(dst, hex[x>>uint(shift)&0xf])
	}
	return dst
}

// parseHex64 reads exactly 16 lower-case hex digits, the only form
// appendHex64 writes.
func parseHex64(p []byte) (uint64, bool) {
	if len(p) != 16 {
		return 0, false
	}
	var x uint64
	for _, c := range p {
		switch {
		case '0' <= c && c <= '9':
			x = x<<4 | uint64(c-'0')
		case 'a' <= c && c <= 'f':
			x = x<<4 | uint64(c-'a'+10)
		default:
			return 0, false
		}
	}
	return x, true
}
