package snmp

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// mibDir is the repository's mibs/ directory.
func mibDir(t *testing.T) string {
	t.Helper()
	d, err := filepath.Abs("../../mibs")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// baseMIBDir finds the IETF base modules (SNMPv2-SMI, SNMPv2-TC,
// INET-ADDRESS-MIB, ...) our modules import. Debian ships them in
// erlang-snmp (main) or snmp-mibs-downloader (non-free); net-snmp's own
// package has none.
func baseMIBDir(t *testing.T) string {
	t.Helper()
	cands := []string{"/usr/share/snmp/mibs/ietf", "/usr/share/mibs/ietf"}
	if m, _ := filepath.Glob("/usr/lib/erlang/lib/snmp-*/mibs"); len(m) > 0 {
		cands = append(m, cands...)
	}
	for _, d := range cands {
		if _, err := os.Stat(filepath.Join(d, "SNMPv2-SMI.mib")); err == nil {
			return d
		}
		if _, err := os.Stat(filepath.Join(d, "SNMPv2-SMI")); err == nil {
			return d
		}
	}
	t.Fatal("IETF base MIBs (SNMPv2-SMI) not found (Debian package erlang-snmp; `make deps` or scripts/install-deps.sh installs it)")
	return ""
}

var ourModules = []string{"SIPSLB-SMI", "SIPSLB-SIP-MIB", "SIPSLB-SERVERIRON-COMPAT-MIB"}

func TestMIBFilesLint(t *testing.T) {
	smilint := needTool(t, "smilint")
	base := baseMIBDir(t)
	files, err := os.ReadDir(mibDir(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(ourModules) {
		t.Errorf("mibs/ has %d files, test knows %d modules", len(files), len(ourModules))
	}
	for _, f := range files {
		t.Run(f.Name(), func(t *testing.T) {
			cmd := exec.Command(smilint, "-l", "3", "-s", filepath.Join(mibDir(t), f.Name()))
			cmd.Env = append(os.Environ(), "SMIPATH="+base+":"+mibDir(t))
			out, err := cmd.CombinedOutput()
			if err != nil || len(out) != 0 {
				t.Errorf("smilint -l 3 -s %s: %v\n%s", f.Name(), err, out)
			}
		})
	}
}

func translate(t *testing.T, args ...string) string {
	t.Helper()
	base := baseMIBDir(t)
	all := append([]string{"-M", base + ":" + mibDir(t), "-m", strings.Join(ourModules, ":")}, args...)
	out, err := run(t, "snmptranslate", all...)
	if err != nil {
		t.Fatalf("snmptranslate %v: %v\n%s", args, err, out)
	}
	return out
}

// TestMIBFilesAgree checks that the readable objects in our MIB files
// (net-snmp's view of them) are exactly the objects the agent registers
// under the product arcs.
func TestMIBFilesAgree(t *testing.T) {
	needTool(t, "snmptranslate")
	// -Tp prints the tree with access flags: "-R--" readable.
	re := regexp.MustCompile(`-R-- +\S+ +(\w+)\(\d+\)`)
	var names []string
	for _, root := range []string{"SIPSLB-SERVERIRON-COMPAT-MIB::snL4", "SIPSLB-SIP-MIB::sipslbSipMIB"} {
		mod, _, _ := strings.Cut(root, "::")
		for _, m := range re.FindAllStringSubmatch(translate(t, "-Tp", root), -1) {
			names = append(names, mod+"::"+m[1])
		}
	}
	if len(names) < 50 {
		t.Fatalf("only %d readable objects found in the MIB files", len(names))
	}
	args := []string{"-On"}
	for _, n := range names {
		args = append(args, n)
	}
	fromMIB := strings.Fields(translate(t, args...))
	slices.Sort(fromMIB)

	a, err := New(Options{StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	var fromAgent []string
	for _, o := range a.reg.objectOIDs() {
		if o.HasPrefix(oidSnL4) || o.HasPrefix(oidSipObjects) {
			fromAgent = append(fromAgent, o.String())
		}
	}
	slices.Sort(fromAgent)
	if !slices.Equal(fromMIB, fromAgent) {
		t.Errorf("MIB files and agent disagree\nonly in MIB:   %v\nonly in agent: %v",
			minus(fromMIB, fromAgent), minus(fromAgent, fromMIB))
	}

	// Notifications and their objects as the agent sends them.
	got := strings.Fields(translate(t, "-On",
		"SIPSLB-SERVERIRON-COMPAT-MIB::snTrapL4RealServerUp", "SIPSLB-SERVERIRON-COMPAT-MIB::snTrapL4RealServerDown",
		"SIPSLB-SERVERIRON-COMPAT-MIB::snTrapL4RealServerPortUp", "SIPSLB-SERVERIRON-COMPAT-MIB::snTrapL4RealServerPortDown",
		"SIPSLB-SERVERIRON-COMPAT-MIB::snL4TrapRealServerIP.0", "SIPSLB-SERVERIRON-COMPAT-MIB::snL4TrapRealServerName.0",
		"SIPSLB-SERVERIRON-COMPAT-MIB::snL4TrapRealServerPort.0", "SIPSLB-SMI::sipslbAppliance"))
	var want []string
	for _, k := range []TrapKind{TrapRealServerUp, TrapRealServerDown, TrapRealServerPortUp, TrapRealServerPortDown} {
		o, _ := k.oid()
		want = append(want, o.String())
	}
	want = append(want, oidSnL4TrapIP.String(), oidSnL4TrapName.String(), oidSnL4TrapPort.String(), ProductOID.String())
	if !slices.Equal(got, want) {
		t.Errorf("notification OIDs: MIB %v, agent %v", got, want)
	}
}

func minus(a, b []string) []string {
	var r []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			r = append(r, x)
		}
	}
	return r
}
