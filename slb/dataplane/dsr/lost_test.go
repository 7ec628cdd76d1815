package dsr

import "testing"

// TestLostDialogMoves: once the dialog table marks a server's dialogs lost
// (its health check found it down), their requests go to another server
// even though the server is healthy again, and stay there; the DSR path
// follows the same rule as proxy mode.
func TestLostDialogMoves(t *testing.T) {
	st := buildState(t, dsrConfig(nil))
	f := newForwarder()
	inv := f.Handle(st, realMACs, frame(sipMsg("INVITE", "lost@x", 0)), now)
	if inv.Verdict != Forwarded {
		t.Fatal(inv.Reason)
	}
	owner := inv.Server
	st.Dialogs.Lose(owner.ID)
	bye := f.Handle(st, realMACs, frame(sipMsg("BYE", "lost@x", 0)), now+1)
	if bye.Server == nil || bye.Server == owner {
		t.Fatalf("BYE of a dialog lost with %s went to %v", owner.Real, bye.Server)
	}
	again := f.Handle(st, realMACs, frame(sipMsg("BYE", "lost@x", 0)), now+2)
	if again.Server != bye.Server {
		t.Errorf("retransmission went to %v, the BYE to %s", again.Server, bye.Server.Real)
	}
}
