package dsr

import (
	"bufio"
	"bytes"
	"context"
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

const (
	vip      = "198.51.100.100"
	lbIP     = "198.51.100.2"
	clientIP = "198.51.100.10"
)

var sipslbBin string

func TestMain(m *testing.M) {
	if os.Geteuid() != 0 {
		// The test itself skips loudly; no build needed.
		os.Exit(m.Run())
	}
	harness.Main(m, "dsr", &sipslbBin)
}

func needs(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("SKIPPED LOUDLY: the DSR test needs root for network namespaces (CI runs as root)")
	}
	for _, tool := range []string{"ip", "sipp", "tcpdump"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("SKIPPED LOUDLY: %s not installed (scripts/install-deps.sh installs iproute2, sip-tester, tcpdump)", tool)
		}
	}
}

// topo is one instance of the topology, named uniquely for this run.
type topo struct{ prefix string }

func script() string {
	p, _ := filepath.Abs("../../scripts/netns-dsr.sh")
	return p
}

func upTopology(t testing.TB) *topo {
	t.Helper()
	tp := &topo{prefix: fmt.Sprintf("dsr%d", os.Getpid())}
	down := func() {
		if out, err := exec.Command(script(), "down", tp.prefix).CombinedOutput(); err != nil {
			t.Logf("topology down: %v\n%s", err, out)
		}
	}
	down() // a leftover of a killed run with the same pid
	t.Cleanup(down)
	if out, err := exec.Command(script(), "up", tp.prefix).CombinedOutput(); err != nil {
		t.Fatalf("topology up: %v\n%s", err, out)
	}
	return tp
}

func (tp *topo) ns(name string) string { return tp.prefix + "-" + name }

// in returns a command that runs in namespace ns.
func (tp *topo) in(ns string, name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", tp.ns(ns), name}, args...)...)
}

func (tp *topo) run(t testing.TB, ns string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", tp.ns(ns), name}, args...)...)
	out, err := c.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s %v: %v\n%s", ns, name, args, err, out)
	}
	return string(out)
}

func (tp *topo) mac(t testing.TB, ns string) string {
	t.Helper()
	out := tp.run(t, ns, "cat", "/sys/class/net/eth0/address")
	return strings.TrimSpace(out)
}

// proc is a background process with its output collected.
type proc struct {
	name string
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{}
}

func (p *proc) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.Write(b)
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

func start(t testing.TB, name string, cmd *exec.Cmd) *proc {
	t.Helper()
	p := &proc{name: name, cmd: cmd, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p, p
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	go func() { cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("%s output (last 3000 bytes):\n%s", name, tail(p.output(), 3000))
		}
	})
	return p
}

// stop sends SIGTERM, then SIGKILL after 5 s.
func (p *proc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

func (p *proc) kill() {
	p.cmd.Process.Kill()
	<-p.done
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// lb is the sipslb daemon in the lb namespace.
type lb struct {
	dir string
	p   *proc
}

func startLB(t testing.TB, tp *topo) *lb {
	t.Helper()
	l := &lb{dir: t.TempDir()}
	l.p = start(t, "sipslb", tp.in("lb", sipslbBin, "boot", "--state-dir", l.dir))
	sock := filepath.Join(l.dir, "sipslb.sock")
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(sock); err == nil {
			return l
		}
		if time.Now().After(deadline) {
			t.Fatalf("sipslb did not create %s within 10s", sock)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// cli runs lines in one `sipslb cli -c` session (the control socket is a
// file, so the CLI needs no namespace).
func (l *lb) cli(t testing.TB, lines ...string) string {
	t.Helper()
	args := []string{"cli", "--state-dir", l.dir}
	for _, ln := range lines {
		args = append(args, "-c", ln)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, sipslbBin, args...).CombinedOutput()
	if err != nil || bytes.Contains(out, []byte("% ")) {
		t.Fatalf("sipslb cli %q: %v\n%s", lines, err, out)
	}
	return string(out)
}

func (l *lb) configure(t testing.TB, lines ...string) string {
	t.Helper()
	return l.cli(t, append(append([]string{"configure terminal"}, lines...), "end")...)
}

// realStates reads `show server real` into name → state word (ACT, FAL…).
func (l *lb) realStates(t testing.TB) map[string]string {
	t.Helper()
	out := l.cli(t, "show server real")
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
func (l *lb) waitStates(t testing.TB, want map[string]string, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		got := l.realStates(t)
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
	dir string
	p   *proc
}

func startUAS(t testing.TB, tp *topo, rs string) *uas {
	t.Helper()
	dir := filepath.Join(t.TempDir(), rs)
	os.MkdirAll(dir, 0o755)
	c := tp.in(rs, "sipp", "-sn", "uas", "-i", vip, "-p", "5060", "-aa", "-nostdin", "-trace_shortmsg", "-buff_size", "1048576")
	c.Dir = dir
	u := &uas{dir: dir, p: start(t, rs+" uas", c)}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(tp.run(t, rs, "cat", "/proc/net/udp"), ":13C4 ") { // 5060
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
	files, _ := filepath.Glob(filepath.Join(u.dir, "*shortmessages.log"))
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
	dir := t.TempDir()
	limit := time.Duration(calls/rate+30) * time.Second
	args := append([]string{"-i", clientIP, "-p", "5061", "-m", strconv.Itoa(calls), "-r", strconv.Itoa(rate),
		"-nostdin", "-trace_stat", "-stf", "stat.csv", "-fd", "1", "-buff_size", "1048576",
		"-timeout", strconv.Itoa(int(limit.Seconds())) + "s"}, extra...)
	args = append(args, vip+":5060")
	c := tp.in("client", "sipp", args...)
	c.Dir = dir
	p := start(t, "uac", c)
	select {
	case <-p.done:
	case <-time.After(limit + 10*time.Second):
		p.kill()
		t.Fatalf("uac still running after %v", limit+10*time.Second)
	}
	return lastRow(t, filepath.Join(dir, "stat.csv"))
}

func lastRow(t testing.TB, path string) map[string]int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) < 2 {
		t.Fatalf("%s: no statistics", path)
	}
	h, l := strings.Split(lines[0], ";"), strings.Split(lines[len(lines)-1], ";")
	out := map[string]int{}
	for i := range h {
		if i < len(l) {
			if n, err := strconv.Atoi(strings.TrimSpace(l[i])); err == nil {
				out[h[i]] = n
			}
		}
	}
	return out
}

func scenario(name string) string {
	p, _ := filepath.Abs(filepath.Join("testdata", name))
	return p
}

// reasmOKs is the namespace's count of IP datagrams reassembled.
func (tp *topo) reasmOKs(t testing.TB, ns string) int {
	t.Helper()
	out := tp.run(t, ns, "cat", "/proc/net/snmp")
	var head []string
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || f[0] != "Ip:" {
			continue
		}
		if head == nil {
			head = f
			continue
		}
		for i, h := range head {
			if h == "ReasmOKs" && i < len(f) {
				n, _ := strconv.Atoi(f[i])
				return n
			}
		}
	}
	t.Fatalf("%s: no ReasmOKs in /proc/net/snmp", ns)
	return 0
}
