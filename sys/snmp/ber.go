package snmp

// berReader walks definite-length BER, enough for the SNMPv3 message
// header and USM parameters, which gosnmp parses without reporting where
// each field sits or why it failed. Every read is bounds-checked.
type berReader struct {
	b   []byte
	off int // offset of b within the whole message (for MAC zeroing)
}

func (r *berReader) empty() bool { return len(r.b) == 0 }

// tlv consumes one element with tag and returns a reader over its content.
func (r *berReader) tlv(tag byte) (berReader, bool) {
	if len(r.b) < 2 || r.b[0] != tag {
		return berReader{}, false
	}
	n, hl := 0, 2
	l := r.b[1]
	switch {
	case l < 0x80:
		n = int(l)
	case l == 0x80 || l > 0x84:
		return berReader{}, false
	default:
		k := int(l & 0x7f)
		if len(r.b) < 2+k {
			return berReader{}, false
		}
		for _, c := range r.b[2 : 2+k] {
			n = n<<8 | int(c)
		}
		hl = 2 + k
		if n < 0 {
			return berReader{}, false
		}
	}
	if n > len(r.b)-hl {
		return berReader{}, false
	}
	c := berReader{b: r.b[hl : hl+n], off: r.off + hl}
	r.b = r.b[hl+n:]
	r.off += hl + n
	return c, true
}

// integer reads an INTEGER element (up to 64 bits).
func (r *berReader) integer() (int64, bool) {
	c, ok := r.tlv(0x02)
	if !ok || len(c.b) == 0 || len(c.b) > 8 {
		if ok && len(c.b) == 9 && c.b[0] == 0 { // unsigned with a sign octet
			c.b = c.b[1:]
		} else {
			return 0, false
		}
	}
	v := int64(int8(c.b[0]))
	for _, x := range c.b[1:] {
		v = v<<8 | int64(x)
	}
	return v, true
}

// octets reads an OCTET STRING element.
func (r *berReader) octets() (berReader, bool) { return r.tlv(0x04) }
