package health

import (
	"context"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"sipslb/slb/status"
)

// startSIPp runs a SIPp UAS on addr (ip, port 5060) that answers OPTIONS with
// 200 (-aa). It is killed when the test ends or when stop is called.
func startSIPp(t *testing.T, ip string) (stop func()) {
	t.Helper()
	path, err := exec.LookPath("sipp")
	if err != nil {
		t.Fatal("sipp not installed (Debian package sip-tester; `make deps` or scripts/install-deps.sh installs it): the prober cannot be tested against a real SIP UAS")
	}
	ctx, cancel := context.WithCancel(context.Background())
	dir := t.TempDir()
	cmd := exec.CommandContext(ctx, path, "-sn", "uas", "-aa", "-i", ip, "-p", "5060",
		"-nostdin", "-timeout", "60", "-trace_err", "-error_file", filepath.Join(dir, "errors.log"))
	cmd.Dir = dir // SIPp drops its log files in the working directory
	out, err := os.Create(filepath.Join(dir, "sipp.out"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatalf("start sipp: %v", err)
	}
	stop = func() {
		cancel()
		cmd.Wait()
	}
	t.Cleanup(func() {
		stop()
		out.Close()
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(dir, "errors.log"))
			t.Logf("sipp errors:\n%s", b)
		}
	})
	return stop
}

// TestSIPpUAS: SIPp, a real SIP stack, accepts our OPTIONS and its answer
// matches our transaction, so the target comes up; once SIPp dies, ICMP takes
// the target down.
func TestSIPpUAS(t *testing.T) {
	t.Parallel()
	const ip = "127.77.20.1"
	stop := startSIPp(t, ip)
	target := netip.AddrPortFrom(netip.MustParseAddr(ip), 5060)
	c := testCheck(target, "127.77.20.2")
	c.Rise = 2
	p, log := startProber(t)
	k := Key{Real: "sipp", Port: 5060}
	mustUpdate(t, p, map[Key]Check{k: c})
	// SIPp may still be starting: its port then refuses, the first result
	// is Down, and Rise good probes bring it up.
	waitFor(t, 10*time.Second, "sipp target up", func() bool { return stateOf(p, k) == status.Up })
	st := p.Status()[k]
	if st.LastResult.Kind != ResultAccepted || st.LastResult.Code != 200 {
		t.Fatalf("last result %+v", st.LastResult)
	}
	if st.StaleResponses != 0 || st.BadResponses != 0 {
		t.Errorf("stale %d bad %d answers from sipp, want none", st.StaleResponses, st.BadResponses)
	}
	// Several probes in a row succeed: every fresh branch and Call-ID is
	// answered.
	okBefore := st.ProbesOK
	waitFor(t, 5*time.Second, "three more good probes", func() bool { return p.Status()[k].ProbesOK >= okBefore+3 })
	if st := p.Status()[k]; st.State != status.Up || st.ProbesFailed > 2 {
		t.Errorf("state %v, %d failed probes; events %s", st.State, st.ProbesFailed, transitions(log.events()))
	}

	stop()
	waitFor(t, 5*time.Second, "target down after sipp exit", func() bool { return stateOf(p, k) == status.Down })
	if st := p.Status()[k]; st.LastResult.Kind != ResultUnreachable || st.ConsecutiveFailures != c.Fall {
		t.Errorf("down with %+v after %d failures, want icmp-unreachable after %d", st.LastResult, st.ConsecutiveFailures, c.Fall)
	}
}
