package proxy

import (
	"strings"
	"testing"
	"time"

	"sipslb/e2e/internal/harness"
)

// Each scenario runs in its own address block with two UAS running the
// scenario's callee and a UAC running its caller; every call must
// succeed and every message the callee expects must arrive exactly once
// per call (retransmissions are counted apart).
func TestScenarios(t *testing.T) {
	harness.NeedTools(t, "sipp")
	t.Parallel()
	tests := []struct {
		name       string
		block      int
		uasFile    string
		uacFile    string
		calls      int
		vport      []string // extra VIP port lines
		uasRecv    []string // messages each call must bring to a UAS
		uasRetrans []string // messages each call must bring twice (original + retransmission)
		lbCounters []string // lines `show sip statistics` must contain
		noUAS      bool     // the balancer answers; no UAS may see anything
	}{
		{name: "cancel", block: 10, uasFile: "uas_cancel.xml", uacFile: "uac_cancel.xml", calls: 200,
			uasRecv: []string{"INVITE", "CANCEL", "ACK"}},
		{name: "ack of non-2xx", block: 11, uasFile: "uas_busy.xml", uacFile: "uac_busy.xml", calls: 200,
			uasRecv: []string{"INVITE", "ACK"}},
		{name: "retransmissions", block: 12, uasFile: "uas_retrans.xml", uacFile: "uac.xml", calls: 100,
			uasRecv: []string{"INVITE", "ACK", "BYE"}, uasRetrans: []string{"INVITE", "BYE"}},
		{name: "max-forwards 0", block: 13, uasFile: "uas.xml", uacFile: "uac_maxfwd.xml", calls: 100,
			noUAS: true, lbCounters: []string{"483-too-many-hops      100"}},
		{name: "rport and received", block: 14, uasFile: "uas_rport.xml", uacFile: "uac_rport.xml", calls: 200,
			uasRecv: []string{"INVITE", "ACK", "BYE"}},
		{name: "record-route", block: 15, uasFile: "uas_rr.xml", uacFile: "uac_rr.xml", calls: 200,
			vport: []string{"port sip record-route"}, uasRecv: []string{"INVITE", "ACK", "BYE"}},
		{name: "uas hangs up", block: 16, uasFile: "uas_uasbye.xml", uacFile: "uac_uasbye.xml", calls: 200,
			uasRecv: []string{"INVITE", "ACK"}, lbCounters: []string{"BYE                    200"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n := tc.block
			l, u1, u2 := farm(t, n, tc.uasFile, tc.vport...)
			u, code := uac(t, ipn(n, 1), 5061, ipn(n, 100)+":5060", tc.uacFile, tc.calls, 50, 60*time.Second)
			checkCalls(t, u, code, tc.calls)
			harness.StopAll(u1, u2)
			got := map[string]int{}
			retrans := map[string]int{}
			for i, us := range []*harness.SIPp{u1, u2} {
				c := us.Counts(t)
				if un := sum(c, "_Unexp"); un != 0 {
					t.Errorf("uas%d: %d unexpected messages", i+1, un)
				}
				if st := us.Stats(t); st["FailedCall(C)"] != 0 {
					t.Errorf("uas%d: %d failed calls (a check in its scenario failed?)", i+1, st["FailedCall(C)"])
				}
				for _, m := range tc.uasRecv {
					got[m] += sum(c, "_"+m+"_Recv")
				}
				for _, m := range tc.uasRetrans {
					// A retransmission reaching the other UAS would be an
					// unexpected message there, caught above.
					retrans[m] += sum(c, "_"+m+"_Retrans")
				}
				if tc.noUAS {
					if inv := sum(c, "_Recv"); inv != 0 {
						t.Errorf("uas%d received %d requests; the balancer should have answered them all", i+1, inv)
					}
				}
			}
			for _, m := range tc.uasRecv {
				if got[m] != tc.calls {
					t.Errorf("UAS received %d %s for %d calls", got[m], m, tc.calls)
				}
			}
			for _, m := range tc.uasRetrans {
				if retrans[m] < tc.calls {
					t.Errorf("UAS saw %d %s retransmissions for %d calls, want at least one per call", retrans[m], m, tc.calls)
				}
			}
			stats := l.CLI(t, "show sip statistics")
			for _, want := range tc.lbCounters {
				if !strings.Contains(stats, want) {
					t.Errorf("show sip statistics lacks %q:\n%s", want, stats)
				}
			}
			if t.Failed() {
				t.Logf("\n%s", stats)
			}
		})
	}
}
