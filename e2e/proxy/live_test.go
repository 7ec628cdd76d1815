package proxy

import (
	"regexp"
	"strconv"
	"testing"
	"time"

	"sipslb/e2e/internal/harness"
)

// Calls held 15 s survive a bind change and a disable made while they are
// up: every dialog stays on its server (INVITE = ACK = BYE per UAS, no
// failed call, no unexpected message such as a 481).
func TestLiveChangesKeepDialogs(t *testing.T) {
	harness.NeedTools(t, "sipp")
	t.Parallel()
	const calls, rate = 240, 40 // 6 s of new calls, each held 15 s
	tests := []struct {
		name   string
		block  int
		change []string
		check  func(t *testing.T, l *harness.LB, uas []*harness.SIPp, leftAtChange int)
	}{
		{
			name: "bind a third server", block: 20,
			change: []string{"server virtual vip 127.31.20.100", "bind sip rs3 sip"},
			check: func(t *testing.T, l *harness.LB, uas []*harness.SIPp, _ int) {
				if n := sum(uas[2].Counts(t), "_INVITE_Recv"); n == 0 || n == calls {
					t.Errorf("rs3 received %d of %d calls after being bound mid-run; want some, not all", n, calls)
				}
			},
		},
		{
			name: "disable a server", block: 21,
			change: []string{"server real rs1", "disable"},
			check: func(t *testing.T, l *harness.LB, uas []*harness.SIPp, leftAtChange int) {
				// Every INVITE rs1 took made a dialog entry before the
				// disable; after it, rs1 gets no new Call-ID.
				if n := sum(uas[0].Counts(t), "_INVITE_Recv"); n != leftAtChange || n == 0 {
					t.Errorf("rs1 received %d INVITEs, had %d dialogs when disabled: it took new calls while draining", n, leftAtChange)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n := tc.block
			l, u1, u2 := farm(t, n, "uas.xml")
			u3 := uas(t, "uas3", ipn(n, 13), 5060, "uas.xml")
			l.Configure(t, "server real rs3 "+ipn(n, 13), "port sip", "exit")
			args := []string{"-sf", harness.Scenario("uac.xml"), "-i", ipn(n, 1), "-p", "5061", "-mi", ipn(n, 1),
				"-m", strconv.Itoa(calls), "-r", strconv.Itoa(rate), "-d", "15000", "-timeout", "60s", ipn(n, 100) + ":5060"}
			u := harness.StartSIPp(t, "uac", args...)
			time.Sleep(3 * time.Second)
			l.Configure(t, tc.change...)
			left := dialogsOf(t, l.CLI(t, "show server real rs1"))
			t.Logf("rs1 dialogs right after the change: %d", left)
			code := u.Wait(t, 70*time.Second)
			checkCalls(t, u, code, calls)
			all := []*harness.SIPp{u1, u2, u3}
			harness.StopAll(all...)
			total := 0
			for i, us := range all {
				c := us.Counts(t)
				inv, ack, bye := sum(c, "_INVITE_Recv"), sum(c, "_ACK_Recv"), sum(c, "_BYE_Recv")
				t.Logf("uas%d: INVITE %d ACK %d BYE %d", i+1, inv, ack, bye)
				if inv != ack || inv != bye || sum(c, "_Unexp") != 0 {
					t.Errorf("uas%d: INVITE %d ACK %d BYE %d unexpected %d: a dialog moved", i+1, inv, ack, bye, sum(c, "_Unexp"))
				}
				total += inv
			}
			if total != calls {
				t.Errorf("UAS received %d INVITEs in all, want %d", total, calls)
			}
			tc.check(t, l, all, left)
		})
	}
}

var dialogsCol = regexp.MustCompile(`(?m)^sip\s+\S+\s+\S+\s+\S+\s+\S+\s+\S+\s+\d+\s+\d+\s+\d+\s+(\d+)\s*$`)

// dialogsOf reads the Dialogs column of the sip port in `show server real X`.
func dialogsOf(t *testing.T, out string) int {
	t.Helper()
	m := dialogsCol.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no dialogs column in:\n%s", out)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}
