package commands

import (
	"strings"
	"testing"
	"time"

	"sipslb/slb/latency"
	"sipslb/slb/reason"
	"sipslb/slb/status"
)

// statusBackend is fakeBackend with a fixed status snapshot.
type statusBackend struct {
	fakeBackend
	st *status.Snapshot
}

func (b *statusBackend) Status() *status.Snapshot { return b.st }

// show sip statistics reports the dsr data interface's frame drops (by
// reason) and forwarded fragments, which no VIP port counts; without a
// data interface it prints no such section.
func TestShowSIPStatisticsDSRFrames(t *testing.T) {
	st := &status.Snapshot{}
	st.DSR.Drops[reason.FrameNoVPort] = 7
	st.DSR.Drops[reason.FrameSendError] = 2
	st.DSR.Fragments = 5
	in := New(&statusBackend{st: st}, nil)
	s := in.Open("root", PrivSuper, "test")
	out, err := execLines(t, in, s, "show sip statistics")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "DSR data interface") {
		t.Errorf("a DSR section without a data interface:\n%s", out)
	}
	if _, err := execLines(t, in, s, "configure terminal", "ip data-interface eth1", "end"); err != nil {
		t.Fatal(err)
	}
	out, err = execLines(t, in, s, "show sip statistics")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"DSR data interface eth1\n", "  Frames dropped: 9\n", "    no-vport", " 7\n",
		"    send-error", " 2\n", "  Fragments forwarded: 5\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("show sip statistics lacks %q:\n%s", want, out)
		}
	}
}

// show sip statistics reports, per VIP port, how long datagrams spent
// inside the balancer: the count and p50/p99/p99.9 (bucket upper bounds).
func TestShowSIPStatisticsLatency(t *testing.T) {
	var h latency.Histogram
	h.ObserveN(3*time.Microsecond, 985) // bucket [3, 4) µs
	h.ObserveN(40*time.Microsecond, 13) // [40, 41)
	h.ObserveN(700*time.Microsecond, 2) // [696, 704)
	vp := &status.VirtualPort{Listening: true}
	h.AddTo(&vp.Latency)
	st := &status.Snapshot{Virtuals: map[string]*status.Virtual{"v": {Ports: map[uint16]*status.VirtualPort{5060: vp}}}}
	in := New(&statusBackend{st: st}, nil)
	s := in.Open("root", PrivSuper, "test")
	if _, err := execLines(t, in, s, "configure terminal", "server virtual v 192.0.2.1", "port sip", "end"); err != nil {
		t.Fatal(err)
	}
	out, err := execLines(t, in, s, "show sip statistics")
	if err != nil {
		t.Fatal(err)
	}
	if want := "  Latency inside the balancer: 1000 datagrams, p50 4us p99 41us p99.9 704us\n"; !strings.Contains(out, want) {
		t.Errorf("show sip statistics lacks %q:\n%s", want, out)
	}
}

// show sip statistics reports the inline path's frame counters by
// direction once an inside interface is configured.
func TestShowSIPStatisticsInlineFrames(t *testing.T) {
	st := &status.Snapshot{}
	st.Inline.In.Drops[reason.FrameFragOrphan] = 3
	st.Inline.In.Fragments = 4
	st.Inline.Out.Drops[reason.FrameLoop] = 6
	st.Inline.Out.Fragments = 8
	st.Inline.Untranslated = 11
	in := New(&statusBackend{st: st}, nil)
	s := in.Open("root", PrivSuper, "test")
	out, err := execLines(t, in, s, "show sip statistics")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "Inline") {
		t.Errorf("an inline section without an inside interface:\n%s", out)
	}
	if _, err := execLines(t, in, s, "configure terminal", "ip inside-interface eth2", "end"); err != nil {
		t.Fatal(err)
	}
	out, err = execLines(t, in, s, "show sip statistics")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Inline inside interface eth2\n", "  Frames dropped to the servers: 3\n", "    frag-orphan",
		"  Fragments translated to the servers: 4\n", "  Frames dropped from the servers: 6\n", "    loop", "  Fragments translated from the servers: 8\n", "  Untranslated from other server ports: 11\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("show sip statistics lacks %q:\n%s", want, out)
		}
	}
}
