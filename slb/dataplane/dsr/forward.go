package dsr

import (
	"encoding/binary"
	"net/netip"

	"sipslb/slb/dataplane/udpsip"
	"sipslb/slb/pool"
	"sipslb/slb/reason"
	"sipslb/slb/sip"
	"sipslb/slb/stats"
)

// Neighbors knows the real servers' MAC addresses.
type Neighbors interface {
	// Lookup returns the MAC of ip if it is resolved. It must not allocate.
	Lookup(ip netip.Addr) (MAC, bool)
}

// Verdict is what became of a frame.
type Verdict = udpsip.Verdict

const (
	Dropped   = udpsip.Dropped   // counted by Result.Reason or Result.Frame
	Forwarded = udpsip.Forwarded // Result.Out is to be sent
)

// Result is the outcome of Handle.
type Result struct {
	Verdict Verdict
	// Reason is the VIP port drop reason (reason.OK when forwarded or
	// when the drop is a frame-level one, see Frame).
	Reason reason.Reason
	// Frame is the frame-level drop reason, when no VIP port was known.
	Frame reason.Frame
	// Out is the rewritten frame (a prefix of the input: Ethernet padding
	// is trimmed).
	Out []byte
	// Server is the real server a message went to, or was meant for when
	// its MAC is unresolved (nil for a non-first fragment, which follows
	// its first fragment). A caller that fails to send Out counts a drop
	// in Server.Stats.Drops.
	Server *pool.Server
	// Unresolved is the real server address whose MAC is missing
	// (Reason == reason.NoMAC): the caller asks ARP for it.
	Unresolved netip.Addr
}

// Forwarder holds one worker's scratch space and fragment table.
type Forwarder struct {
	Worker   int // index of the worker's counter shard
	MAC      MAC // ours: the source of every frame sent
	Counters *Counters
	msg      sip.Msg
	frags    udpsip.FragTable[fragDest]
}

func (f *Forwarder) frameDrop(r reason.Frame) Result {
	f.Counters.Drop(r)
	return Result{Verdict: Dropped, Frame: r}
}

func portDrop(sh *stats.Shard, r reason.Reason) Result {
	sh.Drop(r)
	return Result{Verdict: Dropped, Reason: r}
}

// Handle decides where the frame fr goes, received at now (Unix ns), and
// rewrites it in place: destination MAC = the chosen server's, source MAC
// = f.MAC, UDP checksum recomputed for unfragmented datagrams.
func (f *Forwarder) Handle(st *pool.State, nb Neighbors, fr []byte, now int64) Result {
	if len(fr) < ethLen+minIPHeader {
		return f.frameDrop(reason.FrameShort)
	}
	if be16(fr[12:]) != etherTypeIP4 {
		return f.frameDrop(reason.FrameNotIPv4)
	}
	ip := fr[ethLen:]
	ihl := int(ip[0]&0xf) * 4
	tot := int(be16(ip[2:]))
	if ip[0]>>4 != 4 || ihl < minIPHeader || tot < ihl || tot > len(ip) {
		return f.frameDrop(reason.FrameBadIP)
	}
	fr = fr[:ethLen+tot] // trim Ethernet padding
	ip = ip[:tot]
	if ip[9] != protoUDP {
		return f.frameDrop(reason.FrameNotUDP)
	}
	src, dst := addr4(ip[12:]), addr4(ip[16:])
	ff := be16(ip[6:])
	id := be16(ip[4:])
	if ff&offsetMask != 0 {
		e := f.frags.Get(src, dst, id, now)
		if e == nil {
			return f.frameDrop(reason.FrameFragOrphan)
		}
		f.rewrite(fr, e.mac)
		f.Counters.Fragments.Add(1)
		return Result{Verdict: Forwarded, Out: fr}
	}
	more := ff&flagMF != 0
	udp := ip[ihl:]
	if len(udp) < udpHeader {
		return f.frameDrop(reason.FrameBadUDP)
	}
	vp := st.VPorts[netip.AddrPortFrom(dst, be16(udp[2:]))]
	if vp == nil || !vp.DSR {
		return f.frameDrop(reason.FrameNoVPort)
	}
	sh := vp.Stats.Shard(f.Worker)
	payload := udp[udpHeader:]
	if !more {
		ul := int(be16(udp[4:]))
		if ul < udpHeader || ul > len(udp) {
			return f.frameDrop(reason.FrameBadUDP)
		}
		udp = udp[:ul]
		payload = udp[udpHeader:]
	}
	srcPort := be16(udp[0:])
	var h udpsip.Head
	if more {
		var ok bool
		// With sip-switch off the client's address picks the server: a
		// Call-ID in a later fragment does not matter.
		if h, ok = udpsip.ScanHead(payload); !ok && !vp.NoSIPSwitch {
			return portDrop(sh, reason.FragNoCallID)
		}
	} else {
		r := sip.Scan(payload, &f.msg)
		var ok bool
		if h, ok = udpsip.FromMsg(&f.msg, payload, r); !ok {
			return portDrop(sh, r)
		}
	}
	// The one routing decision (slb/pool.State.Route), as in proxy mode.
	d := udpsip.Route(st, vp, sh, &h, netip.AddrPortFrom(src, srcPort), now)
	if d.Server == nil {
		return portDrop(sh, d.Reason)
	}
	srv := d.Server
	mac, ok := nb.Lookup(srv.Addr.Addr())
	if !ok {
		sh.Drop(reason.NoMAC)
		srv.Stats.Drops.Add(1)
		return Result{Verdict: Dropped, Reason: reason.NoMAC, Server: srv, Unresolved: srv.Addr.Addr()}
	}
	f.rewrite(fr, mac)
	if more {
		f.frags.Put(src, dst, id, fragDest{mac: mac, vp: vp}, now+FragTTL)
	} else {
		binary.BigEndian.PutUint16(udp[6:], udpsip.UDPChecksum(src, dst, udp))
	}
	if h.Request {
		srv.Stats.Requests.Add(1)
	}
	return Result{Verdict: Forwarded, Out: fr, Server: srv}
}

func (f *Forwarder) rewrite(fr []byte, to MAC) {
	copy(fr[0:6], to[:])
	copy(fr[6:12], f.MAC[:])
}
