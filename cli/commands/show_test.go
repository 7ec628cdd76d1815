package commands

import (
	"strings"
	"testing"

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
