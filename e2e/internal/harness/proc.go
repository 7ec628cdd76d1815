package harness

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Proc is a background process whose output is kept. It is stopped at
// cleanup, and its output is printed if the test failed.
type Proc struct {
	Name string
	Cmd  *exec.Cmd
	out  SyncBuffer
	done chan struct{}
}

// Start starts cmd (its Stdout and Stderr are taken) as a Proc.
func Start(t testing.TB, name string, cmd *exec.Cmd) *Proc {
	t.Helper()
	p := &Proc{Name: name, Cmd: cmd, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = &p.out, &p.out
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	go func() { cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("%s output (last 3000 bytes):\n%s", name, Tail(p.Output(), 3000))
		}
	})
	return p
}

// Output is what the process has printed so far.
func (p *Proc) Output() string { return p.out.String() }

// Done is closed when the process has exited.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Wait waits at most limit for the process to exit by itself and returns
// its exit status; past limit it kills it, fails the test and returns -1.
func (p *Proc) Wait(t testing.TB, limit time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(limit):
		t.Errorf("%s still running after %v: killed", p.Name, limit)
		p.Kill()
		return -1
	}
	if p.Cmd.ProcessState == nil {
		return -1
	}
	return p.Cmd.ProcessState.ExitCode()
}

// Stop sends SIGTERM, then SIGKILL after 5 s.
func (p *Proc) Stop() {
	select {
	case <-p.done:
		return
	default:
	}
	p.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		p.Kill()
	}
}

// Kill ends the process at once (a dead server, for the health checks).
func (p *Proc) Kill() {
	select {
	case <-p.done:
	default:
		p.Cmd.Process.Kill()
		<-p.done
	}
}

// SIPp is one SIPp process, run in a directory of its own so that its
// trace files (stat.csv, *_counts.csv, *_errors.log, *messages.log) are
// easy to find.
type SIPp struct {
	*Proc
	Dir string
}

// sippBase are the options every SIPp run gets: no keyboard, statistics
// to stat.csv every second, per-message counts, errors, big buffers.
var sippBase = []string{"-nostdin", "-trace_stat", "-stf", "stat.csv", "-fd", "1", "-trace_counts", "-trace_err",
	"-buff_size", "1048576"}

// StartSIPp starts sipp with args (after the common tracing options).
func StartSIPp(t testing.TB, name string, args ...string) *SIPp {
	t.Helper()
	return StartSIPpIn(t, name, nil, args...)
}

// StartSIPpIn starts sipp under prefix (e.g. ip netns exec NS).
func StartSIPpIn(t testing.TB, name string, prefix []string, args ...string) *SIPp {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	all := append(append(append(append([]string{}, prefix...), "sipp"), sippBase...), args...)
	cmd := exec.Command(all[0], all[1:]...)
	cmd.Dir = dir
	s := &SIPp{Dir: dir}
	s.Proc = Start(t, name, cmd)
	t.Cleanup(func() {
		if t.Failed() {
			for _, f := range s.Files("*errors.log") {
				b, _ := os.ReadFile(f)
				t.Logf("%s %s:\n%s", name, filepath.Base(f), Tail(string(b), 3000))
			}
		}
	})
	return s
}

// Stop ends a UAS: SIGUSR1 asks SIPp to quit once its calls are over and
// a second one forces it; both write the final statistics. A UAS that
// answered health-check OPTIONS holds calls that never end, so the second
// signal is the usual way out. SIGKILL after 3 s more.
func (s *SIPp) Stop() {
	for range 2 {
		select {
		case <-s.done:
			return
		default:
		}
		s.Cmd.Process.Signal(syscall.SIGUSR1)
		select {
		case <-s.done:
			return
		case <-time.After(3 * time.Second):
		}
	}
	s.Kill()
}

// StopAll stops several SIPp at once (each Stop may take seconds).
func StopAll(ss ...*SIPp) {
	var wg sync.WaitGroup
	for _, s := range ss {
		wg.Go(s.Stop)
	}
	wg.Wait()
}

// Files are the files in the SIPp's directory matching pattern.
func (s *SIPp) Files(pattern string) []string {
	m, _ := filepath.Glob(filepath.Join(s.Dir, pattern))
	return m
}

// Stats is the last row of stat.csv (SuccessfulCall(C), FailedCall(C), ...).
func (s *SIPp) Stats(t testing.TB) map[string]int {
	t.Helper()
	return LastRow(t, filepath.Join(s.Dir, "stat.csv"))
}

// Counts is the last row of the per-message counts file.
func (s *SIPp) Counts(t testing.TB) map[string]int {
	t.Helper()
	f := s.Files("*_counts.csv")
	if len(f) != 1 {
		t.Fatalf("%s: counts file: found %v", s.Name, f)
	}
	return LastRow(t, f[0])
}

// LastRow reads a SIPp CSV file (';'-separated, a header line) and
// returns its last row's numeric columns by header name.
func LastRow(t testing.TB, path string) map[string]int {
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
	if last == nil {
		t.Fatalf("%s: no statistics", path)
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

// Scenario is the absolute path of testdata/name in the test's package.
func Scenario(name string) string {
	p, _ := filepath.Abs(filepath.Join("testdata", name))
	return p
}

// SyncBuffer collects a process's output while tests read it.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Tail is the last n bytes of s.
func Tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
