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
	editRport                         // "rport=" source port, replacing the whole rport parameter
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
		case editRport:
			dst = append(dst, "rport="...)
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
// top Via of a request that arrived from src. What the client wrote in
// received and rport is never trusted: a response follows them (Via.Target),
// so a forged value would turn the balancer into a reflector towards any
// host and port. So:
//   - rport, with or without a value, with or without blanks around "=",
//     is replaced as a whole by rport=<source port>;
//   - a received the client wrote is replaced by the source address;
//   - otherwise received=<source address> is added when the sent-by host is
//     not the source address, or when rport is present (RFC 3581 §4 asks
//     for it even when they are equal).
//
// Via.ReplyTarget is where the rewritten Via then sends responses.
func (ed *editor) addVia(b []byte, v *Via, src netip.AddrPort) {
	if !src.IsValid() {
		return
	}
	if v.Rport >= 0 {
		ed.add(int(v.RportParam.Off), int(v.RportParam.Len), editRport)
	}
	if v.Received.Len > 0 {
		ed.add(int(v.Received.Off), int(v.Received.Len), editReceivedValue)
		return
	}
	host, ok := ParseIP(v.Host.Bytes(b))
	if ok && host.Unmap() == src.Addr().Unmap().WithZone("") && v.Rport < 0 {
		return
	}
	ed.add(int(v.End), 0, editReceivedParam)
}
