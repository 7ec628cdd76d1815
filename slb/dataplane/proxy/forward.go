package proxy

import (
	"bytes"
	"net/netip"

	"sipslb/slb/hash"
	"sipslb/slb/pool"
	"sipslb/slb/reason"
	"sipslb/slb/sip"
	"sipslb/slb/stats"
)

// MaxOut is the largest datagram the forwarder sends (the IPv4 UDP payload
// limit).
const MaxOut = 65507

// OutCap is the capacity an output buffer needs so that no rewrite of an
// input of up to sip.MaxSize bytes ever grows it: our Via, Record-Route,
// received/rport and a Max-Forwards line add a few hundred bytes.
const OutCap = sip.MaxSize + 2048

// Verdict is what became of a datagram.
type Verdict uint8

const (
	Dropped   Verdict = iota // counted by Reason
	Forwarded                // sent on to a server or client
	Answered                 // the balancer answered itself (483, 503, pong)
)

func (v Verdict) String() string { return [...]string{"dropped", "forwarded", "answered"}[v] }

// Result is the outcome of Handle.
type Result struct {
	Verdict Verdict
	Reason  reason.Reason // why it was dropped or answered; ReasonOK when forwarded
	Out     []byte        // the datagram to send (Forwarded, Answered)
	To      netip.AddrPort
	// Server is the real server a client request went to, or was meant
	// for when it was dropped after the choice (its Stats.Drops counted).
	Server *pool.Server
}

// Forwarder holds one worker's scratch space.
type Forwarder struct {
	Worker int // index of the worker's counter shard
	msg    sip.Msg
	key    uint64 // hash.Key of msg's Call-ID: hashed once per message
	fw     sip.Forward
	branch [64]byte
	tag    [16]byte
}

var crlfcrlf = []byte("\r\n\r\n")

// Handle decides what to do with pkt, received on vp from src at time now
// (Unix ns), writing any datagram to send into out[:0]. out must have
// OutCap capacity to stay allocation-free.
func (f *Forwarder) Handle(st *pool.State, vp *pool.VPort, pkt []byte, src netip.AddrPort, now int64, out []byte) Result {
	sh := vp.Stats.Shard(f.Worker)
	m := &f.msg
	if r := sip.Scan(pkt, m); r != reason.OK {
		if r == reason.Keepalive {
			if bytes.Contains(pkt, crlfcrlf) {
				sh.Answer(stats.AnswerPong)
				return Result{Verdict: Answered, Reason: reason.Keepalive, Out: append(out[:0], "\r\n"...), To: src}
			}
			return drop(sh, reason.Pong)
		}
		return drop(sh, reason.Reason(r))
	}
	f.key = hash.Key(m.CallID.Bytes(pkt))
	if !m.Request {
		return f.response(st, vp, sh, pkt, src, now, out)
	}
	sh.Request(m.Method)
	if st.FromSelf(src) {
		// Sent by one of our own VIP sockets: a message we looped back.
		return drop(sh, reason.Loop)
	}
	if f.fromFarm(st, vp, pkt, src) {
		sh.FromServer(m.Method)
		return f.fromServer(st, vp, sh, pkt, src, now, out)
	}
	return f.fromClient(st, vp, sh, pkt, src, now, out)
}

// fromFarm tells a request a real server sends toward a client from a
// client's request. It comes from a real port's address; or from a real
// server's IP on another port (a server may send from another socket)
// and is not addressed to one of our VIP ports; or it is addressed to a
// VIP port but already carries a Via of ours: a request that went through
// the balancer to the farm and came back (RFC 3261 §16.3 loop detection
// by our own Via), routed by its Route/Request-URI and so dropped as a
// loop, never hashed into the farm again. A request from a server's IP on
// another port to the VIP without our Via is a client's: a client behind
// the same NAT address as a server (qemu's user network, a shared
// carrier NAT) or on the same host (::1 is the only IPv6 loopback).
func (f *Forwarder) fromFarm(st *pool.State, vp *pool.VPort, pkt []byte, src netip.AddrPort) bool {
	if _, ok := st.ByAddr[src]; ok {
		return true
	}
	if _, ok := st.RealIPs[src.Addr()]; !ok {
		return false
	}
	to, ok := f.target(vp, pkt)
	if !ok {
		return true
	}
	if _, toVIP := st.VPorts[to]; !toVIP {
		return true
	}
	return f.passedUs(pkt)
}

var ourBranch = []byte(sip.BranchPrefix)

// passedUs reports whether the request's header holds a branch of ours,
// i.e. the balancer forwarded it before. A client that forges one only
// gets its own request dropped.
func (f *Forwarder) passedUs(pkt []byte) bool {
	end := int(f.msg.BodyOff)
	if end <= 0 || end > len(pkt) {
		end = len(pkt)
	}
	return bytes.Contains(pkt[:end], ourBranch)
}

// target is where a request from the farm goes: the first Route that is
// not ours, else the Request-URI; false when that names no IP literal.
func (f *Forwarder) target(vp *pool.VPort, pkt []byte) (netip.AddrPort, bool) {
	m := &f.msg
	t := m.RequestURI.Bytes(pkt)
	if m.Route[0].Len > 0 {
		r0 := m.Route[0].Bytes(pkt)
		switch {
		case !isVIP(r0, vp.Addr):
			t = r0
		case m.Route[1].Len > 0:
			t = m.Route[1].Bytes(pkt)
		}
	}
	host, port, ok := sip.ParseHostPort(t)
	if !ok {
		return netip.AddrPort{}, false
	}
	ip, ok := sip.ParseIP(host)
	if !ok {
		return netip.AddrPort{}, false
	}
	if port == 0 {
		port = 5060
	}
	return netip.AddrPortFrom(ip.Unmap(), uint16(port)), true
}

func drop(sh *stats.Shard, r reason.Reason) Result {
	sh.Drop(r)
	return Result{Verdict: Dropped, Reason: r}
}

// dropFor drops a client request after srv was chosen for it: a drop of
// the VIP port and of the real server.
func dropFor(sh *stats.Shard, srv *pool.Server, r reason.Reason) Result {
	sh.Drop(r)
	srv.Stats.Drops.Add(1)
	return Result{Verdict: Dropped, Reason: r, Server: srv}
}

// recordRoutes: dialog-creating requests get our Record-Route.
func recordRoutes(m *sip.Msg) bool {
	return !m.HasToTag && (pool.CreatesDialog(m.Method) || m.Method == sip.MethodNotify)
}

func (f *Forwarder) fromClient(st *pool.State, vp *pool.VPort, sh *stats.Shard, pkt []byte, src netip.AddrPort, now int64, out []byte) Result {
	m := &f.msg
	if m.MaxForwards == 0 {
		return f.answer(sh, pkt, src, out, 483, reason.TooManyHops)
	}
	q := pool.Query{CallKey: f.key, Src: src, Method: m.Method}
	d := st.Route(vp, &q, now)
	if d.Server == nil {
		return f.answer(sh, pkt, src, out, 503, d.Reason)
	}
	st.Apply(&d, sh)
	srv := d.Server
	o, r := f.rewrite(vp, pkt, src, sip.LegToFarm, out)
	if r != reason.OK {
		return dropFor(sh, srv, r)
	}
	srv.Stats.Requests.Add(1)
	return Result{Verdict: Forwarded, Out: o, To: srv.Addr, Server: srv}
}

// fromServer routes a request a real server sends toward a client (the
// callee's BYE, a re-INVITE, NOTIFY, an INVITE to a registered user).
func (f *Forwarder) fromServer(st *pool.State, vp *pool.VPort, sh *stats.Shard, pkt []byte, src netip.AddrPort, now int64, out []byte) Result {
	m := &f.msg
	if m.MaxForwards == 0 {
		return f.answer(sh, pkt, src, out, 483, reason.TooManyHops)
	}
	to, ok := f.target(vp, pkt)
	if !ok {
		return drop(sh, reason.NoRoute)
	}
	// Never hashed into the farm, never to a broadcast, multicast,
	// unspecified or own address.
	if r := st.Destination(vp, to); r != reason.OK {
		return drop(sh, r)
	}
	st.Refresh(vp, f.key, m.Method, now)
	o, r := f.rewrite(vp, pkt, src, sip.LegFromFarm, out)
	if r != reason.OK {
		return drop(sh, r)
	}
	return Result{Verdict: Forwarded, Out: o, To: to}
}

// rewrite writes the request in f.msg, from src, as it leaves through vp
// leg's way into out[:0]: our Via on top (with a branch its responses must
// bring back, response.go), the source's Via completed, Max-Forwards
// decremented, our Route removed, our Record-Route on dialog-creating
// requests.
func (f *Forwarder) rewrite(vp *pool.VPort, pkt []byte, src netip.AddrPort, leg sip.Leg, out []byte) ([]byte, reason.Reason) {
	m := &f.msg
	fw := &f.fw
	*fw = sip.Forward{
		Host: vp.ViaHost, Port: int(vp.Addr.Port()), Source: src, StripRoute: true,
		Branch: f.newBranch(vp, pkt, src, leg),
	}
	if vp.RecordRoute && recordRoutes(m) {
		fw.RecordRoute = vp.RR
	}
	o, r := sip.AppendForwardRequest(out[:0], pkt, m, fw)
	if r != reason.OK {
		return nil, reason.Reason(r)
	}
	if len(o) > MaxOut {
		return nil, reason.OutTooLarge
	}
	return o, reason.OK
}

// isVIP reports whether the URI u names a (host literal, port) equal to
// vip, the port defaulting to 5060.
func isVIP(u []byte, vip netip.AddrPort) bool {
	host, port, ok := sip.ParseHostPort(u)
	if !ok {
		return false
	}
	ip, ok := sip.ParseIP(host)
	if !ok {
		return false
	}
	if port == 0 {
		port = 5060
	}
	return ip.Unmap() == vip.Addr() && uint16(port) == vip.Port()
}

// answer builds the balancer's own response (483 or 503) to the request in
// f.msg, or drops an ACK, which is never answered.
func (f *Forwarder) answer(sh *stats.Shard, pkt []byte, src netip.AddrPort, out []byte, code int, why reason.Reason) Result {
	m := &f.msg
	if m.Method == sip.MethodAck {
		// Counted under the reason alone: one datagram, one count.
		return drop(sh, why)
	}
	phrase := "Service Unavailable"
	a := stats.Answer503NoServer
	switch {
	case code == 483:
		phrase, a = "Too Many Hops", stats.Answer483
	case why == reason.MaxConn:
		a = stats.Answer503MaxConn
	}
	// A deterministic To tag, so a retransmission gets the same answer.
	tag := appendHex(f.tag[:0], f.key)
	o := sip.AppendResponse(out[:0], pkt, m, src, code, phrase, tag)
	sh.Answer(a)
	// The answer goes where the rewritten Via sends it: the source
	// address, never a received or rport the client wrote.
	return Result{Verdict: Answered, Reason: why, Out: o, To: m.Via[0].ReplyTarget(src)}
}

func appendHex(dst []byte, x uint64) []byte {
	const hex = "0123456789abcdef"
	for s := 60; s >= 0; s -= 4 {
		dst = append(dst, hex[x>>uint(s)&0xf])
	}
	return dst
}
