package dsr

import (
	"errors"
	"fmt"
	"net/netip"
	"sync/atomic"
	"testing"

	"sipslb/slb/pool"
	"sipslb/slb/reason"
)

// DSR counts as proxy mode does: an INVITE of a fresh Call-ID places a
// dialog on its server and the VIP port, the rest of the call none; a
// message for a server whose MAC is unresolved is a drop of that server.
func TestDialogsPlacedAndDrops(t *testing.T) {
	st := buildState(t, dsrConfig(nil))
	vp := st.VPorts[netip.AddrPortFrom(vip, 5060)]
	f := newForwarder()
	want := map[string]uint64{}
	const n = 60
	for i := range n {
		id := fmt.Sprintf("dsr-placed-%d@x", i)
		r := f.Handle(st, realMACs, frame(sipMsg("INVITE", id, 0)), now)
		if r.Verdict != Forwarded {
			t.Fatal(r.Reason)
		}
		want[r.Server.Real]++
		for _, m := range []string{"INVITE", "ACK", "BYE"} { // retransmission, rest of the call
			f.Handle(st, realMACs, frame(sipMsg(m, id, 0)), now+1)
		}
	}
	f.Handle(st, realMACs, frame(sipMsg("REGISTER", "dsr-reg@x", 0)), now)
	var sum uint64
	for _, s := range vp.Servers {
		if got := s.Stats.Dialogs.Load(); got != want[s.Real] {
			t.Errorf("%s: %d dialogs placed, took %d calls", s.Real, got, want[s.Real])
		}
		sum += s.Stats.Dialogs.Load()
	}
	if got := vp.Stats.Read().Dialogs; got != n || sum != n {
		t.Errorf("VIP port placed %d, servers %d; want %d", got, sum, n)
	}

	r := f.Handle(st, fakeNeighbors{}, frame(sipMsg("INVITE", "dsr-nomac@x", 0)), now)
	if r.Reason != reason.NoMAC || r.Server == nil {
		t.Fatalf("unresolved MAC: %v server %v", r.Reason, r.Server)
	}
	if d := r.Server.Stats.Drops.Load(); d != 1 {
		t.Errorf("%s: %d drops after a no-mac drop, want 1", r.Server.Real, d)
	}
}

// failLink refuses every frame.
type failLink struct{ *chanLink }

func (failLink) WriteFrame([]byte) error { return errors.New("refused") }

// A frame the link refuses is a frame-level send error and a drop of the
// server it was for.
func TestSendErrorIsDropOfItsServer(t *testing.T) {
	var state atomic.Pointer[pool.State]
	state.Store(buildState(t, dsrConfig(nil)))
	l := failLink{newChanLink()}
	c := new(Counters)
	w := NewWorker(l, &state, ourMAC, c, 0)
	l.in <- frame(sipMsg("INVITE", "dsr-senderr@x", 0))
	if err := w.Step(); err != nil {
		t.Fatal(err)
	}
	if n := c.Drops[reason.FrameSendError].Load(); n != 1 {
		t.Fatalf("%d frame send errors, want 1", n)
	}
	var drops uint64
	for _, s := range state.Load().VPorts[netip.AddrPortFrom(vip, 5060)].Servers {
		drops += s.Stats.Drops.Load()
	}
	if drops != 1 {
		t.Errorf("%d server drops for one refused frame, want 1", drops)
	}
}
