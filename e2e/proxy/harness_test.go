package proxy

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"sipslb/e2e/internal/harness"
)

// sipslbBin is the sipslb built once for the package by TestMain.
var sipslbBin string

func TestMain(m *testing.M) {
	harness.Main(m, "proxy", &sipslbBin)
}

// startLB boots the package's sipslb on a fresh state directory.
func startLB(t *testing.T) *harness.LB { return harness.StartLB(t, sipslbBin, harness.Options{}) }

// sum adds the counters whose name ends with suffix (per-message counts
// are named "<index>_<message>_<what>").
func sum(m map[string]int, suffix string) int {
	n := 0
	for k, v := range m {
		if strings.HasSuffix(k, suffix) {
			n += v
		}
	}
	return n
}

// uas starts a SIPp UAS on ip:port with the scenario file (auto-answering
// the health checks' OPTIONS).
func uas(t *testing.T, name, ip string, port int, file string, extra ...string) *harness.SIPp {
	t.Helper()
	args := append([]string{"-sf", harness.Scenario(file), "-i", ip, "-p", strconv.Itoa(port), "-aa", "-mi", ip}, extra...)
	s := harness.StartSIPp(t, name, args...)
	harness.WaitUDP(t, ip, port)
	return s
}

// uac runs a SIPp UAC against target and waits (bounded) for it to end.
func uac(t *testing.T, ip string, port int, target, file string, calls, rate int, limit time.Duration, extra ...string) (*harness.SIPp, int) {
	t.Helper()
	args := append([]string{"-sf", harness.Scenario(file), "-i", ip, "-p", strconv.Itoa(port), "-mi", ip,
		"-m", strconv.Itoa(calls), "-r", strconv.Itoa(rate), "-timeout", strconv.Itoa(int(limit.Seconds())) + "s"}, extra...)
	args = append(args, target)
	s := harness.StartSIPp(t, "uac", args...)
	code := s.Wait(t, limit+10*time.Second)
	return s, code
}
