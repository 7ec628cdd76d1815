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
	"sync"
	"syscall"
	"testing"
	"time"

	"sipslb/e2e/internal/harness"
)

// sipslbBin is the sipslb built once for the package by TestMain.
var sipslbBin string

func TestMain(m *testing.M) {
	// These daemons do not test SSH: no server, so they never compete for
	// (or, as root, take) the host's port 22.
	os.Setenv("SIPSLB_TEST_SSH", "off")
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

// missing fails the test for an absent peer; outside CI a developer may
// turn that into a loud skip with SIPSLB_E2E_SKIP_MISSING=1.
func missing(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("CI") == "" && os.Getenv("SIPSLB_E2E_SKIP_MISSING") == "1" {
		t.Skip("SKIPPED LOUDLY: " + why)
	}
	t.Fatalf("%s; scripts/install-deps.sh installs it (outside CI, SIPSLB_E2E_SKIP_MISSING=1 skips instead)", why)
}

// needTools checks every peer the package uses, before a test starts
// anything.
func needTools(t *testing.T) {
	t.Helper()
	for _, tool := range []struct{ bin, pkg string }{
		{"sipp", "sip-tester"}, {"snmpget", "snmp"}, {"snmpwalk", "snmp"}, {"snmpbulkwalk", "snmp"},
		{"snmptrapd", "snmptrapd"},
	} {
		if _, err := exec.LookPath(tool.bin); err != nil {
			missing(t, fmt.Sprintf("%s not installed (Debian package %s)", tool.bin, tool.pkg))
		}
	}
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
	missing(t, "IETF base MIBs (SNMPv2-SMI) not found (Debian package erlang-snmp)")
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

// syncBuf collects a process's output while tests read it.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// eventually polls cond every 50 ms for at most d.
func eventually(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
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

// lb is one running sipslb daemon.
type lb struct {
	dir  string
	cmd  *exec.Cmd
	log  *syncBuf
	done chan struct{}
}

// startLB boots sipslb on dir (reused across a restart) and waits for its
// control socket.
func startLB(t *testing.T, dir string) *lb {
	t.Helper()
	l := &lb{dir: dir, log: &syncBuf{}, done: make(chan struct{})}
	sock := filepath.Join(dir, "sipslb.sock")
	os.Remove(sock)
	l.cmd = exec.Command(sipslbBin, "boot", "--state-dir", dir)
	l.cmd.Stdout, l.cmd.Stderr = l.log, l.log
	if err := l.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { l.cmd.Wait(); close(l.done) }()
	t.Cleanup(func() {
		l.stop(t)
		if strings.Contains(l.log.String(), "WARNING: DATA RACE") {
			t.Errorf("sipslb (built with -race, SIPSLB_BIN) reported a data race")
		}
		if t.Failed() {
			t.Logf("sipslb log (%s):\n%s", dir, tail(l.log.String(), 6000))
		}
	})
	if !eventually(10*time.Second, func() bool { _, err := os.Stat(sock); return err == nil }) {
		t.Fatalf("sipslb did not create %s within 10s:\n%s", sock, l.log.String())
	}
	return l
}

// stop sends SIGTERM and waits (bounded) for the daemon to exit.
func (l *lb) stop(t *testing.T) {
	select {
	case <-l.done:
		return
	default:
	}
	l.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-l.done:
	case <-time.After(10 * time.Second):
		t.Errorf("sipslb did not stop within 10s of SIGTERM: killed")
		l.cmd.Process.Kill()
		<-l.done
	}
}

// cli runs lines in one `sipslb cli -c` session; any failed line fails the
// test.
func (l *lb) cli(t *testing.T, lines ...string) string {
	t.Helper()
	args := []string{"cli", "--state-dir", l.dir}
	for _, ln := range lines {
		args = append(args, "-c", ln)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, sipslbBin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("sipslb cli %q: %v\n%s", lines, err, out)
	}
	return string(out)
}

func (l *lb) configure(t *testing.T, lines ...string) string {
	t.Helper()
	return l.cli(t, append(append([]string{"configure terminal"}, lines...), "end")...)
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

// sipp is one SIPp process in its own directory.
type sipp struct {
	name string
	dir  string
	cmd  *exec.Cmd
	out  *syncBuf
	done chan struct{}
}

func startSIPp(t *testing.T, name string, args ...string) *sipp {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s := &sipp{name: name, dir: dir, out: &syncBuf{}, done: make(chan struct{})}
	base := []string{"-nostdin", "-trace_stat", "-stf", "stat.csv", "-fd", "1", "-trace_err", "-buff_size", "1048576"}
	s.cmd = exec.Command("sipp", append(base, args...)...)
	s.cmd.Dir = dir
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.cmd.Wait(); close(s.done) }()
	t.Cleanup(func() {
		s.kill()
		if t.Failed() {
			t.Logf("%s output (last 2000 bytes):\n%s", s.name, tail(s.out.String(), 2000))
		}
	})
	return s
}

// kill ends the process at once (a dead server, for the health checks).
func (s *sipp) kill() {
	select {
	case <-s.done:
	default:
		s.cmd.Process.Kill()
		<-s.done
	}
}

func (s *sipp) wait(t *testing.T, d time.Duration) int {
	t.Helper()
	select {
	case <-s.done:
	case <-time.After(d):
		t.Errorf("%s still running after %v: killed", s.name, d)
		s.kill()
		return -1
	}
	return s.cmd.ProcessState.ExitCode()
}

func scenario(name string) string {
	p, _ := filepath.Abs(filepath.Join("testdata", name))
	return p
}

// uas starts a SIPp UAS on addr:5060 that also answers OPTIONS (-aa).
func uas(t *testing.T, name, addr string) *sipp {
	t.Helper()
	s := startSIPp(t, name, "-sf", scenario("uas.xml"), "-i", addr, "-p", "5060", "-aa", "-mi", addr)
	waitUDP(t, addr, 5060)
	return s
}

// uac places calls through target and waits (bounded) for the end; every
// call must succeed.
func uac(t *testing.T, addr, target string, calls, rate int) {
	t.Helper()
	s := startSIPp(t, "uac", "-sf", scenario("uac.xml"), "-i", addr, "-p", "5061", "-mi", addr,
		"-m", strconv.Itoa(calls), "-r", strconv.Itoa(rate), "-timeout", "60s", target)
	if code := s.wait(t, 70*time.Second); code != 0 {
		t.Fatalf("sipp uac exit %d:\n%s", code, tail(s.out.String(), 2000))
	}
	st := lastRow(t, filepath.Join(s.dir, "stat.csv"))
	if st["SuccessfulCall(C)"] != calls || st["FailedCall(C)"] != 0 {
		t.Fatalf("uac: %d of %d calls succeeded, %d failed", st["SuccessfulCall(C)"], calls, st["FailedCall(C)"])
	}
}

func lastRow(t *testing.T, path string) map[string]int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	header, last := strings.Split(lines[0], ";"), strings.Split(lines[len(lines)-1], ";")
	out := map[string]int{}
	for i, h := range header {
		if i < len(last) {
			if n, err := strconv.Atoi(strings.TrimSpace(last[i])); err == nil {
				out[h] = n
			}
		}
	}
	return out
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// waitUDP waits (at most 10 s) until something is bound on addr:port/udp.
func waitUDP(t *testing.T, addr string, port int) {
	t.Helper()
	if !eventually(10*time.Second, func() bool { return harness.UDPBound(addr, port) }) {
		t.Fatalf("nothing bound on %s:%d/udp after 10s", addr, port)
	}
}

// waitAgent waits (at most 10 s) until the agent answers v2c.
func waitAgent(t *testing.T, m *manager) {
	t.Helper()
	var last string
	ok := eventually(10*time.Second, func() bool {
		out, errs, err := m.run(t, "snmpget", []string{"-v2c", "-c", community, "-r0", "-t1", "-On"}, ".1.3.6.1.2.1.1.3.0")
		last = out + errs
		return err == nil
	})
	if !ok {
		t.Fatalf("the SNMP agent at %s did not answer within 10s: %s", m.target, last)
	}
}
