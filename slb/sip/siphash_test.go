package sip

import (
	"encoding/binary"
	"testing"
)

// The first vectors of the SipHash-2-4 reference implementation (key 00
// 01 .. 0f, message 00 01 .. n-1 for n = 0..18), from the paper's test.c.
var sipVectors = [...]uint64{
	0x726fdb47dd0e0e31, 0x74f839c593dc67fd, 0x0d6c8009d9a94f5a, 0x85676696d7fb7e2d,
	0xcf2794e0277187b7, 0x18765564cd99a68d, 0xcbc9466e58fee3ce, 0xab0200f58b01d137,
	0x93f5f5799a932462, 0x9e0082df0ba9e4b0, 0x7a5dbbc594ddb9f3, 0xf4b32f46226bada7,
	0x751e8fbc860ee5fb, 0x14ea5627c0843d90, 0xf723ca908e7af2ee, 0xa129ca6149be45e5,
	0x3f2acc7f57c29bdb, 0x699ae9f52cbe4794, 0x4bc1b3f0968dd39c,
}

func TestSipHashVectors(t *testing.T) {
	var key [16]byte
	msg := make([]byte, len(sipVectors))
	for i := range key {
		key[i] = byte(i)
	}
	for i := range msg {
		msg[i] = byte(i)
	}
	k0, k1 := binary.LittleEndian.Uint64(key[:8]), binary.LittleEndian.Uint64(key[8:])
	for n, want := range sipVectors {
		var h sipHash
		h.init(k0, k1)
		h.write(msg[:n])
		if got := h.sum(); got != want {
			t.Errorf("n=%d: %#016x, want %#016x", n, got, want)
		}
		// The same bytes in pieces of every size give the same sum.
		for step := 1; step <= n; step++ {
			h.init(k0, k1)
			for p := msg[:n]; len(p) > 0; {
				c := min(step, len(p))
				h.write(p[:c])
				p = p[c:]
			}
			if got := h.sum(); got != want {
				t.Errorf("n=%d in pieces of %d: %#016x, want %#016x", n, step, got, want)
			}
		}
	}
}
