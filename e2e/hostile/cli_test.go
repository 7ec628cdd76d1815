package hostile

// Attacks on the control socket and the CLI (address block 127.77.3.0/24,
// though these tests need no address: the control socket is a file): a
// local user outside the sipslb group, a client that sends 100 MB without
// a newline, 40 local clients guessing the enable secret, and config text
// injected through a quoted value.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"sipslb/e2e/internal/harness"
)

// nobody is the unprivileged account the attacks run as.
const nobody = 65534

// cliEnv is what the control-socket attacks share: a state directory and
// a copy of sipslb that an unprivileged uid can reach (t.TempDir and the
// harness's build directory are 0700), and the daemon on it.
type cliEnv struct {
	lb  *harness.LB
	bin string // the copy of sipslb, 0755
}

func startCLIEnv(t *testing.T, startup string) *cliEnv {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: runs clients as another uid")
	}
	base, err := os.MkdirTemp("", "sipslb-hostile-cli-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	dir := filepath.Join(base, "state")
	for _, d := range []string{base, dir} {
		os.MkdirAll(d, 0o755)
		os.Chmod(d, 0o755) // so the socket's own mode is what keeps others out
	}
	bin := filepath.Join(base, "sipslb")
	if err := copyFile(sipslbBin, bin); err != nil {
		t.Fatal(err)
	}
	lb := harness.StartLB(t, sipslbBin, harness.Options{Dir: dir, StartupConfig: startup})
	return &cliEnv{lb: lb, bin: bin}
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o755)
}

// runAs runs `sipslb cli -c LINE...` as uid/gid (no supplementary groups)
// until ctx ends, and returns its output and exit status (-1: killed).
func (e *cliEnv) runAs(ctx context.Context, uid, gid uint32, lines ...string) (string, int) {
	args := []string{"cli", "--state-dir", e.lb.Dir}
	for _, l := range lines {
		args = append(args, "-c", l)
	}
	cmd := exec.CommandContext(ctx, e.bin, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: gid, Groups: []uint32{}}}
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &ee) && ee.Exited():
		return string(out), ee.ExitCode()
	}
	return string(out) + err.Error(), -1
}

// sipslbGroup returns the gid of group sipslb, creating the group for the
// test when the host has none (and deleting it afterwards).
func sipslbGroup(t *testing.T) uint32 {
	t.Helper()
	g, err := user.LookupGroup("sipslb")
	if err != nil {
		if out, err := exec.Command("groupadd", "--system", "sipslb").CombinedOutput(); err != nil {
			t.Fatalf("groupadd sipslb: %v\n%s", err, out)
		}
		t.Cleanup(func() { exec.Command("groupdel", "sipslb").Run() })
		if g, err = user.LookupGroup("sipslb"); err != nil {
			t.Fatal(err)
		}
	}
	gid, _ := strconv.Atoi(g.Gid)
	return uint32(gid)
}

// memKB reads a field (VmRSS, VmHWM) of /proc/PID/status in kB.
func memKB(t *testing.T, pid int, field string) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return n
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// TestCLISocketRefusesOutsiders: a uid that is neither root nor in group
// sipslb cannot even connect (the socket is 0660), and if the socket's mode
// is loosened by hand the daemon still refuses it, with a reason, and
// counts it. (The socket was srw-rw-rw- and any local user got a
// privilege-5 session.)
func TestCLISocketRefusesOutsiders(t *testing.T) {
	e := startCLIEnv(t, "hostname outsiders\nend\n")
	sock := filepath.Join(e.lb.Dir, "sipslb.sock")
	fi, err := os.Stat(sock)
	if err != nil {
		t.Fatal(err)
	}
	if m := fi.Mode().Perm(); m&0o007 != 0 {
		t.Errorf("control socket mode %o: other users may connect", m)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, code := e.runAs(ctx, nobody, nobody, "show version")
	if code != 2 || !strings.Contains(out, "permission denied") {
		t.Errorf("nobody through the socket's mode: exit %d\n%s", code, out)
	}
	os.Chmod(sock, 0o666) // an administrator's mistake: the daemon still decides
	out, code = e.runAs(ctx, nobody, nobody, "show version")
	if code != 2 || !strings.Contains(out, "neither root nor in group sipslb") {
		t.Errorf("nobody with the socket at 0666: exit %d\n%q", code, out)
	}
	if users := e.lb.CLI(t, "show users"); !strings.Contains(users, "1 not allowed") {
		t.Errorf("refusal not counted:\n%s", users)
	}
}

// TestCLISocketLongLine: a client that sends 100 MB without a newline is
// cut off after the 64 KiB line limit with an error reply, and the
// daemon's memory does not grow with what it was sent. (400 MB grew the
// daemon by 670 MB before its hello.)
func TestCLISocketLongLine(t *testing.T) {
	e := startCLIEnv(t, "hostname longline\nend\n")
	pid := e.lb.Cmd.Process.Pid
	before := memKB(t, pid, "VmHWM")
	c, err := net.Dial("unix", filepath.Join(e.lb.Dir, "sipslb.sock"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	chunk := []byte(strings.Repeat("x", 1<<20))
	sent := 0
	c.SetWriteDeadline(time.Now().Add(20 * time.Second))
	for sent < 100<<20 {
		n, err := c.Write(chunk)
		sent += n
		if err != nil {
			break
		}
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	reply, _ := bufio.NewReader(c).ReadString('\n')
	after := memKB(t, pid, "VmHWM")
	t.Logf("sent %d MB; daemon peak RSS %d kB before, %d kB after", sent>>20, before, after)
	if sent >= 100<<20 {
		t.Errorf("the daemon took all %d MB without cutting the client off", sent>>20)
	}
	if !strings.Contains(reply, "request longer than") {
		t.Errorf("reply %q, want the line-limit error", reply)
	}
	if grown := after - before; grown > 16<<10 {
		t.Errorf("daemon peak RSS grew by %d kB", grown)
	}
	if users := e.lb.CLI(t, "show users"); !strings.Contains(users, "1 too long") {
		t.Errorf("not counted:\n%s", users)
	}
}

// TestCLIEnableGuessing: 40 local clients of group sipslb (privilege 5)
// guessing the enable secret at once are throttled — a handful are judged,
// the rest wait or are refused unjudged — and a root show version meanwhile
// answers at once. (Without a throttle, with the bcrypt under the
// interpreter lock, root's show version took 3.5-6.3 s.)
func TestCLIEnableGuessing(t *testing.T) {
	gid := sipslbGroup(t)
	e := startCLIEnv(t, "hostname guess\nenable secret right-secret\nend\n")
	const clients = 40
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Second)
	defer cancel()
	var mu sync.Mutex
	outcome := map[string]int{}
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 3 && ctx.Err() == nil; j++ {
				out, code := e.runAs(ctx, nobody, gid, fmt.Sprintf("enable wrong-%d-%d", i, j))
				kind := "other"
				switch {
				case code == -1:
					kind = "still waiting"
				case strings.Contains(out, "too many wrong enable secrets"):
					kind = "refused unjudged"
				case strings.Contains(out, "wrong enable secret"):
					kind = "judged wrong"
				case strings.Contains(out, "too many connections"), strings.Contains(out, "too many CLI sessions"):
					kind = "busy"
				}
				mu.Lock()
				outcome[kind]++
				if kind == "other" {
					t.Logf("client %d: exit %d: %s", i, code, out)
				}
				mu.Unlock()
			}
		}()
	}
	time.Sleep(500 * time.Millisecond)
	var worst time.Duration
	for ctx.Err() == nil {
		t0 := time.Now()
		e.lb.CLI(t, "show version")
		worst = max(worst, time.Since(t0))
		time.Sleep(200 * time.Millisecond)
	}
	wg.Wait()
	t.Logf("outcomes %v; root show version at worst %v", outcome, worst)
	if worst > 1500*time.Millisecond {
		t.Errorf("root show version took %v while %d clients guessed", worst, clients)
	}
	if outcome["judged wrong"] > 12 {
		t.Errorf("%d wrong secrets judged in 8 s: not throttled (%v)", outcome["judged wrong"], outcome)
	}
	if outcome["refused unjudged"] == 0 {
		t.Errorf("no guess refused unjudged (%v)", outcome)
	}
	if outcome["other"] > 0 {
		t.Errorf("unexpected outcomes (%v)", outcome)
	}
	log := e.lb.CLI(t, "show log")
	if !strings.Contains(log, "enable refused for nobody") {
		t.Errorf("show log has no enable refusal:\n%s", harness.Tail(log, 2000))
	}
}

// TestCLIInjectionRefused: a quoted value holding newlines (a location
// that smuggles "hostname INJECTED") is refused, and write memory plus a
// restart bring back exactly the config that was running. (It was
// accepted, saved as three lines, and the next boot ran the injected one.)
func TestCLIInjectionRefused(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	dir := t.TempDir()
	lb := harness.StartLB(t, sipslbBin, harness.Options{Dir: dir})
	lb.Configure(t, "hostname intact", `snmp-server location "rack 7"`)
	out, errOut, code := lb.Run("configure terminal", "snmp-server location \"x\nhostname INJECTED\n!\"", "end")
	if code != 1 || !strings.Contains(out+errOut, "control character") {
		t.Errorf("injection line: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = lb.Run("configure terminal", "snmp-server contact \"\x1b]0;pwned\x07\"", "end")
	if code != 1 {
		t.Errorf("escape sequence accepted: exit %d\n%s%s", code, out, errOut)
	}
	before := lb.CLI(t, "show running-config")
	lb.CLI(t, "write memory")
	saved, err := os.ReadFile(filepath.Join(dir, "startup-config"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(saved), "INJECTED") || strings.ContainsAny(string(saved), "\x1b\x07\r") {
		t.Fatalf("startup-config holds injected text:\n%q", saved)
	}
	lb.Stop(t)
	lb2 := harness.StartLB(t, sipslbBin, harness.Options{Dir: dir})
	after := lb2.CLI(t, "show running-config")
	if after != before {
		t.Errorf("config after restart:\n%s\nbefore:\n%s", after, before)
	}
	if !strings.Contains(after, "hostname intact") || !strings.Contains(after, `snmp-server location "rack 7"`) {
		t.Errorf("config lost:\n%s", after)
	}
	if errs := lb2.CLI(t, "show startup-config errors"); !strings.Contains(errs, "No errors") {
		t.Errorf("reload errors:\n%s", errs)
	}
}
