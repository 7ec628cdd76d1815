package proxy

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"sipslb/e2e/internal/harness"
)

// sipslbBin is the sipslb built once for the package by TestMain.
var sipslbBin string

func TestMain(m *testing.M) {
	// No daemon of this package may take the host's SSH port 22 (the
	// factory default): see SSHEnv in sys/daemon.
	os.Setenv("SIPSLB_TEST_SSH", "off")
	harness.Main(m, "proxy", &sipslbBin)
}

func needSIPp(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("sipp"); err != nil {
		t.Skip("SKIPPED LOUDLY: sipp not installed (Debian package sip-tester; scripts/install-deps.sh installs it)")
	}
}

// lb is one running sipslb daemon.
type lb struct {
	dir string
	cmd *exec.Cmd
	log *bytes.Buffer
}

func startLB(t *testing.T) *lb {
	t.Helper()
	dir := t.TempDir()
	l := &lb{dir: dir, log: new(bytes.Buffer)}
	l.cmd = exec.Command(sipslbBin, "boot", "--state-dir", dir)
	l.cmd.Stdout, l.cmd.Stderr = l.log, l.log
	if err := l.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		l.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { l.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			l.cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("sipslb log:\n%s", l.log.String())
		}
	})
	sock := filepath.Join(dir, "sipslb.sock")
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(sock); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sipslb did not create %s within 10s", sock)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return l
}

// cli runs lines in one `sipslb cli -c` session and returns its output.
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

// configure runs config-mode lines (configure terminal ... end).
func (l *lb) configure(t *testing.T, lines ...string) string {
	t.Helper()
	return l.cli(t, append(append([]string{"configure terminal"}, lines...), "end")...)
}

// sipp is one SIPp process, run in its own directory so its trace files
// are easy to find.
type sipp struct {
	name string
	dir  string
	cmd  *exec.Cmd
	out  *bytes.Buffer
	done chan struct{}
	err  error
}

func startSIPp(t *testing.T, name string, args ...string) *sipp {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s := &sipp{name: name, dir: dir, out: new(bytes.Buffer), done: make(chan struct{})}
	base := []string{"-nostdin", "-trace_stat", "-stf", "stat.csv", "-fd", "1", "-trace_counts", "-trace_err", "-buff_size", "1048576"}
	s.cmd = exec.Command("sipp", append(base, args...)...)
	s.cmd.Dir = dir
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.err = s.cmd.Wait(); close(s.done) }()
	t.Cleanup(func() {
		select {
		case <-s.done:
		default:
			s.cmd.Process.Kill()
			<-s.done
		}
		if t.Failed() {
			t.Logf("%s output (last 3000 bytes):\n%s", s.name, tail(s.out.String(), 3000))
			for _, f := range globs(s.dir, "*errors.log") {
				b, _ := os.ReadFile(f)
				t.Logf("%s %s:\n%s", s.name, filepath.Base(f), tail(string(b), 3000))
			}
		}
	})
	return s
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func globs(dir, pat string) []string {
	m, _ := filepath.Glob(filepath.Join(dir, pat))
	return m
}

// wait waits for the process to exit by itself, at most d, and returns
// its exit code (-1 if it had to be killed).
func (s *sipp) wait(t *testing.T, d time.Duration) int {
	t.Helper()
	select {
	case <-s.done:
	case <-time.After(d):
		t.Errorf("%s still running after %v: killed", s.name, d)
		s.cmd.Process.Kill()
		<-s.done
		return -1
	}
	if s.cmd.ProcessState == nil {
		return -1
	}
	return s.cmd.ProcessState.ExitCode()
}

// stop ends a UAS: SIGUSR1 asks SIPp to quit once its calls are over and
// a second one forces it; both write the final statistics. A UAS that
// answered health-check OPTIONS holds calls that never end, so the second
// signal is the usual way out.
func (s *sipp) stop(t *testing.T) {
	t.Helper()
	for range 2 {
		select {
		case <-s.done:
			return
		default:
		}
		s.cmd.Process.Signal(syscall.SIGUSR1)
		select {
		case <-s.done:
			return
		case <-time.After(3 * time.Second):
		}
	}
	s.cmd.Process.Kill()
	<-s.done
}

// stopAll stops several UAS at once (each stop may wait seconds).
func stopAll(t *testing.T, ss ...*sipp) {
	t.Helper()
	done := make(chan struct{}, len(ss))
	for _, s := range ss {
		go func() { s.stop(t); done <- struct{}{} }()
	}
	for range ss {
		<-done
	}
}

// stats is the last row of the -trace_stat file.
func (s *sipp) stats(t *testing.T) map[string]int {
	t.Helper()
	return lastRow(t, filepath.Join(s.dir, "stat.csv"))
}

// counts is the last row of the -trace_counts file (per scenario message).
func (s *sipp) counts(t *testing.T) map[string]int {
	t.Helper()
	f := globs(s.dir, "*_counts.csv")
	if len(f) != 1 {
		t.Fatalf("%s: counts file: found %v", s.name, f)
	}
	return lastRow(t, f[0])
}

func lastRow(t *testing.T, path string) map[string]int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var header, last []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), ";")
		if header == nil {
			header = cols
			continue
		}
		last = cols
	}
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

func scenario(name string) string {
	p, _ := filepath.Abs(filepath.Join("testdata", name))
	return p
}

// uas starts a SIPp UAS on ip:port with the scenario file (auto-answering
// the health checks' OPTIONS).
func uas(t *testing.T, name, ip string, port int, file string, extra ...string) *sipp {
	t.Helper()
	args := append([]string{"-sf", scenario(file), "-i", ip, "-p", strconv.Itoa(port), "-aa", "-mi", ip}, extra...)
	s := startSIPp(t, name, args...)
	waitUDP(t, ip, port)
	return s
}

// uac runs a SIPp UAC against target and waits (bounded) for it to end.
func uac(t *testing.T, ip string, port int, target, file string, calls, rate int, limit time.Duration, extra ...string) (*sipp, int) {
	t.Helper()
	args := append([]string{"-sf", scenario(file), "-i", ip, "-p", strconv.Itoa(port), "-mi", ip,
		"-m", strconv.Itoa(calls), "-r", strconv.Itoa(rate), "-timeout", strconv.Itoa(int(limit.Seconds())) + "s"}, extra...)
	args = append(args, target)
	s := startSIPp(t, "uac", args...)
	code := s.wait(t, limit+10*time.Second)
	return s, code
}

// waitUDP waits until something is bound on ip:port/udp, read from
// /proc/net/udp{,6}, at most 10 s.
func waitUDP(t *testing.T, ip string, port int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if harness.UDPBound(ip, port) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("nothing bound on %s:%d/udp after 10s", ip, port)
}
