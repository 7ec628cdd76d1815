// Package harness is what every end-to-end test package shares: it builds
// sipslb once per package, runs the daemon and its CLI, runs SIPp and other
// peers as background processes, waits for conditions with a bound, and
// fails a test whose tool is missing. Tests send traffic only to
// 127.0.0.0/8, ::1 or network namespaces they create and delete.
//
// A package's TestMain builds the binary:
//
//	var bin string
//
//	func TestMain(m *testing.M) { harness.Main(m, "mypkg", &bin) }
//
// A test boots a daemon on a fresh state directory, configures it through
// `sipslb cli -c` and reads show output; the daemon is stopped (and its
// log printed if the test failed) at cleanup:
//
//	func TestSomething(t *testing.T) {
//		harness.NeedTools(t, "sipp")          // fails (never skips) if missing
//		l := harness.StartLB(t, bin, harness.Options{})
//		l.Configure(t, "server real rs1 127.77.9.11", "port sip", "exit")
//		out := l.CLI(t, "show server real")   // fails the test on exit != 0
//		_, errOut, code := l.Run("shwo version") // a line expected to fail
//		uas := harness.StartSIPp(t, "rs1", "-sf", harness.Scenario("uas.xml"),
//			"-i", "127.77.9.11", "-p", "5060", "-aa", "-mi", "127.77.9.11")
//		harness.WaitUDP(t, "127.77.9.11", 5060)
//		harness.WaitFor(t, 10*time.Second, "rs1 up", func() bool {
//			return strings.Contains(l.CLI(t, "show server real rs1"), "ACT")
//		})
//		...
//	}
//
// What is where: Main and MainWith (build once), StartLB / LB (the daemon:
// CLI, Run, Configure, Log, Signal, Stop, Exited), Start / Proc (any
// background process), StartSIPp / SIPp (SIPp in its own directory: Wait,
// Stop, Stats, Counts, Files), StartScreen / Screen (a program on a pty
// through a VT100 emulator: the interactive CLI, ssh -tt), UpTopology /
// Topology (a network-namespace topology built by a scripts/netns-*.sh:
// In, Run, Netns, ReasmOKs; removed in Cleanup), WaitFor,
// Eventually and WaitUDP (bounded waits), NeedTools and NeedRoot (the
// only allowed skip is "not root"), Scenario, LastRow, Tail and
// SyncBuffer (small helpers).
package harness

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// BuildTags are the tags of the binary end-to-end tests run: sipslbtest
// compiles in the test hooks (SIPSLB_TEST_SSH, SIPSLB_TEST_WEDGE,
// SIPSLB_TEST_FAULT) that the release build leaves out. A prebuilt
// SIPSLB_BIN must be built with them too.
const BuildTags = "sipslbtest"

// Main is a package's TestMain: it sets *bin to SIPSLB_BIN when given (a
// prebuilt binary, e.g. a -race build, built with -tags sipslbtest), else
// builds sipslb from this tree with BuildTags into a temporary directory,
// runs the tests, removes the directory and exits.
func Main(m *testing.M, pkg string, bin *string) { MainWith(m, pkg, bin, nil) }

// MainWith is Main with a setup step: setup (when not nil) gets the
// package's temporary directory, which lives until the tests end, for
// files of its own (keys, scripts); an error from it ends the run.
func MainWith(m *testing.M, pkg string, bin *string, setup func(dir string) error) {
	dir, err := os.MkdirTemp("", "sipslb-e2e-"+pkg+"-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(run(m, dir, bin, setup))
}

func run(m *testing.M, dir string, bin *string, setup func(dir string) error) int {
	defer os.RemoveAll(dir)
	if b := os.Getenv("SIPSLB_BIN"); b != "" {
		*bin = b
	} else {
		*bin = filepath.Join(dir, "sipslb")
		out, err := exec.Command("go", "build", "-tags", BuildTags, "-o", *bin, "sipslb").CombinedOutput()
		if err != nil {
			fmt.Fprintf(os.Stderr, "building sipslb: %v\n%s", err, out)
			return 1
		}
	}
	if setup != nil {
		if err := setup(dir); err != nil {
			fmt.Fprintln(os.Stderr, "test setup:", err)
			return 1
		}
	}
	return m.Run()
}

// UDPBound reports whether a UDP socket is bound to ip:port (or to the
// wildcard address and port), according to /proc/net/udp and udp6.
func UDPBound(ip string, port int) bool {
	want := netip.MustParseAddr(ip)
	for _, f := range []string{"/proc/net/udp", "/proc/net/udp6"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			fields := strings.Fields(line)
			if len(fields) < 2 {
				continue
			}
			a, p, ok := parseProcAddr(fields[1])
			if ok && p == port && (a == want || a.IsUnspecified()) {
				return true
			}
		}
	}
	return false
}

func parseProcAddr(s string) (netip.Addr, int, bool) {
	h, ps, ok := strings.Cut(s, ":")
	if !ok {
		return netip.Addr{}, 0, false
	}
	var port int
	fmt.Sscanf(ps, "%X", &port)
	raw, err := hex.DecodeString(h)
	if err != nil {
		return netip.Addr{}, 0, false
	}
	// The kernel prints each 32-bit word in host (little-endian) order.
	for i := 0; i+4 <= len(raw); i += 4 {
		binary.BigEndian.PutUint32(raw[i:], binary.LittleEndian.Uint32(raw[i:]))
	}
	a, ok := netip.AddrFromSlice(raw)
	return a.Unmap(), port, ok
}
