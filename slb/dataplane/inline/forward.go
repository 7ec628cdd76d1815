package inline

import (
	"encoding/binary"
	"net/netip"

	"sipslb/slb/dataplane/udpsip"
	"sipslb/slb/pool"
	"sipslb/slb/reason"
	"sipslb/slb/sip"
	"sipslb/slb/stats"
)

// Verdict is what became of a frame.
type Verdict = udpsip.Verdict

const (
	Dropped   = udpsip.Dropped   // counted by Result.Reason or Result.Frame
	Forwarded = udpsip.Forwarded // Result.Out is to be sent
)

// Result is the outcome of In or Out.
type Result struct {
	Verdict Verdict
	// Reason is the VIP port drop reason (reason.OK when forwarded or when
	// the drop is a frame-level one, see Frame).
	Reason reason.Reason
	// Frame is the frame-level drop reason, when no VIP port was known.
	Frame reason.Frame
	// Out is the translated IPv4 packet: the input frame without its
	// Ethernet header and padding.
	Out []byte
	// To is Out's IP destination.
	To netip.Addr
	// Server is the real server an inbound message went to (nil outbound
	// and for a later fragment). A caller that fails to send Out counts a
	// drop in Server.Stats.Drops.
	Server *pool.Server
}

// xlate is what a first fragment's translation was, for the later
// fragments of its datagram: the address that replaced the original one.
type xlate struct {
	addr [4]byte
}

// Forwarder holds one worker's scratch space and fragment tables.
type Forwarder struct {
	Worker  int       // index of the worker's counter shard
	In, Out *Counters // frame-level counters of each direction
	msg     sip.Msg
	fragIn  udpsip.FragTable[xlate]
	fragOut udpsip.FragTable[xlate]
}

func drop(c *Counters, r reason.Frame) Result {
	c.Drop(r)
	return Result{Verdict: Dropped, Frame: r}
}

func portDrop(sh *stats.Shard, r reason.Reason) Result {
	sh.Drop(r)
	return Result{Verdict: Dropped, Reason: r}
}

// Inbound translates a frame to a VIP:port of an inline port, received at
// now (Unix ns): the routing decision picks the server, the destination
// address and port become the server's.
func (f *Forwarder) Inbound(st *pool.State, fr []byte, now int64) Result {
	p, fr0 := udpsip.ParseFrame(fr)
	if fr0 != reason.FrameOK {
		return drop(f.In, fr0)
	}
	if p.Later {
		e := f.fragIn.Get(p.Src, p.Dst, p.ID, now)
		if e == nil {
			return drop(f.In, reason.FrameFragOrphan)
		}
		setAddr(p.IP, 16, e.addr)
		f.In.Fragments.Add(1)
		return Result{Verdict: Forwarded, Out: p.IP, To: netip.AddrFrom4(e.addr)}
	}
	vp := st.VPorts[netip.AddrPortFrom(p.Dst, p.DstPort())]
	if vp == nil || !vp.Inline {
		return drop(f.In, reason.FrameNoVPort)
	}
	sh := vp.Stats.Shard(f.Worker)
	h, r := f.head(&p, vp.NoSIPSwitch)
	if r != reason.OK {
		return portDrop(sh, r)
	}
	d := udpsip.Route(st, vp, sh, &h, netip.AddrPortFrom(p.Src, p.SrcPort()), now)
	if d.Server == nil {
		return portDrop(sh, d.Reason)
	}
	srv := d.Server
	to := srv.Addr.Addr().As4()
	translate(&p, 16, 2, to, srv.Addr.Port())
	if p.More {
		f.fragIn.Put(p.Src, p.Dst, p.ID, xlate{addr: to}, now+udpsip.FragTTL)
	}
	if h.Request {
		srv.Stats.Requests.Add(1)
	}
	return Result{Verdict: Forwarded, Out: p.IP, To: srv.Addr.Addr(), Server: srv}
}

// Outbound translates a frame from a real port bound to an inline port:
// the source address and port become the VIP:port's. A datagram to a VIP
// (a server that followed a top Via or Contact naming the VIP) is dropped
// as reason.FrameLoop: translated, it would come straight back in.
func (f *Forwarder) Outbound(st *pool.State, fr []byte, now int64) Result {
	p, fr0 := udpsip.ParseFrame(fr)
	if fr0 != reason.FrameOK {
		return drop(f.Out, fr0)
	}
	if _, vip := st.VIPs[p.Dst]; vip {
		return drop(f.Out, reason.FrameLoop)
	}
	if p.Later {
		// Keyed by the original source: the later fragments still carry it.
		e := f.fragOut.Get(p.Src, p.Dst, p.ID, now)
		if e == nil {
			return drop(f.Out, reason.FrameFragOrphan)
		}
		setAddr(p.IP, 12, e.addr)
		f.Out.Fragments.Add(1)
		return Result{Verdict: Forwarded, Out: p.IP, To: p.Dst}
	}
	vp := st.InlineOut[netip.AddrPortFrom(p.Src, p.SrcPort())]
	if vp == nil {
		return drop(f.Out, reason.FrameNoVPort)
	}
	// Counted when it reads as SIP; translated either way, since the
	// appliance never judges what a server sends from its SIP port.
	sh := vp.Stats.Shard(f.Worker)
	if h, r := f.head(&p, false); r == reason.OK {
		if h.Request {
			sh.Request(h.Method)
			sh.FromServer(h.Method)
		} else {
			sh.Response(h.Status)
		}
	}
	src := p.Src
	from := vp.Addr.Addr().As4()
	translate(&p, 12, 0, from, vp.Addr.Port())
	if p.More {
		f.fragOut.Put(src, p.Dst, p.ID, xlate{addr: from}, now+udpsip.FragTTL)
	}
	return Result{Verdict: Forwarded, Out: p.IP, To: p.Dst}
}

// head reads what routing needs from a whole datagram or a first fragment.
// byAddr: the client's address picks the server, so a first fragment
// without its Call-ID line is routed all the same.
func (f *Forwarder) head(p *udpsip.Packet, byAddr bool) (udpsip.Head, reason.Reason) {
	payload := p.Payload()
	if p.More {
		h, ok := udpsip.ScanHead(payload)
		if !ok && !byAddr {
			return h, reason.FragNoCallID
		}
		return h, reason.OK
	}
	r := sip.Scan(payload, &f.msg)
	h, ok := udpsip.FromMsg(&f.msg, payload, r)
	if !ok {
		return h, r
	}
	return h, reason.OK
}

// translate sets the IPv4 address at offset at (12 source, 16
// destination) to addr and the UDP port at offset portAt (0 source, 2
// destination) to port, and fixes the checksums: the whole datagram's UDP
// checksum is recomputed (it may be a partial sum left for offload), a
// first fragment's is updated (RFC 1624).
func translate(p *udpsip.Packet, at int, portAt int, addr [4]byte, port uint16) {
	udp := p.UDP
	var newPort [2]byte
	binary.BigEndian.PutUint16(newPort[:], port)
	if p.More {
		c := binary.BigEndian.Uint16(udp[6:])
		c = udpsip.UpdateUDP(c, p.IP[at:at+4], addr[:])
		c = udpsip.UpdateUDP(c, udp[portAt:portAt+2], newPort[:])
		binary.BigEndian.PutUint16(udp[6:], c)
		setAddr(p.IP, at, addr)
		copy(udp[portAt:], newPort[:])
		return
	}
	setAddr(p.IP, at, addr)
	copy(udp[portAt:], newPort[:])
	src, dst := netip.AddrFrom4([4]byte(p.IP[12:16])), netip.AddrFrom4([4]byte(p.IP[16:20]))
	binary.BigEndian.PutUint16(udp[6:], udpsip.UDPChecksum(src, dst, udp))
}

// setAddr sets the IPv4 address at offset at of ip to addr and updates the
// header checksum incrementally.
func setAddr(ip []byte, at int, addr [4]byte) {
	c := udpsip.Update(binary.BigEndian.Uint16(ip[10:]), ip[at:at+4], addr[:])
	binary.BigEndian.PutUint16(ip[10:], c)
	copy(ip[at:at+4], addr[:])
}
