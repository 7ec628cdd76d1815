package dsr

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"sipslb/e2e/internal/harness"
)

const (
	vip      = "198.51.100.100"
	lbIP     = "198.51.100.2"
	clientIP = "198.51.100.10"
)

var sipslbBin string

func TestMain(m *testing.M) {
	if os.Geteuid() != 0 {
		// Every test skips (not root); no build needed.
		os.Exit(m.Run())
	}
	harness.Main(m, "dsr", &sipslbBin)
}

// needs skips when not root (network namespaces) and fails when a tool
// the test runs is missing.
func needs(t testing.TB, tools ...string) {
	t.Helper()
	harness.NeedRoot(t, "the DSR tests build network namespaces")
	harness.NeedTools(t, tools...)
}

// topo is this package's topology (scripts/netns-dsr.sh).
type topo struct{ *harness.Topology }

func upTopology(t testing.TB) *topo { return &topo{harness.UpTopology(t, "netns-dsr.sh", "dsr")} }

func (tp *topo) mac(t testing.TB, ns string) string {
	t.Helper()
	out := tp.Run(t, ns, "cat", "/sys/class/net/eth0/address")
	return strings.TrimSpace(out)
}

// startLB boots sipslb in the lb namespace.
func startLB(t testing.TB, tp *topo) *harness.LB {
	t.Helper()
	return harness.StartLB(t, sipslbBin, harness.Options{Prefix: tp.Netns("lb")})
}

// realStates reads `show server real` into name → state word (ACT, FAL…).
func realStates(t testing.TB, l *harness.LB) map[string]string {
	t.Helper()
	out := l.CLI(t, "show server real")
	st := map[string]string{}
	name := ""
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) >= 2 && f[0] == "Name:":
			name = f[1]
		case len(f) >= 2 && f[0] == "sip" && name != "":
			st[name] = f[1]
		}
	}
	return st
}

// waitStates polls until every named real is in the wanted state, at most
// limit, and returns how long it took.
func waitStates(t testing.TB, l *harness.LB, want map[string]string, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		got := realStates(t, l)
		ok := true
		for k, v := range want {
			if got[k] != v {
				ok = false
			}
		}
		if ok {
			return time.Since(start)
		}
		if time.Since(start) > limit {
			t.Fatalf("real servers %v, want %v after %v", got, want, limit)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// uas is a SIPp UAS on the VIP in one rs namespace.
type uas struct {
	*harness.SIPp
}

func startUAS(t testing.TB, tp *topo, rs string) *uas {
	t.Helper()
	u := &uas{harness.StartSIPpIn(t, rs+" uas", tp.Netns(rs), "-sn", "uas", "-i", vip, "-p", "5060", "-aa", "-trace_shortmsg")}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(tp.Run(t, rs, "cat", "/proc/net/udp"), ":13C4 ") { // 5060
		if time.Now().After(deadline) {
			t.Fatalf("%s: sipp uas not bound after 10s", rs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return u
}

// calls reads the UAS short message log: Call-ID → number of requests
// received (INVITE, ACK, BYE), with the INVITE count separate.
func (u *uas) calls(t testing.TB) (msgs map[string]int, invites map[string]int) {
	t.Helper()
	msgs, invites = map[string]int{}, map[string]int{}
	files := u.Files("*shortmessages.log")
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			c := strings.Split(sc.Text(), "\t")
			if len(c) < 7 || c[3] != "R" || strings.HasPrefix(c[6], "SIP/2.0") || strings.HasPrefix(c[6], "OPTIONS") {
				continue
			}
			msgs[c[4]]++
			if strings.HasPrefix(c[6], "INVITE") {
				invites[c[4]]++
			}
		}
		fh.Close()
	}
	return msgs, invites
}

// uac runs a SIPp UAC in the client namespace, bounded in time, and
// returns its final statistics.
func uac(t testing.TB, tp *topo, calls, rate int, extra ...string) map[string]int {
	t.Helper()
	limit := time.Duration(calls/rate+30) * time.Second
	args := append([]string{"-i", clientIP, "-p", "5061", "-m", strconv.Itoa(calls), "-r", strconv.Itoa(rate),
		"-timeout", strconv.Itoa(int(limit.Seconds())) + "s"}, extra...)
	args = append(args, vip+":5060")
	u := harness.StartSIPpIn(t, "uac", tp.Netns("client"), args...)
	if u.Wait(t, limit+10*time.Second) < 0 {
		t.FailNow()
	}
	return u.Stats(t)
}
