package proxy

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"sipslb/e2e/internal/harness"
)

// net returns the test's own address block 127.31.n.0/24.
func ipn(n, host int) string { return fmt.Sprintf("127.31.%d.%d", n, host) }

// farm starts two UAS (host .11 and .12 of block n, port 5060) and a
// daemon with VIP .100:5060 bound to both, plus any extra VIP port lines.
func farm(t *testing.T, n int, uasFile string, vportLines ...string) (*harness.LB, *harness.SIPp, *harness.SIPp) {
	t.Helper()
	u1 := uas(t, "uas1", ipn(n, 11), 5060, uasFile)
	u2 := uas(t, "uas2", ipn(n, 12), 5060, uasFile)
	l := startLB(t)
	lines := []string{
		"server real rs1 " + ipn(n, 11), "port sip", "exit",
		"server real rs2 " + ipn(n, 12), "port sip", "exit",
		"server virtual vip " + ipn(n, 100), "port sip",
	}
	lines = append(lines, vportLines...)
	lines = append(lines, "bind sip rs1 sip rs2 sip")
	l.Configure(t, lines...)
	harness.WaitUDP(t, ipn(n, 100), 5060)
	return l, u1, u2
}

// checkCalls asserts a UAC run ended with every call successful and no
// unexpected message.
func checkCalls(t *testing.T, u *harness.SIPp, code, calls int) {
	t.Helper()
	st := u.Stats(t)
	if code != 0 || st["SuccessfulCall(C)"] != calls || st["FailedCall(C)"] != 0 || st["FailedUnexpectedMessage(C)"] != 0 {
		t.Errorf("uac: exit %d, successful %d of %d, failed %d, unexpected messages %d",
			code, st["SuccessfulCall(C)"], calls, st["FailedCall(C)"], st["FailedUnexpectedMessage(C)"])
	}
}

func TestBasicCallsSplitEvenly(t *testing.T) {
	harness.NeedTools(t, "sipp")
	t.Parallel()
	const n, calls = 1, 2000
	l, u1, u2 := farm(t, n, "uas.xml")
	u, code := uac(t, ipn(n, 1), 5061, ipn(n, 100)+":5060", "uac.xml", calls, 200, 60*time.Second)
	checkCalls(t, u, code, calls)
	harness.StopAll(u1, u2)
	c1, c2 := u1.Counts(t), u2.Counts(t)
	for i, c := range []map[string]int{c1, c2} {
		inv, ack, bye := sum(c, "_INVITE_Recv"), sum(c, "_ACK_Recv"), sum(c, "_BYE_Recv")
		share := float64(inv) / calls
		t.Logf("uas%d: INVITE %d ACK %d BYE %d (%.1f%%)", i+1, inv, ack, bye, 100*share)
		if inv != ack || inv != bye {
			t.Errorf("uas%d: INVITE %d, ACK %d, BYE %d: a dialog was split", i+1, inv, ack, bye)
		}
		if share < 0.40 || share > 0.60 {
			t.Errorf("uas%d got %.1f%% of the calls, want 40-60%%", i+1, 100*share)
		}
	}
	if got := sum(c1, "_INVITE_Recv") + sum(c2, "_INVITE_Recv"); got != calls {
		t.Errorf("UAS received %d INVITEs in all, want %d", got, calls)
	}
	stats := l.CLI(t, "show sip statistics")
	if !strings.Contains(stats, fmt.Sprintf("INVITE                 %d", calls)) {
		t.Errorf("show sip statistics does not count %d INVITEs:\n%s", calls, stats)
	}
	real := l.CLI(t, "show server real")
	t.Logf("\n%s\n%s", real, stats)
}
