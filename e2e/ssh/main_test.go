// Package ssh tests the appliance's ways in as an admin uses them: OpenSSH's
// ssh client against the daemon's embedded SSH server (key and password
// logins, one-shot commands, an interactive session on a pty, privilege,
// throttling, idle timeout), the sd_notify protocol on a notify socket of
// the test's own, and the systemd units checked by systemd-analyze.
//
// Every daemon listens on 127.41.0.1 on a port of its own; clients bind
// 127.41.0.2 and up with ssh -b, so throttling per source address is seen
// as it is on a network.
package ssh

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
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

	"sipslb/e2e/internal/harness"
)

const serverIP = "127.41.0.1"

var (
	bin    string
	tmpDir string // lives as long as the test binary: keys, askpass
)

func TestMain(m *testing.M) {
	harness.MainWith(m, "ssh", &bin, func(dir string) error {
		tmpDir = dir
		askpass = filepath.Join(dir, "askpass.sh")
		return os.WriteFile(askpass, []byte("#!/bin/sh\nprintf '%s\\n' \"$SIPSLB_TEST_PW\"\n"), 0o700)
	})
}

// freePort finds a TCP port free on ip.
func freePort(t *testing.T, ip string) int {
	t.Helper()
	ln, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// user is a login the test made: a password and a key file.
type user struct {
	name, password, keyFile, pubKey string
}

func newUser(t *testing.T, name string) user {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	blk, err := xssh.MarshalPrivateKey(priv, name+"@test")
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(tmpDir, "id_"+name)
	if err := os.WriteFile(f, pem.EncodeToMemory(blk), 0o600); err != nil {
		t.Fatal(err)
	}
	pk, _ := xssh.NewPublicKey(pub)
	return user{name: name, password: "pw-" + name + "-Xy7", keyFile: f, pubKey: strings.TrimSpace(string(xssh.MarshalAuthorizedKey(pk)))}
}

// The users every test daemon knows: admin (privilege 0) and ro (5), each
// with a password and a key.
var admin, ro user

func users(t *testing.T) {
	if admin.name == "" {
		admin, ro = newUser(t, "admin"), newUser(t, "ro")
	}
}

// lb is a running `sipslb boot` whose SSH server listens on serverIP:port.
type lb struct {
	*harness.LB
	t    *testing.T
	port int
}

// accepts reports whether the SSH port takes a TCP connection.
func (d *lb) accepts() bool {
	c, err := net.DialTimeout("tcp", net.JoinHostPort(serverIP, strconv.Itoa(d.port)), time.Second)
	if err == nil {
		c.Close()
	}
	return err == nil
}

// startupConfig is a config with both users, SSH on serverIP:port, and
// extra lines.
func startupConfig(port int, extra ...string) string {
	lines := []string{
		"hostname lb1",
		"username admin privilege 0 password " + admin.password,
		"username admin ssh-key " + admin.pubKey + " admin-key",
		"username ro privilege 5 password " + ro.password,
		"username ro ssh-key " + ro.pubKey,
		"ip ssh listen-address " + serverIP,
		"ip ssh port " + strconv.Itoa(port),
	}
	return strings.Join(append(lines, extra...), "\n") + "\n"
}

// boot starts the daemon on a fresh state dir holding startup-config text
// (or on dir when given) and waits for its control socket and SSH port.
func boot(t *testing.T, dir, text string, port int, env ...string) *lb {
	t.Helper()
	d := &lb{t: t, port: port}
	// These daemons are the ones that serve SSH.
	d.LB = harness.StartLB(t, bin, harness.Options{Dir: dir, StartupConfig: text, Env: env, SSH: true, Ready: d.accepts})
	return d
}

// result is one ssh run.
type result struct {
	stdout, stderr string
	code           int
	took           time.Duration
}

// client is how one ssh invocation logs in.
type client struct {
	u        user
	password string // "" = key login
	from     string // source address (ssh -b)
	extra    []string
}

func (c client) args(port int) ([]string, []string) {
	// ssh keeps the first value given for an option: extra comes first.
	args := append(append([]string(nil), c.extra...), "-F", "/dev/null", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10", "-o", "ServerAliveInterval=0",
		"-p", strconv.Itoa(port), "-l", c.u.name)
	if c.from != "" {
		args = append(args, "-b", c.from)
	}
	var env []string
	if c.password == "" {
		args = append(args, "-i", c.u.keyFile, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
			"-o", "PasswordAuthentication=no", "-o", "KbdInteractiveAuthentication=no")
	} else {
		// No sshpass: OpenSSH asks SSH_ASKPASS when forced to, and the
		// script prints the password the test put in the environment.
		args = append(args, "-o", "PubkeyAuthentication=no", "-o", "PreferredAuthentications=password",
			"-o", "NumberOfPasswordPrompts=1")
		env = append(env, "SSH_ASKPASS="+askpass, "SSH_ASKPASS_REQUIRE=force", "SIPSLB_TEST_PW="+c.password, "DISPLAY=:0")
	}
	return args, env
}

// askpass is a script that prints $SIPSLB_TEST_PW (made in TestMain).
var askpass string

// ssh runs one ssh command (no tty, its own session so that it cannot
// reach a terminal) and returns what it printed and its exit status.
func (d *lb) ssh(c client, command string) result {
	d.t.Helper()
	args, env := c.args(d.port)
	args = append(args, serverIP)
	if command != "" {
		args = append(args, command)
	}
	cmd := exec.Command("ssh", args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	start := time.Now()
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		d.t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		err = <-done
		d.t.Errorf("ssh %q ran over 60s", command)
	}
	r := result{stdout: o.String(), stderr: e.String(), took: time.Since(start)}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else if err != nil {
		d.t.Fatal(err)
	}
	return r
}

func contains(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, text)
		}
	}
}
