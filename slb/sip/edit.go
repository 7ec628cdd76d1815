package sip

import (
	"net/netip"
	"strconv"
)

// The rewriters copy the packet into dst and splice a few edits in on the
// way. Edits are kept in a fixed array so that no rewrite allocates.

type editKind uint8

const (
	editDelete        editKind = iota // drop del bytes
	editRportValue                    // "=" source port, after a valueless rport
	editReceivedParam                 // ";received=" source IP
	editReceivedValue                 // source IP, replacing an existing received value
	editMaxForwards                   // Max-Forwards minus one, replacing the digits
	editToTag                         // ";tag=" toTag
)

type edit struct {
	off, del int
	kind     editKind
}

type editor struct {
	e [6]edit
	n int
}

// add keeps the edits sorted by offset; edits at one offset stay in the
// order they were added.
func (ed *editor) add(off, del int, kind editKind) {
	i := ed.n
	for i > 0 && ed.e[i-1].off > off {
		ed.e[i] = ed.e[i-1]
		i--
	}
	ed.e[i] = edit{off: off, del: del, kind: kind}
	ed.n++
}

// splice is what the inserted text is made of.
type splice struct {
	src   netip.AddrPort
	mf    int
	toTag []byte
}

// apply appends b[from:to] to dst with the edits applied.
func (ed *editor) apply(dst, b []byte, from, to int, sp *splice) []byte {
	cur := from
	for _, x := range ed.e[:ed.n] {
		dst = append(dst, b[cur:x.off]...)
		switch x.kind {
		case editRportValue:
			dst = append(dst, '=')
			dst = strconv.AppendUint(dst, uint64(sp.src.Port()), 10)
		case editReceivedParam:
			dst = append(dst, ";received="...)
			dst = sp.src.Addr().Unmap().WithZone("").AppendTo(dst)
		case editReceivedValue:
			dst = sp.src.Addr().Unmap().WithZone("").AppendTo(dst)
		case editMaxForwards:
			dst = strconv.AppendInt(dst, int64(sp.mf-1), 10)
		case editToTag:
			dst = append(dst, ";tag="...)
			dst = append(dst, sp.toTag...)
		}
		cur = x.off + x.del
	}
	return append(dst, b[cur:to]...)
}

// addVia records the RFC 3261 §18.2.1 and RFC 3581 §4 changes to the
// top Via of a request that arrived from src: received when the sent-by
// host is not the source address (always when rport asks for a value),
// and the rport value.
func (ed *editor) addVia(b []byte, v *Via, src netip.AddrPort) {
	if !src.IsValid() {
		return
	}
	rportAsked := v.Rport == 0
	if rportAsked {
		ed.add(int(v.RportParam.End()), 0, editRportValue)
	}
	host, ok := ParseIP(v.Host.Bytes(b))
	same := ok && host.Unmap() == src.Addr().Unmap().WithZone("")
	if same && !rportAsked {
		return
	}
	if v.Received.Len > 0 {
		ed.add(int(v.Received.Off), int(v.Received.Len), editReceivedValue)
		return
	}
	ed.add(int(v.End), 0, editReceivedParam)
}
