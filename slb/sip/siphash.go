package sip

import (
	"encoding/binary"
	"math/bits"
)

// sipHash is SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast
// short-input PRF", 2012): a keyed pseudo-random function with a 128-bit
// key and a 64-bit output, designed as a MAC for short messages. The
// balancer's branches carry such a MAC (branch.go). It is written here,
// in about sixty lines checked against the paper's test vectors, rather
// than taken from a module: the hot path feeds it a handful of short
// fields one by one, and this streaming form does so without allocating
// or copying them into a buffer first.
//
// Use: var h sipHash; h.init(k0, k1); h.write(...)...; h.sum().
type sipHash struct {
	v0, v1, v2, v3 uint64
	tail           uint64 // the bytes of an unfinished word, little-endian
	ntail          int    // how many bytes tail holds (0..7)
	n              uint64 // bytes written so far
}

func (h *sipHash) init(k0, k1 uint64) {
	*h = sipHash{
		v0: k0 ^ 0x736f6d6570736575,
		v1: k1 ^ 0x646f72616e646f6d,
		v2: k0 ^ 0x6c7967656e657261,
		v3: k1 ^ 0x7465646279746573,
	}
}

// sipRound is one SipRound, on values rather than on the struct's fields
// so that the compiler inlines it and keeps the state in registers.
func sipRound(v0, v1, v2, v3 uint64) (uint64, uint64, uint64, uint64) {
	v0 += v1
	v1 = bits.RotateLeft64(v1, 13) ^ v0
	v0 = bits.RotateLeft64(v0, 32)
	v2 += v3
	v3 = bits.RotateLeft64(v3, 16) ^ v2
	v0 += v3
	v3 = bits.RotateLeft64(v3, 21) ^ v0
	v2 += v1
	v1 = bits.RotateLeft64(v1, 17) ^ v2
	v2 = bits.RotateLeft64(v2, 32)
	return v0, v1, v2, v3
}

// compress absorbs one 64-bit word (two rounds: the "2" of 2-4).
func (h *sipHash) compress(m uint64) {
	v0, v1, v2, v3 := h.v0, h.v1, h.v2, h.v3^m
	v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
	v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
	h.v0, h.v1, h.v2, h.v3 = v0^m, v1, v2, v3
}

func (h *sipHash) write(p []byte) {
	h.n += uint64(len(p))
	for h.ntail > 0 && len(p) > 0 {
		h.tail |= uint64(p[0]) << (8 * h.ntail)
		p = p[1:]
		if h.ntail++; h.ntail == 8 {
			h.compress(h.tail)
			h.tail, h.ntail = 0, 0
		}
	}
	if len(p) == 0 {
		return // all went into the unfinished word
	}
	// Here ntail is 0.
	for len(p) >= 8 {
		h.compress(binary.LittleEndian.Uint64(p))
		p = p[8:]
	}
	for i, c := range p {
		h.tail |= uint64(c) << (8 * i)
	}
	h.ntail = len(p)
}

func (h *sipHash) writeByte(c byte) {
	var b [1]byte
	b[0] = c
	h.write(b[:])
}

func (h *sipHash) writeUint32(x uint32) {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], x)
	h.write(b[:])
}

// writeField writes p with its length first, so that fields written one
// after another cannot be re-cut into other fields with the same bytes.
func (h *sipHash) writeField(p []byte) {
	h.writeUint32(uint32(len(p)))
	h.write(p)
}

// sum finishes the hash (four rounds: the "4" of 2-4). h must not be
// written again before init.
func (h *sipHash) sum() uint64 {
	h.compress(h.tail | h.n<<56)
	v0, v1, v2, v3 := h.v0, h.v1, h.v2^0xff, h.v3
	v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
	v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
	v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
	v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
	return v0 ^ v1 ^ v2 ^ v3
}
