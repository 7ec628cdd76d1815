package sip

import (
	"bytes"
	"encoding/binary"

	"github.com/cespare/xxhash/v2"
)

// BranchPrefix starts every branch the balancer generates: the RFC 3261
// magic cookie and a product marker that lets a response to one of our own
// forwarded requests be recognised by its top Via alone.
const BranchPrefix = "z9hG4bK-slb-"

const magicCookie = "z9hG4bK"

// IsOurBranch reports whether branch was made by AppendBranch.
func IsOurBranch(branch []byte) bool {
	return bytes.HasPrefix(branch, []byte(BranchPrefix))
}

// AppendBranch appends the branch for forwarding request m statelessly
// (RFC 3261 §16.11): BranchPrefix and 16 hex digits of a hash that is the
// same for retransmissions and for the INVITE, CANCEL and non-2xx ACK that
// share the client's branch. With an RFC 3261 branch the hash covers that
// branch and the top Via sent-by; without the magic cookie it covers the
// RFC 2543 tuple: To tag, From tag, Call-ID, Request-URI, CSeq number and
// the top Via. seed keys the hash; balancers sharing a VIP use one seed.
func AppendBranch(dst, b []byte, m *Msg, seed uint64) []byte {
	var d xxhash.Digest
	d.ResetWithSeed(seed)
	v := &m.Via[0]
	br := v.Branch.Bytes(b)
	var sep [8]byte
	put := func(p []byte) {
		binary.LittleEndian.PutUint32(sep[:4], uint32(len(p)))
		d.Write(sep[:4])
		d.Write(p)
	}
	put(br)
	put(v.Host.Bytes(b))
	binary.LittleEndian.PutUint32(sep[:4], uint32(v.Port))
	d.Write(sep[:4])
	if len(br) <= len(magicCookie) || !bytes.HasPrefix(br, []byte(magicCookie)) {
		put(m.ToTag.Bytes(b))
		put(m.FromTag.Bytes(b))
		put(m.CallID.Bytes(b))
		put(m.RequestURI.Bytes(b))
		binary.LittleEndian.PutUint32(sep[:4], m.CSeq)
		d.Write(sep[:4])
	}
	h := d.Sum64()
	dst = append(dst, BranchPrefix...)
	const hex = "0123456789abcdef"
	for shift := 60; shift >= 0; shift -= 4 {
		dst = append(dst, hex[h>>uint(shift)&0xf])
	}
	return dst
}
