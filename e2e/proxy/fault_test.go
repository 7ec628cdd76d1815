package proxy

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"sipslb/e2e/internal/harness"
)

// TestFaultRun is the fault run of issue 4: three SIPp UAS behind the VIP,
// a steady SIPp load with calls held longer than the outage, one UAS killed
// (SIGKILL) after 5 s and started again after 12 s.
//
// Health checks: interval I = 1 s, timeout T = 500 ms, fall F = 2, rise 2.
// A killed SIPp leaves a closed port, so every probe fails at once by ICMP
// and the server is down at most F·I = 2 s after the kill (T adds 0.5 s for
// a silent server). Meanwhile the Call-IDs that hash to it are forwarded to
// the dead port and lost; their callers retransmit the INVITE at 0.5, 1.5,
// 3.5 and 7.5 s (T1 = 500 ms, doubling) and the first retransmission after
// the removal reaches a survivor, so those calls are set up late, not lost.
// What is lost is the killed server's own dialogs: calls established on it
// before the kill (the balancer marks them lost when rs1 goes down; their
// BYE is re-pinned to a survivor, which answers 481, and never sent to the
// restarted rs1) and any transaction in flight on it. docs/health.md has
// the arithmetic and the measured figures. Address block 127.31.40.0/24.
//
// Assertions:
//   - every call of a survivor succeeds (no failed call, no unexpected
//     message on rs2 and rs3, INVITE = ACK = BYE there, every Call-ID that
//     began there with an INVITE succeeded), and some of rs1's Call-IDs set
//     up on them during the outage were still up when rs1 came back;
//   - every failed call is a dialog that was on rs1: its Call-ID hashes to
//     rs1 (asked with `show sip hash` before the run) and its INVITE was
//     first sent before rs1 was out of the pool; and
//     failed ≤ rate × (F·I + T + W), W = 3.5 s = one INVITE retransmission
//     window (0.5 + 1 + 2 s);
//   - after the restart rs1 receives new calls only: every Call-ID the
//     restarted UAS sees starts there with an INVITE, was first sent after
//     the restart, succeeded and was never seen by another UAS: neither a
//     dialog of a survivor nor one of rs1's lost dialogs reaches it.
func TestFaultRun(t *testing.T) {
	harness.NeedTools(t, "sipp")
	t.Parallel()
	const (
		n         = 40
		rate      = 25  // calls per second
		calls     = 500 // 20 s of new calls
		hold      = 10 * time.Second
		killAt    = 5 * time.Second
		restartAt = 12 * time.Second
		interval  = time.Second
		timeout   = 500 * time.Millisecond
		fall      = 2
		rise      = 2
		window    = 3500 * time.Millisecond // INVITE retransmissions at 0.5, 1.5, 3.5 s
	)
	names := []string{"rs1", "rs2", "rs3"}
	srv := map[string]*harness.SIPp{}
	for i, name := range names {
		srv[name] = uas(t, name, ipn(n, 11+i), 5060, "uas_fault.xml", "-trace_shortmsg")
	}
	l := startLB(t)
	lines := []string{
		// The timeout first: it must stay below the interval at every step.
		"server sip-keepalive timeout 500ms", "server sip-keepalive interval 1",
		"server sip-keepalive retries 2", "server sip-keepalive rise 2",
	}
	for i, name := range names {
		lines = append(lines, "server real "+name+" "+ipn(n, 11+i), "port sip", "exit")
	}
	lines = append(lines, "server virtual vip "+ipn(n, 100), "port sip", "bind sip rs1 sip rs2 sip rs3 sip")
	l.Configure(t, lines...)
	harness.WaitUDP(t, ipn(n, 100), 5060)
	for _, name := range names {
		waitState(t, l, name, "ACT", 10*time.Second)
	}

	// Where every Call-ID of the run goes while all three are up.
	uacIP := ipn(n, 1)
	callID := func(i int) string { return fmt.Sprintf("fault-%d@%s", i, uacIP) }
	owner := hashOwners(t, l, calls, callID)
	share := map[string]int{}
	for _, o := range owner {
		share[o]++
	}
	t.Logf("hash owners of the %d Call-IDs: %v", calls, share)

	u := harness.StartSIPp(t, "uac", "-sf", harness.Scenario("uac.xml"), "-i", uacIP, "-p", "5061", "-mi", uacIP,
		"-m", strconv.Itoa(calls), "-r", strconv.Itoa(rate), "-d", strconv.Itoa(int(hold.Milliseconds())),
		"-timeout", "90s", "-recv_timeout", "16000", "-cid_str", "fault-%u@%s", "-trace_shortmsg",
		// A call answered 481 just fails: no BYE of SIPp's own to abort it.
		"-default_behaviors", "all,-bye",
		ipn(n, 100)+":5060")
	start := time.Now()

	time.Sleep(time.Until(start.Add(killAt)))
	rs1 := srv["rs1"]
	rs1.Kill()
	killed := time.Now()
	waitState(t, l, "rs1", "FAL", 10*time.Second)

	time.Sleep(time.Until(start.Add(restartAt)))
	restarted := time.Now()
	rs1b := uas(t, "rs1-restarted", ipn(n, 11), 5060, "uas_fault.xml", "-trace_shortmsg")
	waitState(t, l, "rs1", "ACT", 10*time.Second)

	code := u.Wait(t, 100*time.Second)
	elapsed := time.Since(start)
	harness.StopAll(srv["rs2"], srv["rs3"], rs1b)
	t.Logf("uac exit %d after %v\n%s\n%s", code, elapsed.Round(time.Millisecond),
		l.CLI(t, "show server real"), l.CLI(t, "show sip statistics"))

	// When the balancer took rs1 out and back in, from its log (ms).
	l.Stop(t) // its log is complete once it has exited
	down, up := healthChanges(t, l.Log(), "rs1", killed)
	t.Logf("rs1 killed %v after the start, down %v later (F·I = %v; F·I + T = %v for a silent server)",
		killed.Sub(start).Round(time.Millisecond), down.Sub(killed).Round(time.Millisecond),
		fall*interval, fall*interval+timeout)
	t.Logf("rs1 restarted %v after the start, up %v later (rise·I = %v)", restarted.Sub(start).Round(time.Millisecond),
		up.Sub(restarted).Round(time.Millisecond), rise*interval)
	if up.Before(restarted) {
		t.Errorf("rs1 up at %v, before its restart", up)
	}

	// The caller's view, per Call-ID.
	byID := readUAC(t, u)
	st := u.Stats(t)
	var failed []string
	for id, c := range byID {
		if !c.ok {
			failed = append(failed, id)
		}
	}
	slices.Sort(failed)
	if want := min(len(failed), 1); code != want {
		t.Errorf("uac exit code %d with %d failed calls, want %d", code, len(failed), want)
	}
	if len(byID) != calls || st["SuccessfulCall(C)"]+st["FailedCall(C)"] != calls ||
		st["FailedCall(C)"] != len(failed) {
		t.Errorf("uac: %d Call-IDs in its log, %d successful and %d failed by its statistics, %d failed by its log; want %d calls",
			len(byID), st["SuccessfulCall(C)"], st["FailedCall(C)"], len(failed), calls)
	}

	// The servers' view, per Call-ID.
	seen := map[string]map[string][]string{} // server → Call-ID → requests received
	for name, s := range map[string]*harness.SIPp{"rs1": rs1, "rs1-restarted": rs1b, "rs2": srv["rs2"], "rs3": srv["rs3"]} {
		seen[name] = readUAS(t, s)
	}

	// rs1's dialogs: Call-IDs it owns whose INVITE left before it was out
	// of the pool. Everything else must succeed.
	onRS1 := func(id string) bool { return owner[id] == "rs1" && byID[id].invite.Before(down) }
	limit := int(float64(rate) * (fall*interval + timeout + window).Seconds())
	lost := 0
	for _, id := range failed {
		_, rs1Had := seen["rs1"][id]
		if !onRS1(id) || !rs1Had && byID[id].invite.Before(killed) {
			t.Errorf("call %s failed but was not on rs1 (owner %s, INVITE at %v after the kill, received by rs1: %v)",
				id, owner[id], byID[id].invite.Sub(killed).Round(time.Millisecond), rs1Had)
		}
		if byID[id].invite.Before(killed) {
			lost++
		}
	}
	t.Logf("failed calls: %d (bound rate × (F·I + T + W) = %d × %v = %d); %d of them established on rs1 before the kill",
		len(failed), rate, fall*interval+timeout+window, limit, lost)
	if len(failed) > limit {
		t.Errorf("%d failed calls, want at most %d", len(failed), limit)
	}

	// What a caller of a Call-ID hashing to rs1 saw between the kill and
	// the removal: a late set-up, not a failure. (Every call first sent
	// after the kill must have succeeded: it was never on rs1.)
	var late, worst time.Duration
	nLate := 0
	for id, c := range byID {
		if c.invite.Before(killed) {
			continue
		}
		if !c.ok {
			t.Errorf("call %s first sent %v after the kill failed", id, c.invite.Sub(killed).Round(time.Millisecond))
			continue
		}
		if owner[id] == "rs1" && c.invite.Before(down) {
			nLate++
			d := c.answered.Sub(c.invite)
			late += d
			worst = max(worst, d)
		}
	}
	if nLate > 0 {
		t.Logf("%d calls sent to rs1 while it was dead but not yet down: set up after %v on average, %v at most",
			nLate, (late / time.Duration(nLate)).Round(time.Millisecond), worst.Round(time.Millisecond))
	}

	// Survivors keep every dialog: no failed call, no unexpected message,
	// every Call-ID they answered ends there; a stray is only ever a BYE
	// of one of rs1's lost dialogs.
	for _, name := range []string{"rs2", "rs3"} {
		s := srv[name]
		st := s.Stats(t)
		c := s.Counts(t)
		if st["FailedCall(C)"] != 0 || sum(c, "_Unexp") != 0 {
			t.Errorf("%s: %d failed calls, %d unexpected messages", name, st["FailedCall(C)"], sum(c, "_Unexp"))
		}
		inv, ack, bye := c["2_INVITE_Recv"], c["6_ACK_Recv"], c["7_BYE_Recv"]
		t.Logf("%s: INVITE %d ACK %d BYE %d, stray BYE %d, stray ACK %d", name, inv, ack, bye, c["0_BYE_Recv"], c["1_ACK_Recv"])
		if inv != ack || inv != bye {
			t.Errorf("%s: INVITE %d ACK %d BYE %d: a dialog was split", name, inv, ack, bye)
		}
		for id, reqs := range seen[name] {
			switch {
			case reqs[0] == "INVITE":
				if !byID[id].ok {
					t.Errorf("%s answered call %s, which failed", name, id)
				}
				if o := owner[id]; o != name && o != "rs1" {
					t.Errorf("%s received INVITE %s owned by %s", name, id, o)
				}
			case !onRS1(id):
				t.Errorf("%s received %v for %s, not a dialog of rs1", name, reqs, id)
			}
		}
	}

	// The calls that matter for the return: Call-IDs of rs1 set up on a
	// survivor while rs1 was out, still held when it came back. Each of
	// them kept its survivor (checked above per Call-ID).
	held := 0
	for id, c := range byID {
		if owner[id] != "rs1" || !c.invite.Add(hold).After(up) {
			continue
		}
		for _, name := range []string{"rs2", "rs3"} {
			if reqs := seen[name][id]; len(reqs) > 0 && reqs[0] == "INVITE" {
				held++
			}
		}
	}
	t.Logf("%d calls of rs1's Call-IDs were on a survivor and still up when rs1 returned", held)
	if held == 0 {
		t.Error("no call of rs1's Call-IDs was held on a survivor across rs1's return: the run proves nothing about it")
	}

	// The returning server takes new calls only.
	for id, reqs := range seen["rs1-restarted"] {
		c := byID[id]
		switch {
		case reqs[0] != "INVITE":
			t.Errorf("restarted rs1 received %v for %s (INVITE sent %v after the kill): an old dialog reached it",
				reqs, id, c.invite.Sub(killed).Round(time.Millisecond))
		case c.invite.Before(restarted):
			t.Errorf("restarted rs1 received call %s first sent %v before the restart", id, restarted.Sub(c.invite).Round(time.Millisecond))
		case !c.ok:
			t.Errorf("call %s on the restarted rs1 failed", id)
		}
		for _, other := range []string{"rs1", "rs2", "rs3"} {
			if r, ok := seen[other][id]; ok {
				t.Errorf("call %s reached the restarted rs1 and %s (%v)", id, other, r)
			}
		}
	}
	t.Logf("restarted rs1 received %d calls", len(seen["rs1-restarted"]))
	if len(seen["rs1-restarted"]) == 0 {
		t.Error("the restarted rs1 received no call")
	}
}

// healthChanges finds in a daemon log the first transition of real's
// port to down after from, and the first to up after that.
func healthChanges(t *testing.T, log, real string, from time.Time) (down, up time.Time) {
	t.Helper()
	for _, ln := range strings.Split(log, "\n") {
		if !strings.Contains(ln, `msg="health state change"`) || !strings.Contains(ln, " real="+real+" ") {
			continue
		}
		ts, _, _ := strings.Cut(strings.TrimPrefix(ln, "time="), " ")
		at, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil || at.Before(from) {
			continue
		}
		switch {
		case down.IsZero() && strings.Contains(ln, " to=down "):
			down = at
		case !down.IsZero() && up.IsZero() && strings.Contains(ln, " to=up "):
			up = at
		}
	}
	if down.IsZero() || up.IsZero() {
		t.Fatalf("no %s down and up after %v in the daemon log:\n%s", real, from, log)
	}
	return down, up
}

// waitState polls `show server real NAME` until its sip port shows state
// want (ACT, FAL, ...).
func waitState(t *testing.T, l *harness.LB, name, want string, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	last := ""
	for time.Now().Before(deadline) {
		out := l.CLI(t, "show server real "+name)
		for _, ln := range strings.Split(out, "\n") {
			if f := strings.Fields(ln); len(f) > 1 && f[0] == "sip" {
				last = f[1]
			}
		}
		if last == want {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: state %q after %v, want %s", name, last, limit, want)
}

// hashOwners asks the balancer, in one CLI session, which real server the
// proxy group hashes each of the Call-IDs 1..calls to.
func hashOwners(t *testing.T, l *harness.LB, calls int, callID func(int) string) map[string]string {
	t.Helper()
	var lines []string
	for i := 1; i <= calls; i++ {
		lines = append(lines, "show sip hash "+callID(i))
	}
	out := l.CLI(t, lines...)
	owner := map[string]string{}
	cur := ""
	for _, ln := range strings.Split(out, "\n") {
		f := strings.Fields(ln)
		switch {
		case len(f) >= 2 && f[0] == "Call-ID":
			cur = f[1]
		case len(f) >= 5 && f[2] == "proxy" && f[3] == "hash":
			owner[cur], _, _ = strings.Cut(f[4], ":")
		}
	}
	if len(owner) != calls {
		t.Fatalf("show sip hash gave owners for %d of %d Call-IDs:\n%s", len(owner), calls, harness.Tail(out, 2000))
	}
	return owner
}

// shortMsgs reads a SIPp -trace_shortmsg log: one line per message sent
// (S) or received (R), tab-separated: date, time, epoch seconds, S|R,
// Call-ID, CSeq, first line.
func shortMsgs(t *testing.T, s *harness.SIPp, each func(at time.Time, dir, callID, cseq, first string)) {
	t.Helper()
	files := s.Files("*_shortmessages.log")
	if len(files) != 1 {
		t.Fatalf("%s: short message log: found %v", s.Name, files)
	}
	f, err := os.Open(files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		p := strings.Split(sc.Text(), "\t")
		if len(p) < 7 || !strings.HasPrefix(p[4], "fault-") {
			continue // health-check OPTIONS and anything torn
		}
		sec, err := strconv.ParseFloat(p[2], 64)
		if err != nil {
			continue
		}
		at := time.UnixMicro(int64(sec * 1e6))
		each(at, p[3], p[4], p[5], p[6])
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", filepath.Base(files[0]), err)
	}
}

// uacCall is one call as the caller saw it.
type uacCall struct {
	invite   time.Time // first INVITE sent
	answered time.Time // 200 to the INVITE received
	ok       bool      // 200 to the BYE received
}

func readUAC(t *testing.T, u *harness.SIPp) map[string]*uacCall {
	t.Helper()
	out := map[string]*uacCall{}
	shortMsgs(t, u, func(at time.Time, dir, id, cseq, first string) {
		c := out[id]
		if c == nil {
			c = &uacCall{}
			out[id] = c
		}
		switch {
		case dir == "S" && cseq == "CSeq:1 INVITE" && c.invite.IsZero():
			c.invite = at
		case dir == "R" && cseq == "CSeq:1 INVITE" && strings.HasPrefix(first, "SIP/2.0 200") && c.answered.IsZero():
			c.answered = at
		case dir == "R" && cseq == "CSeq:2 BYE" && strings.HasPrefix(first, "SIP/2.0 200"):
			c.ok = true
		}
	})
	return out
}

// readUAS returns, per Call-ID, the methods of the requests a UAS received
// in order (retransmissions included).
func readUAS(t *testing.T, s *harness.SIPp) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	shortMsgs(t, s, func(_ time.Time, dir, id, _, first string) {
		if dir == "R" && !strings.HasPrefix(first, "SIP/2.0") {
			m, _, _ := strings.Cut(first, " ")
			out[id] = append(out[id], m)
		}
	})
	return out
}
