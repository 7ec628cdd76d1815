package hostile

// Attacks on the daemon's own doors (address block 127.77.4.0/24): bad
// startup-config reloads, idle SSH connections holding pre-authentication
// slots, the watchdog under load, and the test hooks in a release build.

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	xssh "golang.org/x/crypto/ssh"
)

// sysNet is this file's address block.
const sysNet = "127.77.4."

// sysLB is one running `sipslb boot` of this file's tests.
type sysLB struct {
	t       *testing.T
	bin     string
	dir     string
	cmd     *exec.Cmd
	logPath string
	exited  chan struct{}
}

// sysBoot starts bin on dir (fresh when "") with startup-config text (none
// when "") and env, and waits until its control socket answers.
func sysBoot(t *testing.T, bin, dir, text string, env ...string) *sysLB {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	if text != "" {
		if err := os.WriteFile(filepath.Join(dir, "startup-config"), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	d := &sysLB{t: t, bin: bin, dir: dir, logPath: filepath.Join(t.TempDir(), "daemon.log"), exited: make(chan struct{})}
	logf, err := os.Create(d.logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	d.cmd = exec.Command(bin, "boot", "--state-dir", dir)
	d.cmd.Env = append(os.Environ(), env...)
	d.cmd.Stderr = logf
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { d.cmd.Wait(); close(d.exited) }()
	t.Cleanup(d.stop)
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, _, code := d.cli("show version"); code == 0 {
			return d
		}
		select {
		case <-d.exited:
			t.Fatalf("daemon exited; log:\n%s", d.log())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("daemon not up after 20s; log:\n%s", d.log())
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func (d *sysLB) log() string {
	b, _ := os.ReadFile(d.logPath)
	return string(b)
}

func (d *sysLB) stop() {
	select {
	case <-d.exited:
		return
	default:
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.exited:
	case <-time.After(10 * time.Second):
		d.cmd.Process.Kill()
		<-d.exited
	}
	if d.t.Failed() {
		d.t.Logf("daemon log:\n%s", d.log())
	}
}

// cli runs `sipslb cli -c` with lines; each command gets at most 30 s.
func (d *sysLB) cli(lines ...string) (stdout, stderr string, code int) {
	args := []string{"cli", "--state-dir", d.dir}
	for _, l := range lines {
		args = append(args, "-c", l)
	}
	cmd := exec.Command(d.bin, args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Start(); err != nil {
		d.t.Fatal(err)
	}
	t := time.AfterFunc(30*time.Second, func() { cmd.Process.Kill() })
	defer t.Stop()
	err := cmd.Wait()
	code = 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		code = -1
	}
	return o.String(), e.String(), code
}

func (d *sysLB) mustCLI(lines ...string) string {
	d.t.Helper()
	out, errOut, code := d.cli(lines...)
	if code != 0 {
		d.t.Fatalf("cli %q: exit %d\nstdout:\n%s\nstderr:\n%s", lines, code, out, errOut)
	}
	return out
}

// sysWait polls cond every 25 ms for at most 15 s.
func sysWait(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// sysFreePort is a TCP port free on ip right now.
func sysFreePort(t *testing.T, ip string) int {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestReleaseIgnoresTestHooks builds sipslb the way `make build` and the
// image do (no sipslbtest tag) and shows that it honours none of the test
// hooks: the binary does not even contain their names, SIPSLB_TEST_SSH=off
// does not stop it from serving SSH, and SIPSLB_TEST_FAULT does not make
// write memory kill it.
func TestReleaseIgnoresTestHooks(t *testing.T) {
	rel := filepath.Join(t.TempDir(), "sipslb-release")
	if out, err := exec.Command("go", "build", "-trimpath", "-o", rel, "sipslb").CombinedOutput(); err != nil {
		t.Fatalf("release build: %v\n%s", err, out)
	}
	for _, b := range []struct{ path, what string }{{rel, "release"}, {sipslbBin, "test"}} {
		raw, err := os.ReadFile(b.path)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"SIPSLB_TEST_SSH", "SIPSLB_TEST_WEDGE", "SIPSLB_TEST_FAULT"} {
			has := bytes.Contains(raw, []byte(name))
			if b.what == "release" && has {
				t.Errorf("the release binary contains %s", name)
			}
			if b.what == "test" && !has && os.Getenv("SIPSLB_BIN") == "" {
				t.Errorf("the test binary lacks %s: is the harness building with -tags sipslbtest?", name)
			}
		}
	}
	ip := sysNet + "10"
	port := sysFreePort(t, ip)
	cfg := "hostname rel\nip ssh listen-address " + ip + "\nip ssh port " + strconv.Itoa(port) + "\nend\n"
	d := sysBoot(t, rel, "", cfg, "SIPSLB_TEST_SSH=off", "SIPSLB_TEST_FAULT=before-rename", "SIPSLB_TEST_WEDGE=control")
	sysWait(t, "the release daemon's SSH port", func() bool {
		c, err := net.DialTimeout("tcp", net.JoinHostPort(ip, strconv.Itoa(port)), time.Second)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	d.mustCLI("configure terminal", "hostname rel2", "end", "write memory")
	got, err := os.ReadFile(filepath.Join(d.dir, "startup-config"))
	if err != nil || !strings.Contains(string(got), "hostname rel2") {
		t.Fatalf("write memory with SIPSLB_TEST_FAULT set: startup-config = %q, %v", got, err)
	}
	select {
	case <-d.exited:
		t.Fatalf("the release daemon died; log:\n%s", d.log())
	default:
	}
	if strings.Contains(d.log(), "test knob") || strings.Contains(d.log(), "test hook") {
		t.Errorf("the release daemon mentions a test hook:\n%s", d.log())
	}
}

// sysFarm is a saved config with n real servers on 127.77.4.0/24 ports
// behind one VIP (no health check, so nothing is sent to them).
func sysFarm(n int) string {
	var b strings.Builder
	b.WriteString("hostname farm\n")
	for i := range n {
		fmt.Fprintf(&b, "server real rs%d %s%d\n port %d\n", i, sysNet, 100+i%100, 20000+i)
	}
	fmt.Fprintf(&b, "server virtual vip %s1\n port sip\n", sysNet)
	for i := range n {
		fmt.Fprintf(&b, " bind sip rs%d %d\n", i, 20000+i)
	}
	b.WriteString("end\n")
	return b.String()
}

// TestBadReloadKeepsRunningConfig: SIGHUP with an empty, truncated, junk
// or missing startup-config keeps a running config of 150 real servers;
// the journal and `show startup-config errors` say the reload was refused
// and why, and a valid file still reloads.
func TestBadReloadKeepsRunningConfig(t *testing.T) {
	good := sysFarm(150)
	d := sysBoot(t, sipslbBin, "", good, "SIPSLB_TEST_SSH=off")
	want := d.mustCLI("show running-config")
	if n := strings.Count(want, "server real rs"); n != 150 {
		t.Fatalf("running config has %d real servers, want 150:\n%s", n, want)
	}
	path := filepath.Join(d.dir, "startup-config")
	reloads := 0
	for _, tc := range []struct{ name, text, why string }{
		{"empty", "", "truncated"},
		{"truncated", good[:len(good)/2], "truncated"},
		{"junk", "\x00\x01binary\xff\xfe junk\nGET / HTTP/1.1\nend\n", "Invalid input"},
		{"missing", "", "no such file"},
	} {
		if tc.name == "missing" {
			os.Remove(path)
		} else if err := os.WriteFile(path, []byte(tc.text), 0o600); err != nil {
			t.Fatal(err)
		}
		d.cmd.Process.Signal(syscall.SIGHUP)
		reloads++
		// Every reload logs one line starting "SIGHUP:" when it is done.
		sysWait(t, tc.name+" reload", func() bool { return strings.Count(d.log(), `msg="SIGHUP:`) >= reloads })
		if got := d.mustCLI("show running-config"); got != want {
			t.Fatalf("%s: running config changed by a bad reload:\n%s", tc.name, got)
		}
		errs := d.mustCLI("show startup-config errors")
		if !strings.Contains(errs, "running config was kept") || !strings.Contains(errs, tc.why) {
			t.Errorf("%s: show startup-config errors lacks the refusal (%q):\n%s", tc.name, tc.why, errs)
		}
		if strings.Contains(errs, "No errors") {
			t.Errorf("%s: show startup-config errors says No errors", tc.name)
		}
	}
	// A valid file (here one with two servers fewer) still reloads.
	next := strings.Replace(sysFarm(148), "hostname farm", "hostname next", 1)
	if err := os.WriteFile(path, []byte(next), 0o600); err != nil {
		t.Fatal(err)
	}
	d.cmd.Process.Signal(syscall.SIGHUP)
	sysWait(t, "the valid reload", func() bool { return strings.Contains(d.mustCLI("show running-config"), "hostname next") })
	if got := d.mustCLI("show running-config"); strings.Count(got, "server real rs") != 148 {
		t.Errorf("after a valid reload:\n%s", got)
	}
	if errs := d.mustCLI("show startup-config errors"); !strings.Contains(errs, "No errors") {
		t.Errorf("after a valid reload: %s", errs)
	}
	if !strings.Contains(d.log(), "reload refused") || !strings.Contains(d.log(), "truncated") {
		t.Errorf("daemon log lacks the refusals")
	}
}

// sysKey writes a fresh ed25519 private key for ssh -i and returns its
// path and authorized_keys line.
func sysKey(t *testing.T) (path, pub string) {
	t.Helper()
	pk, sk, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	blk, err := xssh.MarshalPrivateKey(sk, "admin@hostile")
	if err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(t.TempDir(), "id_admin")
	if err := os.WriteFile(path, pem.EncodeToMemory(blk), 0o600); err != nil {
		t.Fatal(err)
	}
	spk, _ := xssh.NewPublicKey(pk)
	return path, strings.TrimSpace(string(xssh.MarshalAuthorizedKey(spk)))
}

// sysSSH runs OpenSSH's ssh from src with the key and returns its output
// and exit status; it gives up after 30 s.
func sysSSH(t *testing.T, src, ip string, port int, key, command string) (string, int) {
	t.Helper()
	cmd := exec.Command("ssh", "-F", "/dev/null", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
		"-o", "PasswordAuthentication=no", "-o", "KbdInteractiveAuthentication=no",
		"-i", key, "-b", src, "-p", strconv.Itoa(port), "-l", "admin", ip, command)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(30*time.Second, func() { cmd.Process.Kill() })
	defer timer.Stop()
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); ok {
		return out.String(), ee.ExitCode()
	}
	if err != nil {
		return out.String() + err.Error(), -1
	}
	return out.String(), 0
}

// TestIdleSSHConnectionsDoNotLockOut: 70 TCP connections from one
// address that never send an SSH banner used to take every one of the
// SSH server's 64 slots, so the administrator's `ssh` was turned away.
// Now that address holds at most 8 unauthenticated slots, a real OpenSSH
// login from another address runs its command while they are open, and
// the login grace (20 s) closes the idle ones.
func TestIdleSSHConnectionsDoNotLockOut(t *testing.T) {
	key, pub := sysKey(t)
	ip := sysNet + "30"
	port := sysFreePort(t, ip)
	cfg := "hostname idle\nusername admin privilege 0\nusername admin ssh-key " + pub + "\nip ssh listen-address " + ip +
		"\nip ssh port " + strconv.Itoa(port) + "\nend\n"
	d := sysBoot(t, sipslbBin, "", cfg, "SIPSLB_TEST_SSH=") // this daemon serves SSH
	addr := net.JoinHostPort(ip, strconv.Itoa(port))
	sysWait(t, "the SSH port", func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	start := time.Now()
	var idle []net.Conn
	for range 70 {
		dl := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(sysNet + "31")}, Timeout: 5 * time.Second}
		c, err := dl.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		idle = append(idle, c)
	}
	// Each held connection got the server's version line; a refused one
	// was closed without it.
	held := 0
	for _, c := range idle {
		c.SetReadDeadline(time.Now().Add(3 * time.Second))
		if n, _ := c.Read(make([]byte, 64)); n > 0 {
			held++
		}
	}
	if held > 8 {
		t.Errorf("%d idle connections from one address hold a slot, want at most 8", held)
	}
	out, code := sysSSH(t, sysNet+"32", ip, port, key, "show version")
	if code != 0 || !strings.Contains(out, "idle") {
		t.Fatalf("ssh while 70 idle connections are open: exit %d\n%s", code, out)
	}
	sysWait(t, "the refusals in the log", func() bool {
		return strings.Contains(d.log(), `msg="ssh: connection refused before authentication" from=`+sysNet+"31")
	})
	// The login grace closes the held ones within 20 s of their start.
	closed := 0
	for _, c := range idle {
		c.SetReadDeadline(start.Add(30 * time.Second))
		if _, err := io.ReadAll(c); err == nil || !errors.Is(err, os.ErrDeadlineExceeded) {
			closed++
		}
	}
	if closed != len(idle) {
		t.Errorf("%d of %d idle connections still open 30 s after they connected", len(idle)-closed, len(idle))
	}
	if !strings.Contains(d.log(), "no session within the login grace time") {
		t.Error("the log does not mention the grace expiry")
	}
}
