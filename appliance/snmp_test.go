package appliance

import (
	"net/netip"
	"testing"

	"sipslb/slb/config"
	"sipslb/slb/reason"
	"sipslb/slb/sip"
	"sipslb/slb/status"
)

func TestViewCounters(t *testing.T) {
	cfg := config.New()
	cfg.Reals = []*config.RealServer{{Name: "rs1", Addr: netip.MustParseAddr("192.0.2.1"), Weight: 1,
		Ports: []*config.RealPort{{Port: 5060}, {Port: 5070}}}}
	cfg.Virtuals = []*config.VirtualServer{{Name: "vip", Addr: netip.MustParseAddr("192.0.2.100"),
		Ports: []*config.VirtualPort{{Port: 5060, Binds: []config.Bind{{Real: "rs1", Port: 5060}}}}}}
	vp := &status.VirtualPort{Dialogs: 3, Placed: 40, PeakDialogs: 9}
	for i := range sip.NumMethods {
		vp.Requests[i] = uint64(100 + i)
	}
	for i := range reason.Num {
		vp.Drops[i] = uint64(i)
	}
	st := &status.Snapshot{
		Reals: map[string]*status.Real{"rs1": {PeakDialogs: 8, Ports: map[uint16]*status.RealPort{
			5060: {Health: status.Up, Requests: 7, Responses: 6, Dialogs: 2, Placed: 30, PeakDialogs: 5, Drops: 4},
			5070: {Health: status.Up, Dialogs: 1, Placed: 10, PeakDialogs: 4, Drops: 1},
		}}},
		Virtuals: map[string]*status.Virtual{"vip": {Ports: map[uint16]*status.VirtualPort{5060: vp}}},
		DSR:      status.DSR{Fragments: 6},
	}
	st.DSR.Drops[reason.FrameNoVPort] = 3
	s := &snmpService{cfg: func() *config.Config { return cfg }, st: func() *status.Snapshot { return st }}
	v := s.view()
	p := v.Virtuals[0].Ports[0]
	if v.DSR != st.DSR {
		t.Errorf("served dsr frame counters %+v, counted %+v", v.DSR, st.DSR)
	}
	if p.Requests != vp.Requests || p.Drops != vp.Drops {
		t.Errorf("served requests %v drops %v, counted %v %v", p.Requests, p.Drops, vp.Requests, vp.Drops)
	}
	if p.CurDialogs != 3 || p.Dialogs != 40 || p.PeakDialog != 9 {
		t.Errorf("vport dialogs: cur %d placed %d peak %d, want 3 40 9", p.CurDialogs, p.Dialogs, p.PeakDialog)
	}
	r := v.Reals[0]
	if r.Requests != 7 || r.Responses != 6 || r.CurDialogs != 3 || r.Health != status.Up {
		t.Errorf("real row %+v", r)
	}
	// Totals and drops add up over the ports; the server's peak is its own
	// (the ports' peaks need not have been at the same time).
	if r.Dialogs != 40 || r.Drops != 5 || r.PeakDialog != 8 {
		t.Errorf("real dialogs placed %d drops %d peak %d, want 40 5 8", r.Dialogs, r.Drops, r.PeakDialog)
	}
	if rp := r.Ports[0]; rp.Dialogs != 30 || rp.PeakDialog != 5 || rp.CurDialogs != 2 {
		t.Errorf("real port row %+v", rp)
	}
}

func TestServerChanged(t *testing.T) {
	for _, tc := range []struct {
		others []status.Health
		want   bool
	}{
		{nil, true},
		{[]status.Health{status.Down}, true},
		{[]status.Health{status.Failing, status.Disabled, status.Unknown}, true},
		{[]status.Health{status.Down, status.Up}, false},
		{[]status.Health{status.NoCheck}, false},
	} {
		if got := serverChanged(tc.others); got != tc.want {
			t.Errorf("serverChanged(%v) = %v, want %v", tc.others, got, tc.want)
		}
	}
}
