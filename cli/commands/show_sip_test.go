package commands

import (
	"io"
	"strings"
	"testing"

	"sipslb/slb/status"
)

// dialogsBackend reports n dialogs on rs1 port sip.
type dialogsBackend struct {
	fakeBackend
	n int
}

func (b *dialogsBackend) Status() *status.Snapshot {
	return &status.Snapshot{Reals: map[string]*status.Real{
		"rs1": {Ports: map[uint16]*status.RealPort{5060: {Dialogs: b.n}}},
	}}
}

// TestShowSIPServerExplainsCapacity: the dialog table holds 4/3 slots per
// entry of max-entries, so "Used SIP sessions" may exceed max-entries;
// show sip server says how many entries, max-entries and slots there are
// and why the count may pass max-entries. (It printed "Avail. 0, Used
// 1500" with max-entries 1024 and no word on why.)
func TestShowSIPServerExplainsCapacity(t *testing.T) {
	be := &dialogsBackend{n: 1500}
	in := New(be, nil)
	s := in.Open("root", PrivSuper, "test")
	for _, l := range []string{"configure terminal", "server sip-dialog max-entries 1024", "server real rs1 10.0.0.1", "port sip", "end"} {
		if err := in.Exec(s, l, io.Discard); err != nil {
			t.Fatalf("%s: %v", l, err)
		}
	}
	var out strings.Builder
	if err := in.Exec(s, "show sip server", &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Avail. SIP sessions = 0  Used SIP sessions = 1500",
		"Dialog table: 1500 entries of max-entries 1024; about 1365 slots (4/3 per entry, 75% full at max-entries)",
		"Above max-entries the table keeps taking dialogs",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("missing %q in:\n%s", want, out.String())
		}
	}
	be.n = 10
	out.Reset()
	in.Exec(s, "show sip server", &out)
	if strings.Contains(out.String(), "Above max-entries") {
		t.Errorf("explains an overflow that is not there:\n%s", out.String())
	}
}
