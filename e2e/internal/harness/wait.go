package harness

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"
)

// Eventually polls cond every 50 ms for at most limit and reports whether
// it held.
func Eventually(limit time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(limit)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// WaitFor polls cond for at most limit and fails the test if it never
// held; what names the condition in the failure.
func WaitFor(t testing.TB, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	if !Eventually(limit, cond) {
		t.Fatalf("timed out after %v waiting for %s", limit, what)
	}
}

// WaitUDP waits (at most 10 s) until something is bound on ip:port/udp.
func WaitUDP(t testing.TB, ip string, port int) {
	t.Helper()
	WaitFor(t, 10*time.Second, fmt.Sprintf("a socket on %s:%d/udp", ip, port), func() bool { return UDPBound(ip, port) })
}

// debianPackage names the package that ships each tool the end-to-end
// tests run (scripts/install-deps.sh installs every one; `make test` runs
// it first).
var debianPackage = map[string]string{
	"sipp": "sip-tester", "ip": "iproute2", "tcpdump": "tcpdump", "ssh": "openssh-client",
	"snmpget": "snmp", "snmpwalk": "snmp", "snmpbulkwalk": "snmp", "snmptrapd": "snmptrapd",
	"systemd-analyze": "systemd", "ssh-keygen": "openssh-client", "ssh-keyscan": "openssh-client",
	"prometheus": "prometheus", "promtool": "prometheus",
}

// NeedTools fails the test when a program is missing. It never skips:
// `make test` installs every tool first (make deps), so a missing one is a
// broken machine, not a reason to test less.
func NeedTools(t testing.TB, bins ...string) {
	t.Helper()
	for _, bin := range bins {
		if _, err := exec.LookPath(bin); err != nil {
			pkg := debianPackage[bin]
			if pkg == "" {
				pkg = "see scripts/install-deps.sh"
			}
			t.Fatalf("%s not installed (Debian package %s; `make deps` or scripts/install-deps.sh installs it)", bin, pkg)
		}
	}
}

// NeedRoot skips the test when not run as root, saying why it needs
// root. It is the only reason an end-to-end test may skip.
func NeedRoot(t testing.TB, why string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("not root: " + why + " (CI runs as root)")
	}
}
