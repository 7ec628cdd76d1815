package ssh

// Effect tests of the SSH keywords that TestOneShot, TestLiveReconfigure
// and TestIdleTimeout leave out (docs/cli.md, "Which tests cover which
// keyword"): no username NAME ssh-key, ip ssh idle-timeout 0, and ip ssh
// after no ip ssh.

import (
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"sipslb/e2e/internal/harness"
)

// TestNoUserSSHKey: no username ro ssh-key KEY refuses that key from then
// on (it was accepted before), while ro's password and admin's key still
// log in.
func TestNoUserSSHKey(t *testing.T) {
	harness.NeedTools(t, "ssh")
	users(t)
	port := freePort(t, serverIP)
	d := boot(t, "", startupConfig(port), port)
	if r := d.ssh(client{u: ro}, "show version"); r.code != 0 {
		t.Fatalf("ro's key before its removal: exit %d\n%s", r.code, r.stderr)
	}
	if r := d.ssh(client{u: admin}, "configure terminal\nno username ro ssh-key "+ro.pubKey); r.code != 0 {
		t.Fatalf("no username ro ssh-key: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r := d.ssh(client{u: ro}, "show version")
	if r.code != 255 || !strings.Contains(r.stderr, "Permission denied") || strings.Contains(r.stdout, "lb1") {
		t.Errorf("ro's removed key: exit %d, want 255 and Permission denied\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if r := d.ssh(client{u: ro, password: ro.password}, "show version"); r.code != 0 {
		t.Errorf("ro's password after the key removal: exit %d\n%s", r.code, r.stderr)
	}
	r = d.ssh(client{u: admin}, "show running-config")
	if r.code != 0 {
		t.Fatalf("admin's key after ro's key removal: exit %d\n%s", r.code, r.stderr)
	}
	if strings.Contains(r.stdout, "username ro ssh-key") || !strings.Contains(r.stdout, "username admin ssh-key "+admin.pubKey) {
		t.Errorf("running-config after no username ro ssh-key:\n%s", r.stdout)
	}
}

// TestIdleTimeoutNever: with ip ssh idle-timeout 1 an idle session is
// closed after about a second; after ip ssh idle-timeout 0 a session idle
// for 3 s is still open and still runs commands.
func TestIdleTimeoutNever(t *testing.T) {
	harness.NeedTools(t, "ssh")
	users(t)
	port := freePort(t, serverIP)
	d := boot(t, "", startupConfig(port, "ip ssh idle-timeout 1"), port)
	args, _ := client{u: admin}.args(port)
	short := startCmd(t, "ssh", append(args, "-T", serverIP)...)
	code, _, errOut := short.wait(t, 10*time.Second)
	if code == 0 || !strings.Contains(errOut, "idle for 1s, session closed") {
		t.Fatalf("idle-timeout 1: exit %d stderr %q", code, errOut)
	}

	if r := d.ssh(client{u: admin}, "configure terminal\nip ssh idle-timeout 0"); r.code != 0 {
		t.Fatalf("ip ssh idle-timeout 0: exit %d\n%s", r.code, r.stderr)
	}
	never := startCmd(t, "ssh", append(args, "-T", serverIP)...)
	select {
	case err := <-never.done:
		t.Fatalf("idle-timeout 0: the session ended within 3 s (%v)\nstderr: %s", err, never.errOut.String())
	case <-time.After(3 * time.Second):
	}
	io.WriteString(never.stdin, "show version\n")
	never.stdin.Close()
	code, out, errOut := never.wait(t, 10*time.Second)
	if code != 0 || !strings.Contains(out, "Hostname: lb1") {
		t.Errorf("idle-timeout 0: after 3 s idle the session answered exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if n := strings.Count(d.Log(), `msg="ssh: idle timeout"`); n != 1 {
		t.Errorf("%d idle timeouts logged, want 1 (the idle-timeout 1 session)", n)
	}
}

// TestSSHBackOn: after no ip ssh the port refuses; ip ssh (through the
// control socket, the way in left) makes the server listen again on the
// same address and port, and logins work.
func TestSSHBackOn(t *testing.T) {
	harness.NeedTools(t, "ssh")
	users(t)
	port := freePort(t, serverIP)
	d := boot(t, "", startupConfig(port), port)
	if r := d.ssh(client{u: admin}, "configure terminal\nno ip ssh"); r.code != 0 {
		t.Fatalf("no ip ssh: exit %d\n%s", r.code, r.stderr)
	}
	if d.accepts() {
		t.Fatalf("no ip ssh: port %d still accepts", port)
	}
	d.CLI(t, "configure terminal", "ip ssh", "end")
	harness.WaitFor(t, 15*time.Second, "the SSH port to accept again after ip ssh", d.accepts)
	r := d.ssh(client{u: admin}, "show running-config")
	if r.code != 0 {
		t.Fatalf("key login after ip ssh: exit %d\n%s", r.code, r.stderr)
	}
	if strings.Contains(r.stdout, "no ip ssh") || !strings.Contains(r.stdout, "ip ssh port "+strconv.Itoa(port)) {
		t.Errorf("running-config after ip ssh:\n%s", r.stdout)
	}
}
