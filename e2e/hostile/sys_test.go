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
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"
	xssh "golang.org/x/crypto/ssh"

	"sipslb/e2e/internal/harness"
)

// sysNet is this file's address block.
const sysNet = "127.77.4."

// sysBoot starts bin on a fresh state dir holding startup-config text
// (none when "") with env added, and waits until its control socket
// answers.
func sysBoot(t *testing.T, bin, text string, env ...string) *harness.LB {
	t.Helper()
	return harness.StartLB(t, bin, harness.Options{StartupConfig: text, Env: env})
}

// sysWait polls cond for at most 15 s.
func sysWait(t *testing.T, what string, cond func() bool) {
	t.Helper()
	harness.WaitFor(t, 15*time.Second, what, cond)
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
	d := sysBoot(t, rel, cfg, "SIPSLB_TEST_SSH=off", "SIPSLB_TEST_FAULT=before-rename", "SIPSLB_TEST_WEDGE=control")
	sysWait(t, "the release daemon's SSH port", func() bool {
		c, err := net.DialTimeout("tcp", net.JoinHostPort(ip, strconv.Itoa(port)), time.Second)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	d.CLI(t, "configure terminal", "hostname rel2", "end", "write memory")
	got, err := os.ReadFile(filepath.Join(d.Dir, "startup-config"))
	if err != nil || !strings.Contains(string(got), "hostname rel2") {
		t.Fatalf("write memory with SIPSLB_TEST_FAULT set: startup-config = %q, %v", got, err)
	}
	select {
	case <-d.Exited():
		t.Fatalf("the release daemon died; log:\n%s", d.Log())
	default:
	}
	if strings.Contains(d.Log(), "test knob") || strings.Contains(d.Log(), "test hook") {
		t.Errorf("the release daemon mentions a test hook:\n%s", d.Log())
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
	d := sysBoot(t, sipslbBin, good, "SIPSLB_TEST_SSH=off")
	want := d.CLI(t, "show running-config")
	if n := strings.Count(want, "server real rs"); n != 150 {
		t.Fatalf("running config has %d real servers, want 150:\n%s", n, want)
	}
	path := filepath.Join(d.Dir, "startup-config")
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
		d.Signal(syscall.SIGHUP)
		reloads++
		// Every reload logs one line starting "SIGHUP:" when it is done.
		sysWait(t, tc.name+" reload", func() bool { return strings.Count(d.Log(), `msg="SIGHUP:`) >= reloads })
		if got := d.CLI(t, "show running-config"); got != want {
			t.Fatalf("%s: running config changed by a bad reload:\n%s", tc.name, got)
		}
		errs := d.CLI(t, "show startup-config errors")
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
	d.Signal(syscall.SIGHUP)
	sysWait(t, "the valid reload", func() bool { return strings.Contains(d.CLI(t, "show running-config"), "hostname next") })
	if got := d.CLI(t, "show running-config"); strings.Count(got, "server real rs") != 148 {
		t.Errorf("after a valid reload:\n%s", got)
	}
	if errs := d.CLI(t, "show startup-config errors"); !strings.Contains(errs, "No errors") {
		t.Errorf("after a valid reload: %s", errs)
	}
	if !strings.Contains(d.Log(), "reload refused") || !strings.Contains(d.Log(), "truncated") {
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

// sysSSH runs OpenSSH's ssh as admin from src with the key and returns
// its output and exit status; it is killed after 30 s.
func sysSSH(t *testing.T, src, ip string, port int, key, command string) (string, int) {
	t.Helper()
	return sysSSHUser(t, 30*time.Second, "admin", src, ip, port, key, command)
}

// sysSSHUser is sysSSH as user, killed after limit.
func sysSSHUser(t *testing.T, limit time.Duration, user, src, ip string, port int, key, command string) (string, int) {
	cmd := exec.Command("ssh", "-F", "/dev/null", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
		"-o", "PasswordAuthentication=no", "-o", "KbdInteractiveAuthentication=no",
		"-i", key, "-b", src, "-p", strconv.Itoa(port), "-l", user, ip, command)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return err.Error(), -1
	}
	timer := time.AfterFunc(limit, func() { cmd.Process.Kill() })
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
	d := sysBoot(t, sipslbBin, cfg, "SIPSLB_TEST_SSH=") // this daemon serves SSH
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
		return strings.Contains(d.Log(), `msg="ssh: connection refused before authentication" from=`+sysNet+"31")
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
	if !strings.Contains(d.Log(), "no session within the login grace time") {
		t.Error("the log does not mention the grace expiry")
	}
}

// sysNotify is a NOTIFY_SOCKET of the test's own: it keeps the arrival
// time of every datagram holding want.
type sysNotify struct {
	path string
	mu   sync.Mutex
	at   []time.Time
}

func sysListenNotify(t *testing.T, want string) *sysNotify {
	t.Helper()
	n := &sysNotify{path: filepath.Join(t.TempDir(), "notify.sock")}
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: n.path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	go func() {
		buf := make([]byte, 4096)
		for {
			k, _, err := c.ReadFromUnix(buf)
			if err != nil {
				return
			}
			if bytes.Contains(buf[:k], []byte(want)) {
				n.mu.Lock()
				n.at = append(n.at, time.Now())
				n.mu.Unlock()
			}
		}
	}()
	return n
}

// maxGap is the longest time between two arrivals within [from, to],
// counting from `from` to the first and from the last to `to`.
func (n *sysNotify) maxGap(from, to time.Time) (time.Duration, int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	prev, gap, count := from, time.Duration(0), 0
	for _, a := range n.at {
		if a.Before(from) || a.After(to) {
			continue
		}
		gap = max(gap, a.Sub(prev))
		prev = a
		count++
	}
	return max(gap, to.Sub(prev)), count
}

// TestWatchdogUnderEnableGuessing: 40 SSH clients (privilege 5, each from
// its own address) guess the enable secret for 8 s; the daemon's
// WATCHDOG=1 pings keep coming with margin (WatchdogSec 2 s: a ping every
// 500 ms, none more than 1.5 s after the previous one), and no guess
// succeeds (the per-user throttle queues them; a client gives up after
// 10 s).
func TestWatchdogUnderEnableGuessing(t *testing.T) {
	key, pub := sysKey(t)
	ip := sysNet + "35"
	port := sysFreePort(t, ip)
	cfg := "hostname guess\nusername admin privilege 0 password Adm1n-secret-pw\nusername ro privilege 5\nusername ro ssh-key " + pub +
		"\nenable secret the-Real-3nable\nip ssh listen-address " + ip + "\nip ssh port " + strconv.Itoa(port) + "\nend\n"
	ns := sysListenNotify(t, "WATCHDOG=1")
	const period = 2 * time.Second
	d := sysBoot(t, sipslbBin, cfg, "SIPSLB_TEST_SSH=", "NOTIFY_SOCKET="+ns.path, "WATCHDOG_USEC="+strconv.Itoa(int(period/time.Microsecond)))
	sysWait(t, "the SSH port", func() bool {
		c, err := net.DialTimeout("tcp", net.JoinHostPort(ip, strconv.Itoa(port)), time.Second)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	start := time.Now()
	end := start.Add(8 * time.Second)
	var wg sync.WaitGroup
	var mu sync.Mutex
	tries, entered := 0, 0
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			src := sysNet + strconv.Itoa(40+i)
			for n := 0; n < 20 && time.Now().Before(end); n++ {
				_, code := sysSSHUser(t, 10*time.Second, "ro", src, ip, port, key, "enable wrong-"+strconv.Itoa(n))
				mu.Lock()
				tries++
				if code == 0 {
					entered++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	stop := time.Now()
	gap, pings := ns.maxGap(start, stop)
	t.Logf("%d enable guesses over SSH in %v; %d WATCHDOG=1, longest gap %v (WatchdogSec %v)", tries, stop.Sub(start).Round(time.Millisecond), pings, gap.Round(time.Millisecond), period)
	if gap > period*3/4 {
		t.Errorf("a WATCHDOG=1 came %v after the previous one under load (WatchdogSec %v)", gap, period)
	}
	if tries < 40 {
		t.Errorf("only %d guesses were made", tries)
	}
	if entered > 0 {
		t.Errorf("%d wrong enable secrets were accepted", entered)
	}
	if strings.Contains(d.Log(), "pings withheld") {
		t.Errorf("the watchdog withheld its pings under load")
	}
}

// TestRunHistoryInShowVersion: show version counts the restarts that
// followed an unclean exit and says how the previous run ended: SIGKILL
// (as a power cut or a watchdog kill leave it), SIGTERM, and SIGABRT
// (systemd's watchdog signal), after which the daemon exits with status 2
// and its goroutines in the log.
func TestRunHistoryInShowVersion(t *testing.T) {
	dir := t.TempDir()
	boot := func() *harness.LB {
		return harness.StartLB(t, sipslbBin, harness.Options{Dir: dir, Env: []string{"SIPSLB_TEST_SSH=off"}})
	}
	d := boot()
	v := d.CLI(t, "show version")
	if !strings.Contains(v, "Restarts after an unclean exit: 0 (starts on this state directory: 1)") || strings.Contains(v, "Last exit") {
		t.Fatalf("first start:\n%s", v)
	}
	d.Cmd.Process.Kill()
	<-d.Exited()
	d = boot()
	v = d.CLI(t, "show version")
	if !strings.Contains(v, "Restarts after an unclean exit: 1 (starts on this state directory: 2)") || !strings.Contains(v, "Last exit: unclean: the run started ") {
		t.Fatalf("after SIGKILL:\n%s", v)
	}
	d.Stop(t)
	d = boot()
	if v = d.CLI(t, "show version"); !strings.Contains(v, "Restarts after an unclean exit: 1 (starts on this state directory: 3)") || !strings.Contains(v, "Last exit: stopped by SIGTERM at ") {
		t.Fatalf("after SIGTERM:\n%s", v)
	}
	d.Signal(syscall.SIGABRT)
	select {
	case <-d.Exited():
	case <-time.After(10 * time.Second):
		t.Fatal("no exit 10 s after SIGABRT")
	}
	if code := d.Cmd.ProcessState.ExitCode(); code != 2 || !strings.Contains(d.Log(), "goroutine ") {
		t.Errorf("after SIGABRT: exit %d, goroutine dump in the log: %v", code, strings.Contains(d.Log(), "goroutine "))
	}
	d = boot()
	if v = d.CLI(t, "show version"); !strings.Contains(v, "Last exit: SIGABRT (systemd watchdog timeout or abort) at ") {
		t.Fatalf("after SIGABRT:\n%s", v)
	}
}

// sysFreeUDPPort is a UDP port free on ip right now.
func sysFreeUDPPort(t *testing.T, ip string) int {
	t.Helper()
	c, err := net.ListenPacket("udp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// TestGetBulkNegativeRepetitions: a GetBulk whose max-repetitions is -1
// (which gosnmp decodes as 2^31-1) gets the non-repeaters' answers only
// from the running agent, as RFC 3416 4.2.3 says, and never a walk of the
// MIB up to the size limit.
func TestGetBulkNegativeRepetitions(t *testing.T) {
	ip := sysNet + "90"
	port := sysFreeUDPPort(t, ip)
	const community = "hostile-ro"
	cfg := "hostname bulk\nsnmp-server listen-address " + ip + "\nsnmp-server port " + strconv.Itoa(port) +
		"\nsnmp-server community " + community + " ro\nend\n"
	sysBoot(t, sipslbBin, cfg, "SIPSLB_TEST_SSH=off")
	harness.WaitUDP(t, ip, port)
	conn, err := net.Dial("udp", net.JoinHostPort(ip, strconv.Itoa(port)))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, tc := range []struct {
		name           string
		nonRep, maxRep byte
		want           int
	}{
		{"max-repetitions -1", 0x01, 0xff, 1},
		{"both -1", 0xff, 0xff, 0},
		{"control: 1 and 5", 0x01, 0x05, 6},
	} {
		p := &gosnmp.SnmpPacket{Version: gosnmp.Version2c, Community: community, PDUType: gosnmp.GetBulkRequest,
			RequestID: 4242, NonRepeaters: 0x55, MaxRepetitions: 0x66,
			Variables: []gosnmp.SnmpPDU{{Name: ".1.3.6.1.2.1.1.1", Type: gosnmp.Null}, {Name: ".1.3.6.1.2.1.1", Type: gosnmp.Null}}}
		raw, err := p.MarshalMsg()
		if err != nil {
			t.Fatal(err)
		}
		marker := []byte{0x02, 0x01, 0x55, 0x02, 0x01, 0x66}
		i := bytes.Index(raw, marker)
		if i < 0 {
			t.Fatalf("no bulk fields in %x", raw)
		}
		raw[i+2], raw[i+5] = tc.nonRep, tc.maxRep
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := conn.Write(raw); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 65536)
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("%s: no answer: %v", tc.name, err)
		}
		dec := gosnmp.GoSNMP{Version: gosnmp.Version2c}
		resp, err := dec.SnmpDecodePacket(buf[:n])
		if err != nil {
			t.Fatalf("%s: undecodable answer: %v", tc.name, err)
		}
		if resp.Error != gosnmp.NoError || len(resp.Variables) != tc.want {
			t.Errorf("%s: error %v, %d varbinds (%d bytes), want %d", tc.name, resp.Error, len(resp.Variables), n, tc.want)
		}
	}
}
