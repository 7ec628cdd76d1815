package ssh

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"sipslb/e2e/internal/harness"
)

// TestOneShot: key and password logins run a command and exit with its
// status; privilege and credentials are enforced.
func TestOneShot(t *testing.T) {
	harness.NeedTools(t, "ssh")
	users(t)
	port := freePort(t, serverIP)
	d := boot(t, "", startupConfig(port), port)
	adminKey := client{u: admin}
	adminPW := client{u: admin, password: admin.password}
	roKey := client{u: ro}
	roPW := client{u: ro, password: ro.password}
	tests := []struct {
		name       string
		c          client
		command    string
		code       int
		stdout     []string
		stderr     []string
		notStdout  []string
		refusedLog bool
	}{
		{name: "key login", c: adminKey, command: "show version", stdout: []string{"sipslb SIP server load balancer", "Hostname: lb1"}},
		{name: "password login", c: adminPW, command: "show version", stdout: []string{"sipslb SIP server load balancer"}},
		{name: "read-only key", c: roKey, command: "show version", stdout: []string{"Hostname: lb1"}},
		{name: "read-only password", c: roPW, command: "show server real", stdout: []string{"Real Servers Info"}},
		{name: "read-only refused config", c: roPW, command: "configure terminal", code: 1, stderr: []string{"% Access denied: user ro is read-only (privilege 5)"}},
		{name: "read-only refused after enable", c: roKey, command: "enable\nconfigure terminal", code: 1,
			stderr: []string{"% Access denied: user ro is read-only (privilege 5)"}},
		{name: "read-only running-config hides secrets", c: roKey, command: "enable\nshow running-config",
			stdout: []string{"! username admin privilege 0 password-hash <hidden>\n", "username ro ssh-key " + ro.pubKey}, notStdout: []string{"$2a$"}},
		{name: "admin running-config has hashes", c: adminKey, command: "show running-config",
			stdout: []string{"username admin privilege 0 password-hash $2a$"}},
		{name: "failed line sets status", c: adminKey, command: "show version\nshwo version", code: 1,
			stdout: []string{"sipslb SIP server load balancer"}, stderr: []string{"shwo version\n^\n% Invalid input"}},
		{name: "config lines in one exec", c: adminKey, command: "configure terminal\nserver real rs1 127.41.9.1\nport sip\nend\nshow server real rs1", stdout: []string{"Name: rs1"}},
		{name: "exec on a pty gets CR LF", c: client{u: admin, extra: []string{"-tt"}}, command: "show version", stdout: []string{"Hostname: lb1\r\n"}},
		{name: "wrong password", c: client{u: admin, password: "nope"}, command: "show version", code: 255, stderr: []string{"Permission denied"}, notStdout: []string{"sipslb"}},
		{name: "unknown user", c: client{u: user{name: "mallory"}, password: "x"}, command: "show version", code: 255, stderr: []string{"Permission denied"}},
		{name: "someone else's key", c: client{u: user{name: "admin", keyFile: ro.keyFile}}, command: "show version", code: 255, stderr: []string{"Permission denied"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := d.ssh(tt.c, tt.command)
			if r.code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tt.code, r.stdout, r.stderr)
			}
			contains(t, "stdout", r.stdout, tt.stdout...)
			contains(t, "stderr", r.stderr, tt.stderr...)
			for _, n := range tt.notStdout {
				if strings.Contains(r.stdout, n) {
					t.Errorf("stdout has %q:\n%s", n, r.stdout)
				}
			}
		})
	}
	contains(t, "daemon log", d.Log(), `msg="ssh: login failed" user=admin`, `msg="ssh: login failed" user=mallory`)
}

// TestNoSuperUserNoLogin: with no privilege-0 user every login is refused,
// even a read-only user's correct password, and the log says why.
func TestNoSuperUserNoLogin(t *testing.T) {
	harness.NeedTools(t, "ssh")
	users(t)
	port := freePort(t, serverIP)
	text := strings.Join([]string{
		"username ro privilege 5 password " + ro.password,
		"username ro ssh-key " + ro.pubKey,
		"ip ssh listen-address " + serverIP,
		"ip ssh port " + strconv.Itoa(port),
	}, "\n")
	d := boot(t, "", text, port)
	for _, c := range []client{{u: ro, password: ro.password}, {u: ro}} {
		c.extra = []string{"-o", "LogLevel=INFO"} // ssh shows the banner from INFO up
		r := d.ssh(c, "show version")
		if r.code != 255 {
			t.Errorf("login with no privilege-0 user: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		contains(t, "ssh stderr (banner)", r.stderr, "sipslb: no privilege-0 user is configured, so every SSH login is refused.")
	}
	contains(t, "daemon log", d.Log(), "no privilege-0 user is configured")
}

// TestThrottle: after 5 failed passwords from one address, its next
// attempt waits at least 2 s even with the right password; another
// address logs in at once.
func TestThrottle(t *testing.T) {
	harness.NeedTools(t, "ssh")
	users(t)
	port := freePort(t, serverIP)
	d := boot(t, "", startupConfig(port), port)
	bad := client{u: admin, password: "wrong", from: "127.41.0.2"}
	for i := range 5 {
		r := d.ssh(bad, "show version")
		if r.code != 255 {
			t.Fatalf("wrong password %d: exit %d", i+1, r.code)
		}
		if r.took >= 2*time.Second {
			t.Logf("note: failure %d took %v before throttling starts (busy machine?)", i+1, r.took)
		}
	}
	good := client{u: admin, password: admin.password, from: "127.41.0.2"}
	r := d.ssh(good, "show version")
	if r.code != 0 {
		t.Fatalf("right password from the throttled address: exit %d\n%s", r.code, r.stderr)
	}
	if r.took < 2*time.Second {
		t.Errorf("throttled address logged in after %v, want >= 2s", r.took)
	}
	other := client{u: admin, password: admin.password, from: "127.41.0.3"}
	r2 := d.ssh(other, "show version")
	if r2.code != 0 {
		t.Fatalf("other address: exit %d\n%s", r2.code, r2.stderr)
	}
	if r2.took >= 2*time.Second || r2.took >= r.took {
		t.Errorf("other address took %v (throttled one %v): it was delayed too", r2.took, r.took)
	}
	log := d.Log()
	contains(t, "daemon log", log, `msg="ssh: login attempt throttled" from=127.41.0.2`, "failures=5")
	if strings.Contains(log, "throttled\" from=127.41.0.3") {
		t.Errorf("127.41.0.3 was throttled:\n%s", log)
	}
}

// TestHostKeyKept: the host key is made once (0600) and survives a
// restart; ssh-keyscan sees the same key.
func TestHostKeyKept(t *testing.T) {
	harness.NeedTools(t, "ssh")
	users(t)
	harness.NeedTools(t, "ssh-keyscan")
	port := freePort(t, serverIP)
	dir := t.TempDir()
	d := boot(t, dir, startupConfig(port), port)
	scan := func() string {
		out, err := execOut("ssh-keyscan", "-T", "10", "-t", "ed25519", "-p", strconv.Itoa(port), serverIP)
		if err != nil || !strings.Contains(out, "ssh-ed25519 ") {
			t.Fatalf("ssh-keyscan: %v %q", err, out)
		}
		return out
	}
	first := scan()
	st, err := os.Stat(filepath.Join(dir, "ssh_host_ed25519_key"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("host key file: %v %v", st, err)
	}
	d.Stop(t)
	boot(t, dir, "", port)
	if again := scan(); again != first {
		t.Errorf("host key changed across a restart:\n%s\n%s", first, again)
	}
}

// TestLiveReconfigure: changing the port rebinds at once; removing a user
// closes their open session; no ip ssh stops listening.
func TestLiveReconfigure(t *testing.T) {
	harness.NeedTools(t, "ssh")
	users(t)
	port := freePort(t, serverIP)
	d := boot(t, "", startupConfig(port), port)
	newPort := freePort(t, serverIP)
	r := d.ssh(client{u: admin}, "configure terminal\nip ssh port "+strconv.Itoa(newPort))
	if r.code != 0 {
		t.Fatalf("port change: %d %s", r.code, r.stderr)
	}
	if c, err := net.DialTimeout("tcp", net.JoinHostPort(serverIP, strconv.Itoa(port)), time.Second); err == nil {
		c.Close()
		t.Errorf("old port %d still accepts", port)
	}
	d.port = newPort
	if r := d.ssh(client{u: admin}, "show version"); r.code != 0 {
		t.Fatalf("new port: exit %d %s", r.code, r.stderr)
	}
	// ro sits in a pty-less shell; admin removes ro; ro's session ends.
	args, _ := client{u: ro}.args(newPort)
	sh := startCmd(t, "ssh", append(args, "-T", serverIP)...)
	harness.WaitFor(t, 15*time.Second, "ro's session in show users", func() bool {
		return strings.Contains(d.ssh(client{u: admin}, "show users").stdout, "ro ")
	})
	if r := d.ssh(client{u: admin}, "configure terminal\nno username ro"); r.code != 0 {
		t.Fatalf("no username ro: %d %s", r.code, r.stderr)
	}
	code, _, errOut := sh.wait(t, 10*time.Second)
	if code == 0 || !strings.Contains(errOut, "your user account was removed") {
		t.Errorf("ro's session after removal: exit %d stderr %q", code, errOut)
	}
	if r := d.ssh(client{u: admin}, "configure terminal\nno ip ssh"); r.code != 0 {
		t.Fatalf("no ip ssh: %d %s", r.code, r.stderr)
	}
	if c, err := net.DialTimeout("tcp", net.JoinHostPort(serverIP, strconv.Itoa(newPort)), time.Second); err == nil {
		c.Close()
		t.Errorf("no ip ssh: port %d still accepts", newPort)
	}
}

// TestIdleTimeout: a session with no input is closed after ip ssh
// idle-timeout, with a message.
func TestIdleTimeout(t *testing.T) {
	harness.NeedTools(t, "ssh")
	users(t)
	port := freePort(t, serverIP)
	d := boot(t, "", startupConfig(port, "ip ssh idle-timeout 2"), port)
	args, _ := client{u: admin}.args(port)
	start := time.Now()
	sh := startCmd(t, "ssh", append(args, "-T", serverIP)...)
	code, _, errOut := sh.wait(t, 20*time.Second)
	took := time.Since(start)
	if !strings.Contains(errOut, "idle for 2s, session closed") || code == 0 {
		t.Errorf("exit %d stderr %q", code, errOut)
	}
	if took < 2*time.Second {
		t.Errorf("closed after %v, before the 2s idle timeout", took)
	}
	contains(t, "daemon log", d.Log(), `msg="ssh: idle timeout" user=admin`)
}

// TestSSHTestKnob: SIPSLB_TEST_SSH=off (what harness.StartLB gives every
// daemon not started with Options.SSH) starts no SSH server, even when the
// config asks for one, and says so in the log.
func TestSSHTestKnob(t *testing.T) {
	users(t)
	port := freePort(t, serverIP)
	dir := t.TempDir()
	d := harness.StartLB(t, bin, harness.Options{Dir: dir, StartupConfig: startupConfig(port)})
	harness.WaitFor(t, 15*time.Second, "the daemon to be ready", func() bool { return strings.Contains(d.Log(), "sipslb ready") })
	contains(t, "daemon log", d.Log(), "ssh disabled by the test knob SIPSLB_TEST_SSH=off")
	if c, err := net.DialTimeout("tcp", net.JoinHostPort(serverIP, strconv.Itoa(port)), time.Second); err == nil {
		c.Close()
		t.Errorf("port %d accepts with SIPSLB_TEST_SSH=off", port)
	}
	if _, err := os.Stat(filepath.Join(dir, "ssh_host_ed25519_key")); err == nil {
		t.Error("a host key was generated with SSH off")
	}
}
