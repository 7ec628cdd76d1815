package pool

import (
	"net/netip"
	"testing"

	"sipslb/slb/config"
	"sipslb/slb/dialog"
)

// Pin counts a new entry and a re-pin, not a refresh; Rejected counts
// nothing. SamplePeaks raises every mark to the counts and never lowers
// it; the marks survive rebuilds and go with their configuration item.
func TestPinAndPeaks(t *testing.T) {
	reg := NewRegistry(2)
	dt := dialog.New(100, 1, 0)
	reg.SetDialogs(dt)
	c := cfg()
	c.Reals[2].Ports = append(c.Reals[2].Ports, &config.RealPort{Port: 5070, Role: config.RoleBoth})
	st := Build(c, all, reg)
	vp := st.VPorts[netip.MustParseAddrPort("192.0.2.100:5060")]
	a, cc := vp.Servers[0], vp.Servers[2]
	sh := vp.Stats.Shard(1)

	Pin(dt, sh, a, 1, 1e18, false)
	Pin(dt, sh, a, 2, 1e18, false)
	Pin(dt, sh, a, 2, 1e18, false) // present already: another worker's placement
	Pin(dt, sh, cc, 2, 1e18, true) // re-pinned from a to c
	if a.Stats.Dialogs.Load() != 2 || cc.Stats.Dialogs.Load() != 1 || vp.Stats.Read().Dialogs != 3 {
		t.Errorf("placed a %d c %d port %d, want 2 1 3", a.Stats.Dialogs.Load(), cc.Stats.Dialogs.Load(), vp.Stats.Read().Dialogs)
	}
	bad := *a
	bad.ID = uint32(dt.MaxServers())
	if Pin(dt, sh, &bad, 3, 1e18, false) != dialog.Rejected || vp.Stats.Read().Dialogs != 3 {
		t.Error("a rejected Put was counted")
	}

	var c5070 *Server
	for _, r := range st.Reals {
		if r.Name == "c" {
			c5070 = r.Ports[1]
		}
	}
	Pin(dt, sh, c5070, 4, 1e18, false)
	Pin(dt, sh, c5070, 5, 1e18, false)
	st.SamplePeaks()
	peakOf := func(name string) int {
		for _, r := range st.Reals {
			if r.Name == name {
				return r.Peak.Load()
			}
		}
		return -1
	}
	// a holds 1, c 1 on 5060 and 2 on 5070; the VIP port binds a, b, c:5060.
	if a.Stats.Peak.Load() != 1 || cc.Stats.Peak.Load() != 1 || c5070.Stats.Peak.Load() != 2 ||
		peakOf("a") != 1 || peakOf("c") != 3 || vp.Stats.Peak.Load() != 2 {
		t.Errorf("peaks: a %d c:5060 %d c:5070 %d; servers a %d c %d; VIP port %d; want 1 1 2, 1 3, 2",
			a.Stats.Peak.Load(), cc.Stats.Peak.Load(), c5070.Stats.Peak.Load(), peakOf("a"), peakOf("c"), vp.Stats.Peak.Load())
	}
	dt.Flush()
	st.SamplePeaks()
	if peakOf("c") != 3 || vp.Stats.Peak.Load() != 2 {
		t.Error("a sample of fewer dialogs lowered a peak")
	}
	if n := testing.AllocsPerRun(100, st.SamplePeaks); n != 0 {
		t.Errorf("SamplePeaks allocates %v", n)
	}

	st2 := Build(c, all, reg)
	if st2.Reals[2].Peak != st.Reals[2].Peak {
		t.Error("a rebuild replaced a real server's peak")
	}
	c2 := c.Clone()
	c2.Reals = c2.Reals[:2]
	c2.Virtuals[0].Ports[0].Binds = c2.Virtuals[0].Ports[0].Binds[:2]
	Build(c2, all, reg)
	if st3 := Build(c, all, reg); st3.Reals[2].Peak.Load() != 0 {
		t.Error("a real server removed and added again kept its old peak")
	}
}
