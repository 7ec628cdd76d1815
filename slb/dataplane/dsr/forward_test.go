package dsr

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"sipslb/slb/config"
	"sipslb/slb/dataplane/udpsip"
	"sipslb/slb/reason"
)

const now = int64(1e18)

func TestHandleVerdicts(t *testing.T) {
	invite := frame(sipMsg("INVITE", "call-1@client", 100))
	tests := []struct {
		name   string
		frame  func() []byte
		nb     fakeNeighbors
		mod    func(*config.VirtualPort)
		want   Verdict
		reason reason.Reason
		fr     reason.Frame
	}{
		{name: "invite forwarded", frame: func() []byte { return invite }, want: Forwarded},
		{name: "keepalive forwarded by address", frame: func() []byte { return frame([]byte("\r\n\r\n")) }, want: Forwarded},
		{name: "unresolved mac", frame: func() []byte { return invite }, nb: fakeNeighbors{}, reason: reason.NoMAC},
		{name: "no server", frame: func() []byte { return invite }, mod: func(p *config.VirtualPort) { p.Binds = nil }, reason: reason.NoServer},
		{name: "not sip", frame: func() []byte { return frame([]byte("hello")) }, reason: reason.Truncated},
		{name: "short", frame: func() []byte { return invite[:20] }, fr: reason.FrameShort},
		{name: "arp ethertype", frame: func() []byte { f := clone(invite); f[12], f[13] = 8, 6; return f }, fr: reason.FrameNotIPv4},
		{name: "tcp", frame: func() []byte { f := clone(invite); f[ethLen+9] = 6; return f }, fr: reason.FrameNotUDP},
		{name: "ip total length beyond frame", frame: func() []byte { f := clone(invite); binary.BigEndian.PutUint16(f[ethLen+2:], 9000); return f }, fr: reason.FrameBadIP},
		{name: "ipv6 version", frame: func() []byte { f := clone(invite); f[ethLen] = 0x65; return f }, fr: reason.FrameBadIP},
		{name: "udp length beyond packet", frame: func() []byte { f := clone(invite); binary.BigEndian.PutUint16(f[ethLen+20+4:], 9000); return f }, fr: reason.FrameBadUDP},
		{name: "other port", frame: func() []byte { f := clone(invite); binary.BigEndian.PutUint16(f[ethLen+20+2:], 5070); return f }, fr: reason.FrameNoVPort},
		{name: "not a dsr port", frame: func() []byte { return invite }, mod: func(p *config.VirtualPort) { p.DSR = false }, fr: reason.FrameNoVPort},
		{name: "orphan fragment", frame: func() []byte { return fragments(frame(sipMsg("INVITE", "frag@x", 3000)), 1500)[1] }, fr: reason.FrameFragOrphan},
		{name: "first fragment without call-id", frame: func() []byte {
			return fragments(frame(bytes.Replace(sipMsg("INVITE", "late@x", 0), []byte("Call-ID"), []byte("X-Pad: "+string(bytes.Repeat([]byte{'p'}, 2000))+"\r\nCall-ID"), 1)), 1500)[0]
		}, reason: reason.FragNoCallID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := buildState(t, dsrConfig(tt.mod))
			nb := tt.nb
			if nb == nil {
				nb = realMACs
			}
			f := newForwarder()
			r := f.Handle(st, nb, clone(tt.frame()), now)
			got := struct {
				V  Verdict
				R  reason.Reason
				Fr reason.Frame
			}{r.Verdict, r.Reason, r.Frame}
			want := struct {
				V  Verdict
				R  reason.Reason
				Fr reason.Frame
			}{tt.want, tt.reason, tt.fr}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("verdict (-want +got):\n%s", diff)
			}
			if tt.reason == reason.NoMAC && !r.Unresolved.IsValid() {
				t.Error("no-mac drop does not name the address to resolve")
			}
			if tt.fr != reason.FrameOK && f.Counters.Drops[tt.fr].Load() != 1 {
				t.Errorf("frame drop %v counted %d times", tt.fr, f.Counters.Drops[tt.fr].Load())
			}
			if tt.reason != reason.OK {
				vp := st.VPorts[netip.AddrPortFrom(vip, 5060)]
				if n := vp.Stats.Read().Drops[tt.reason]; n != 1 {
					t.Errorf("port drop %v counted %d times", tt.reason, n)
				}
			}
		})
	}
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

// TestRewriteOnlyMACs: everything but the two MACs and the UDP checksum
// leaves as it came, and the checksum is valid even when the input carried
// only the partial pseudo-header sum a veth sender leaves for offload.
func TestRewriteOnlyMACs(t *testing.T) {
	for _, partial := range []bool{false, true} {
		t.Run(fmt.Sprintf("partial=%v", partial), func(t *testing.T) {
			in := frame(sipMsg("INVITE", "rewrite@x", 300))
			if partial {
				udp := in[ethLen+minIPHeader:]
				acc := udpsip.Sum(udpsip.Sum(0, vip.AsSlice()), client.Addr().AsSlice()) + protoUDP + uint64(len(udp))
				binary.BigEndian.PutUint16(udp[6:], udpsip.Fold(acc))
				if checksumOK(in) {
					t.Fatal("test frame's partial checksum is accidentally valid")
				}
			}
			st := buildState(t, dsrConfig(nil))
			out := clone(in)
			r := newForwarder().Handle(st, realMACs, out, now)
			if r.Verdict != Forwarded {
				t.Fatalf("verdict %v %v %v", r.Verdict, r.Reason, r.Frame)
			}
			if got, want := MAC(out[0:6]), realMACs[r.Server.Addr.Addr()]; got != want {
				t.Errorf("dst MAC %x, want %x", got, want)
			}
			if MAC(out[6:12]) != ourMAC {
				t.Errorf("src MAC %x, want ours", out[6:12])
			}
			if !checksumOK(out) {
				t.Error("UDP checksum invalid after forwarding")
			}
			csum := ethLen + minIPHeader + 6
			if !bytes.Equal(out[12:csum], in[12:csum]) || !bytes.Equal(out[csum+2:], in[csum+2:]) {
				t.Error("bytes other than the MACs and the UDP checksum changed")
			}
		})
	}
}

// TestCallSticks: every message of a call, requests and the client's
// responses, goes to one server, also after the server set changes
// (dialog table).
func TestCallSticks(t *testing.T) {
	c := dsrConfig(nil)
	st := buildState(t, c)
	f := newForwarder()
	inv := f.Handle(st, realMACs, frame(sipMsg("INVITE", "stick@x", 0)), now)
	if inv.Verdict != Forwarded {
		t.Fatal(inv.Reason)
	}
	owner := inv.Server.Real
	// Remove a different server: the table changes, the dialog stays.
	for _, r := range c.Reals {
		if r.Name != owner {
			r.Weight = 0
			break
		}
	}
	st2 := buildState(t, c)
	st2.Dialogs = st.Dialogs
	resp := []byte("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 198.51.100.21;branch=z9hG4bK1\r\nFrom: <sip:s@x>;tag=2\r\nTo: <sip:a@x>;tag=1\r\nCall-ID: stick@x\r\nCSeq: 5 BYE\r\nContent-Length: 0\r\n\r\n")
	for _, msg := range [][]byte{sipMsg("ACK", "stick@x", 0), sipMsg("BYE", "stick@x", 0), resp} {
		r := f.Handle(st2, realMACs, frame(msg), now+1)
		if r.Server == nil || r.Server.Real != owner {
			t.Fatalf("%q went to %v, want %s", msg[:10], r.Server, owner)
		}
	}
}

// TestFragmentsFollowFirst: the fragments of a 3 kB INVITE all go to the
// MAC of the server its Call-ID picks; expired entries do not steer.
func TestFragmentsFollowFirst(t *testing.T) {
	st := buildState(t, dsrConfig(nil))
	f := newForwarder()
	whole := sipMsg("INVITE", "frag-follow@x", 3000)
	ref := newForwarder().Handle(buildState(t, dsrConfig(nil)), realMACs, frame(whole), now)
	frs := fragments(frame(whole), 1500)
	if len(frs) != 3 {
		t.Fatalf("%d fragments", len(frs))
	}
	var macs []MAC
	for i, fr := range frs {
		r := f.Handle(st, realMACs, fr, now+int64(i))
		if r.Verdict != Forwarded {
			t.Fatalf("fragment %d: %v %v %v", i, r.Verdict, r.Reason, r.Frame)
		}
		macs = append(macs, MAC(r.Out[0:6]))
	}
	want := realMACs[ref.Server.Addr.Addr()]
	for i, m := range macs {
		if m != want {
			t.Errorf("fragment %d to %x, want %x", i, m, want)
		}
	}
	if n := f.Counters.Fragments.Load(); n != 2 {
		t.Errorf("Fragments counter %d, want 2", n)
	}
	late := f.Handle(st, realMACs, fragments(frame(whole), 1500)[2], now+FragTTL+int64(time.Second))
	if late.Frame != reason.FrameFragOrphan {
		t.Errorf("fragment after FragTTL: %v %v, want orphan", late.Verdict, late.Frame)
	}
}

func TestAppendUDPFrame(t *testing.T) {
	fr := AppendUDPFrame(nil, &UDPFrame{Dst: clMAC, Src: ourMAC, From: client, To: netip.AddrPortFrom(vip, 5060), ID: 1}, []byte("OPTIONS"))
	if !checksumOK(fr) {
		t.Error("udp checksum")
	}
	ip := fr[ethLen:]
	if udpsip.IPChecksum(ip[:minIPHeader]) != be16(ip[10:]) {
		t.Error("ip checksum")
	}
	if len(fr) != ethLen+minIPHeader+udpHeader+7 {
		t.Errorf("length %d", len(fr))
	}
}

func TestHandleAllocs(t *testing.T) {
	st := buildState(t, dsrConfig(nil))
	f := newForwarder()
	frs := [][]byte{frame(sipMsg("INVITE", "alloc@x", 200)), frame(sipMsg("BYE", "alloc@x", 0))}
	frs = append(frs, fragments(frame(sipMsg("INVITE", "allocfrag@x", 3000)), 1500)...)
	buf := make([]byte, MaxFrame)
	for _, fr := range frs {
		n := testing.AllocsPerRun(200, func() {
			copy(buf, fr)
			if r := f.Handle(st, realMACs, buf[:len(fr)], now); r.Verdict != Forwarded {
				t.Fatalf("%v %v %v", r.Verdict, r.Reason, r.Frame)
			}
		})
		if n != 0 {
			t.Errorf("Handle allocates %v per frame", n)
		}
	}

	// A fresh Call-ID per frame: the new-dialog path (hash and pin).
	fresh := make([][]byte, 300)
	for i := range fresh {
		fresh[i] = frame(sipMsg("INVITE", fmt.Sprintf("alloc-new-%d@x", i), 0))
	}
	before, i := st.Dialogs.Len(), 0
	n := testing.AllocsPerRun(200, func() {
		fr := fresh[i]
		i++
		copy(buf, fr)
		if r := f.Handle(st, realMACs, buf[:len(fr)], now); r.Verdict != Forwarded {
			t.Fatalf("%v %v %v", r.Verdict, r.Reason, r.Frame)
		}
	})
	if n != 0 {
		t.Errorf("Handle allocates %v per frame of a new dialog", n)
	}
	if got := st.Dialogs.Len() - before; got != i {
		t.Errorf("%d new dialog entries after %d new Call-IDs: the new-dialog path was not measured", got, i)
	}
}
