package engine

// Dialog totals and peaks through a running engine, on real sockets (the
// helpers of keywords_test.go). Address block 127.31.245.0/24 is this
// file's own.

import (
	"fmt"
	"testing"
	"time"
)

// N calls are N dialogs placed, each on the server that received its
// INVITE, and on the VIP port; the peaks are at least the dialogs held,
// and keep the highest count once the dialogs are gone, also when no
// status was read while they were held (the sweeper samples them).
func TestDialogsPlacedAndPeaks(t *testing.T) {
	const block = 245
	e := newEngine(t)
	peers := map[string]*peer{"rs1": newPeer(t, kwAddr(block, 11), 0), "rs2": newPeer(t, kwAddr(block, 12), 0)}
	cl := newClient(t, block)
	c := kwConfig(block, 2, false)
	c.Dialog.TTL = time.Second
	kwApply(t, e, c)

	delivered := func() int { return peers["rs1"].count("INVITE") + peers["rs2"].count("INVITE") }
	const first = 60
	took := sendInvites(t, e, cl, "placed", first)
	waitFor(t, "every INVITE at its server", 2*time.Second, func() bool { return uint64(delivered()) == took })

	st := e.Status()
	vp := st.Virtuals["v"].Ports[5060]
	if vp.Placed != took {
		t.Errorf("VIP port: %d dialogs placed after %d INVITEs", vp.Placed, took)
	}
	var sum uint64
	for name, p := range peers {
		ps := st.Reals[name].Ports[5060]
		sum += ps.Placed
		if ps.Placed != uint64(p.count("INVITE")) {
			t.Errorf("%s: %d dialogs placed, received %d INVITEs", name, ps.Placed, p.count("INVITE"))
		}
		if ps.PeakDialogs < ps.Dialogs || st.Reals[name].PeakDialogs < ps.Dialogs {
			t.Errorf("%s: peak %d (server %d) below the %d dialogs held", name, ps.PeakDialogs, st.Reals[name].PeakDialogs, ps.Dialogs)
		}
		if ps.Drops != 0 {
			t.Errorf("%s: %d drops", name, ps.Drops)
		}
	}
	if sum != took {
		t.Errorf("servers placed %d dialogs in all, the VIP port took %d INVITEs", sum, took)
	}
	if vp.Dialogs != int(took) || vp.PeakDialogs < vp.Dialogs {
		t.Errorf("VIP port holds %d dialogs (peak %d) after %d INVITEs", vp.Dialogs, vp.PeakDialogs, took)
	}
	if dt := st.DialogTable; dt.Entries != int(took) || dt.MaxEntries != c.Dialog.MaxEntries || dt.Evictions != 0 {
		t.Errorf("dialog table %+v, want %d entries of max %d, no evictions", dt, took, c.Dialog.MaxEntries)
	}

	// The ttl is 1 s: the dialogs go, the peaks stay.
	waitFor(t, "the dialogs forgotten after their 1 s ttl", 5*time.Second, func() bool {
		return e.Status().Virtuals["v"].Ports[5060].Dialogs == 0
	})
	if p := e.Status().Virtuals["v"].Ports[5060].PeakDialogs; p != int(took) {
		t.Errorf("VIP port peak %d after its %d dialogs ended, want %d", p, took, took)
	}

	// More calls than before, and no status read while they are held:
	// only the sweeper's samples can see them.
	const second = 150
	before := delivered()
	phase1 := map[string]int{}
	for name, p := range peers {
		phase1[name] = p.count("INVITE")
	}
	for i := range second {
		cl.send(t, "INVITE", fmt.Sprintf("peak-%d@kw", i))
		if i%50 == 49 {
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitFor(t, "the second calls at their servers", 2*time.Second, func() bool { return delivered()-before == second })
	time.Sleep(1500 * time.Millisecond) // all expired by now
	st = e.Status()
	vp = st.Virtuals["v"].Ports[5060]
	if vp.Placed != took+second {
		t.Errorf("VIP port: %d dialogs placed, want %d", vp.Placed, took+second)
	}
	if vp.PeakDialogs != second {
		t.Errorf("VIP port peak %d, want %d: the %d dialogs held together", vp.PeakDialogs, second, second)
	}
	for name, p := range peers {
		ps := st.Reals[name].Ports[5060]
		if got := int(ps.Placed); got != p.count("INVITE") {
			t.Errorf("%s: %d dialogs placed, received %d INVITEs", name, got, p.count("INVITE"))
		}
		// Each phase's dialogs were all held at once, the first phase's
		// gone before the second began.
		want := max(phase1[name], p.count("INVITE")-phase1[name])
		if ps.PeakDialogs != want || st.Reals[name].PeakDialogs != want {
			t.Errorf("%s: port peak %d, server peak %d, want %d", name, ps.PeakDialogs, st.Reals[name].PeakDialogs, want)
		}
		if ps.Dialogs != 0 {
			t.Errorf("%s: %d dialogs left after the ttl", name, ps.Dialogs)
		}
	}
}
