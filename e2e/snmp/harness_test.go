package snmp

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"sipslb/e2e/internal/harness"
)

// sipslbBin is the sipslb built once for the package by TestMain.
var sipslbBin string

func TestMain(m *testing.M) {
	harness.Main(m, "snmp", &sipslbBin)
}

// ip is host h of test n's own block 127.55.n.0/24.
func ip(n, h int) string { return fmt.Sprintf("127.55.%d.%d", n, h) }

const (
	snmpPort  = 16161
	trapPort  = 16162
	community = "e2e-ro"
	userPriv  = "ops"    // authPriv: SHA + AES
	userAuth  = "viewer" // authNoPriv: SHA
	authPass  = "auth-pass-e2e"
	privPass  = "priv-pass-e2e"
	auth2Pass = "auth-pass-viewer"
)

// needTools checks every peer the package uses, before a test starts
// anything.
func needTools(t *testing.T) {
	t.Helper()
	harness.NeedTools(t, "sipp", "snmpget", "snmpwalk", "snmpbulkwalk", "snmptrapd")
	baseMIBDir(t)
}

// baseMIBDir finds the IETF base modules our MIBs import (Debian's snmp
// package has none; erlang-snmp or snmp-mibs-downloader ship them).
func baseMIBDir(t *testing.T) string {
	t.Helper()
	cands, _ := filepath.Glob("/usr/lib/erlang/lib/snmp-*/mibs")
	cands = append(cands, "/usr/share/snmp/mibs/ietf", "/usr/share/mibs/ietf")
	for _, d := range cands {
		for _, f := range []string{"SNMPv2-SMI.mib", "SNMPv2-SMI"} {
			if _, err := os.Stat(filepath.Join(d, f)); err == nil {
				return d
			}
		}
	}
	t.Fatal("IETF base MIBs (SNMPv2-SMI) not found (Debian package erlang-snmp; `make deps` or scripts/install-deps.sh installs it)")
	return ""
}

func mibDir(t *testing.T) string {
	t.Helper()
	d, err := filepath.Abs("../../mibs")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// startLB boots the package's sipslb on dir (reused across a restart).
func startLB(t *testing.T, dir string) *harness.LB {
	return harness.StartLB(t, sipslbBin, harness.Options{Dir: dir})
}

// agentLines configures the agent on vip:16161 with a v2c community, an
// authPriv user and an authNoPriv user. The address and port come first:
// the agent binds as soon as a community exists.
func agentLines(vip string) []string {
	return []string{
		"snmp-server listen-address " + vip,
		fmt.Sprintf("snmp-server port %d", snmpPort),
		"snmp-server community " + community + " ro",
		"snmp-server user " + userPriv + " auth sha " + authPass + " priv aes " + privPass,
		"snmp-server user " + userAuth + " auth sha " + auth2Pass,
	}
}

// farmLines: real servers rs1 (.11) and rs2 (.12) on port sip, VIP .100
// bound to both.
func farmLines(n int) []string {
	return []string{
		"server real rs1 " + ip(n, 11), "port sip", "exit",
		"server real rs2 " + ip(n, 12), "port sip", "exit",
		"server virtual vip " + ip(n, 100), "port sip", "bind sip rs1 sip rs2 sip", "exit",
	}
}

// manager runs net-snmp tools against one agent with a private config
// and persistent dir, our MIBs and the IETF base MIBs loaded.
type manager struct {
	target string
	env    []string
	mibs   []string
}

func newManager(t *testing.T, agent string) *manager {
	t.Helper()
	dir := t.TempDir()
	// net-snmp says "Created directory" on stderr the first time.
	if err := os.MkdirAll(filepath.Join(dir, "persist", "cert_indexes"), 0o700); err != nil {
		t.Fatal(err)
	}
	return &manager{
		target: "udp:" + agent,
		env: append(os.Environ(), "SNMPCONFPATH="+filepath.Join(dir, "conf"),
			"SNMP_PERSISTENT_DIR="+filepath.Join(dir, "persist")),
		mibs: []string{"-M", baseMIBDir(t) + ":" + mibDir(t), "-m", "SIPSLB-SMI:SIPSLB-SIP-MIB:SIPSLB-SERVERIRON-COMPAT-MIB"},
	}
}

// run runs tool with the MIB options, args, the target, then oids. It
// returns stdout and stderr; a tool run never takes more than 30 s.
func (m *manager) run(t *testing.T, tool string, args []string, oids ...string) (string, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	all := append(append(append(append([]string{}, m.mibs...), args...), m.target), oids...)
	cmd := exec.CommandContext(ctx, tool, all...)
	cmd.Env = m.env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}

// must is run that fails the test on an error or on anything on stderr.
func (m *manager) must(t *testing.T, tool string, args []string, oids ...string) string {
	t.Helper()
	out, errs, err := m.run(t, tool, args, oids...)
	if err != nil || strings.TrimSpace(errs) != "" {
		t.Fatalf("%s %v %v: %v\n%s%s", tool, args, oids, err, out, errs)
	}
	return out
}

var (
	v2c    = []string{"-v2c", "-c", community, "-r1", "-t3"}
	v3Priv = []string{"-v3", "-l", "authPriv", "-u", userPriv, "-a", "SHA", "-A", authPass, "-x", "AES", "-X", privPass, "-r1", "-t3"}
)

// varbind is one "OID = TYPE: value" line of net-snmp output.
type varbind struct{ oid, val string }

// parseVars splits net-snmp output into varbinds. A value that net-snmp
// wraps over several lines (long Hex-STRINGs) is joined.
func parseVars(out string) []varbind {
	var vs []varbind
	for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		oid, val, ok := strings.Cut(line, " = ")
		if !ok || strings.ContainsAny(oid, " \t") {
			if len(vs) > 0 {
				vs[len(vs)-1].val += " " + strings.TrimSpace(line)
			}
			continue
		}
		vs = append(vs, varbind{oid, strings.TrimSpace(val)})
	}
	return vs
}

func varMap(vs []varbind) map[string]string {
	m := map[string]string{}
	for _, v := range vs {
		m[v.oid] = v.val
	}
	return m
}

// number reads the integer of a counter, gauge or integer value
// ("Counter64: 600", "INTEGER: 1", "Gauge32: 3").
func number(val string) (uint64, bool) {
	_, v, ok := strings.Cut(val, ": ")
	if !ok {
		return 0, false
	}
	f := strings.Fields(v)
	if len(f) == 0 {
		return 0, false
	}
	n, err := strconv.ParseUint(f[0], 10, 64)
	return n, err == nil
}

// hexOctets reads a Hex-STRING value as bytes.
func hexOctets(val string) ([]byte, bool) {
	_, v, ok := strings.Cut(val, "Hex-STRING: ")
	if !ok {
		return nil, false
	}
	b, err := hex.DecodeString(strings.Join(strings.Fields(v), ""))
	return b, err == nil
}

// uas starts a SIPp UAS on addr:5060 that also answers OPTIONS (-aa).
func uas(t *testing.T, name, addr string) *harness.SIPp {
	t.Helper()
	s := harness.StartSIPp(t, name, "-sf", harness.Scenario("uas.xml"), "-i", addr, "-p", "5060", "-aa", "-mi", addr)
	harness.WaitUDP(t, addr, 5060)
	return s
}

// uac places calls through target and waits (bounded) for the end; every
// call must succeed.
func uac(t *testing.T, addr, target string, calls, rate int) {
	t.Helper()
	s := harness.StartSIPp(t, "uac", "-sf", harness.Scenario("uac.xml"), "-i", addr, "-p", "5061", "-mi", addr,
		"-m", strconv.Itoa(calls), "-r", strconv.Itoa(rate), "-timeout", "60s", target)
	if code := s.Wait(t, 70*time.Second); code != 0 {
		t.Fatalf("sipp uac exit %d:\n%s", code, harness.Tail(s.Output(), 2000))
	}
	st := s.Stats(t)
	if st["SuccessfulCall(C)"] != calls || st["FailedCall(C)"] != 0 {
		t.Fatalf("uac: %d of %d calls succeeded, %d failed", st["SuccessfulCall(C)"], calls, st["FailedCall(C)"])
	}
}

// waitAgent waits (at most 10 s) until the agent answers v2c.
func waitAgent(t *testing.T, m *manager) {
	t.Helper()
	var last string
	ok := harness.Eventually(10*time.Second, func() bool {
		out, errs, err := m.run(t, "snmpget", []string{"-v2c", "-c", community, "-r0", "-t1", "-On"}, ".1.3.6.1.2.1.1.3.0")
		last = out + errs
		return err == nil
	})
	if !ok {
		t.Fatalf("the SNMP agent at %s did not answer within 10s: %s", m.target, last)
	}
}
