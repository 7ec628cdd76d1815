package main

import (
	"bytes"
	_ "embed"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"
)

//go:embed testdata/uac.xml
var uacXML []byte

// sippCalls runs two SIPp UAS on the host side (the guest's 10.0.2.2:5070
// and :5071) and a SIPp UAC that calls the VIP through the forwarded port.
// It wants every call to succeed and each UAS to have taken some.
func sippCalls(dir string, calls int) error {
	if _, err := exec.LookPath("sipp"); err != nil {
		return fmt.Errorf("sipp not installed (Debian package sip-tester)")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var uas []*exec.Cmd
	defer func() {
		for _, c := range uas {
			c.Process.Kill()
			c.Wait()
		}
	}()
	for i, port := range []string{"5070", "5071"} {
		c := exec.Command("sipp", "-sn", "uas", "-i", "127.0.0.1", "-p", port, "-nostdin",
			"-trace_msg", "-message_file", filepath.Join(dir, fmt.Sprintf("uas%d.msg", i+1)))
		c.Dir = dir
		c.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if err := c.Start(); err != nil {
			return fmt.Errorf("sipp uas: %w", err)
		}
		uas = append(uas, c)
	}
	uacFile := filepath.Join(dir, "uac.xml")
	if err := os.WriteFile(uacFile, uacXML, 0o644); err != nil {
		return err
	}
	time.Sleep(500 * time.Millisecond)
	uac := func(n int, timeout string) ([]byte, error) {
		c := exec.Command("sipp", "-sf", uacFile, "-key", "vip", "10.0.2.15:5060", "-i", "127.0.0.1", "-p", "5080", "-nostdin",
			"-m", fmt.Sprint(n), "-r", "5", "-timeout", timeout, "-timeout_error",
			"-trace_err", "-error_file", filepath.Join(dir, "uac.err"),
			fmt.Sprintf("127.0.0.1:%d", fwdSIP))
		c.Dir = dir
		return c.CombinedOutput()
	}
	// The guest may still be taking its DHCP lease when sipslb is READY:
	// single calls until one goes through (bounded), then the real run.
	deadline := time.Now().Add(90 * time.Second)
	for {
		out, err := uac(1, "8s")
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no single call through the VIP within 90 s (sipp uac: %v)\n%s\n%s", err, lastLines(string(out), 25), tailFile(filepath.Join(dir, "uac.err"), 10))
		}
		time.Sleep(2 * time.Second)
	}
	out, err := uac(calls, "90s")
	if err != nil {
		return fmt.Errorf("sipp uac %d calls: %v\n%s\n%s", calls, err, lastLines(string(out), 25), tailFile(filepath.Join(dir, "uac.err"), 10))
	}
	var got []int
	for i := range uas {
		b, _ := os.ReadFile(filepath.Join(dir, fmt.Sprintf("uas%d.msg", i+1)))
		got = append(got, bytes.Count(b, []byte("\nINVITE sip:"))+boolInt(bytes.HasPrefix(b, []byte("INVITE sip:"))))
	}
	if got[0] == 0 || got[1] == 0 || got[0]+got[1] < calls {
		return fmt.Errorf("INVITEs per UAS %v: want both > 0 and %d in all", got, calls)
	}
	fmt.Printf("     %d calls, 0 failed; INVITEs at uas1/uas2: %d/%d\n", calls, got[0], got[1])
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func lastLines(s string, n int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}

// sshCheck logs in with the password of the user the test configured and
// runs one command; it returns the server's host key fingerprint.
func sshCheck() (string, error) {
	var key string
	cfg := &ssh.ClientConfig{
		User: sshUser,
		Auth: []ssh.AuthMethod{ssh.Password(sshPassword)},
		HostKeyCallback: func(_ string, _ net.Addr, k ssh.PublicKey) error {
			key = ssh.FingerprintSHA256(k)
			return nil
		},
		Timeout: 15 * time.Second,
	}
	var last error
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Second) {
		c, err := ssh.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", fwdSSH), cfg)
		if err != nil {
			last = err
			continue
		}
		s, err := c.NewSession()
		if err != nil {
			c.Close()
			return "", fmt.Errorf("ssh session: %w", err)
		}
		out, err := s.CombinedOutput("show version")
		c.Close()
		if err != nil || !strings.Contains(string(out), "version") {
			return "", fmt.Errorf("ssh 'show version': %v\n%s", err, out)
		}
		return key, nil
	}
	return "", fmt.Errorf("ssh login to the forwarded port within 60 s: %w", last)
}

// snmpCheck asks the agent for sysDescr.0 with net-snmp's snmpget.
func snmpCheck() error {
	if _, err := exec.LookPath("snmpget"); err != nil {
		return fmt.Errorf("snmpget not installed (Debian package snmp)")
	}
	var last string
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Second) {
		out, err := exec.Command("snmpget", "-v2c", "-c", snmpComm, "-r", "2", "-t", "3", "-Ov",
			fmt.Sprintf("127.0.0.1:%d", fwdSNMP), "1.3.6.1.2.1.1.1.0").CombinedOutput()
		last = strings.TrimSpace(string(out))
		if err == nil && strings.HasPrefix(last, "STRING:") && len(last) > len("STRING: ") {
			fmt.Printf("     sysDescr.0 = %s\n", last)
			return nil
		}
	}
	return fmt.Errorf("no sysDescr.0 within 60 s; last answer: %s", last)
}

// sshRefused wants the SSH server up but refusing a login: a fresh box has
// no user, so there is no credential that works (docs/services.md).
func sshRefused() error {
	cfg := &ssh.ClientConfig{
		User:            sshUser,
		Auth:            []ssh.AuthMethod{ssh.Password(sshPassword)},
		HostKeyCallback: func(string, net.Addr, ssh.PublicKey) error { return nil },
		Timeout:         15 * time.Second,
	}
	var last error
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Second) {
		c, err := ssh.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", fwdSSH), cfg)
		if err == nil {
			c.Close()
			return fmt.Errorf("ssh login accepted on a box with no user configured")
		}
		if strings.Contains(err.Error(), "unable to authenticate") {
			return nil
		}
		last = err
	}
	return fmt.Errorf("ssh server not answering within 60 s: %w", last)
}
