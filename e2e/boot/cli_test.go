package boot

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"sipslb/e2e/internal/harness"
)

func TestExitCodes(t *testing.T) {
	d := boot(t, "")
	out, errOut, code := d.Run("show version", "shwo version", "show server real")
	if code != 1 {
		t.Errorf("a failed line among good ones: exit %d, want 1", code)
	}
	contains(t, "stdout", out, "sipslb SIP server load balancer", "Real Servers Info")
	contains(t, "stderr", errOut, "shwo version\n^\n% Invalid input detected at '^' marker.")
	if _, _, code := d.Run("show version"); code != 0 {
		t.Errorf("good line: exit %d", code)
	}
	if _, _, code := harness.RunCommand(bin, "cli", "--state-dir", t.TempDir(), "-c", "show version"); code != 2 {
		t.Errorf("no daemon: exit %d, want 2", code)
	}
	if _, _, code := harness.RunCommand(bin, "cli", "--bogus"); code != 64 {
		t.Errorf("bad flag: exit %d, want 64", code)
	}
	if _, _, code := harness.RunCommand(bin, "frobnicate"); code != 64 {
		t.Errorf("unknown subcommand: exit %d, want 64", code)
	}
}

// TestModesCarry: modes carry from line to line within one cli run, and a
// local root caller starts in privileged exec.
func TestModesCarry(t *testing.T) {
	d := boot(t, "")
	d.CLI(t, "configure terminal", "hostname edge1", "server real rs1 127.0.0.1", "port sip", "weight 7")
	out := d.CLI(t, "show running-config")
	contains(t, "running-config", out, "hostname edge1", "server real rs1 127.0.0.1\n port sip\n weight 7\n")
	// stdin script, no terminal
	cmd := strings.NewReader("configure terminal\nserver real rs2 127.0.0.2\nport 5070\nend\nshow server real rs2\n")
	o, e, code := harness.RunInput(cmd, bin, "cli", "--state-dir", d.Dir)
	if code != 0 {
		t.Fatalf("stdin script: exit %d: %s", code, e)
	}
	contains(t, "show server real rs2", o, "Name: rs2", "5070")
}

func TestStartupConfigBadLine(t *testing.T) {
	dir := t.TempDir()
	text := "hostname lb7\nserver real rs1 10.0.0.1\n port sip\nserver real rs3 10.0.0.300\n weight 9\nfrobnicate\nserver real rs4 10.0.0.4\n port sip\n weight 4\n"
	os.WriteFile(filepath.Join(dir, "startup-config"), []byte(text), 0o600)
	d := boot(t, dir)
	run := d.CLI(t, "show running-config")
	contains(t, "running-config", run, "hostname lb7", "server real rs4 10.0.0.4\n port sip\n weight 4\n")
	if strings.Contains(run, "rs3") || strings.Contains(run, "weight 9") {
		t.Errorf("skipped block leaked into the config:\n%s", run)
	}
	errs := d.CLI(t, "show startup-config errors")
	contains(t, "show startup-config errors", errs, "line 4:", "line 5:", "line 6:")
	contains(t, "daemon log", d.Log(), "line=4", "line=6")

	out, _, code := runFile(t, text)
	if code != 1 {
		t.Errorf("check-config on a bad file: exit %d", code)
	}
	contains(t, "check-config", out, ":4: ", ":6: ")
	if _, _, code := runFile(t, run); code != 0 {
		t.Errorf("check-config on running-config: exit %d", code)
	}
}

func runFile(t *testing.T, text string) (string, string, int) {
	f := filepath.Join(t.TempDir(), "cfg")
	os.WriteFile(f, []byte(text), 0o600)
	return harness.RunCommand(bin, "check-config", f)
}

func TestWriteMemoryAndReboot(t *testing.T) {
	dir := t.TempDir()
	d := boot(t, dir)
	d.CLI(t, "configure terminal", "hostname keep", "server real rs1 127.0.0.1", "port sip", "end", "write memory")
	want := d.CLI(t, "show running-config")
	d.Stop(t)
	d2 := boot(t, dir)
	if got := d2.CLI(t, "show running-config"); got != want {
		t.Fatalf("after reboot:\n%s\nwant:\n%s", got, want)
	}
	d2.CLI(t, "configure terminal", "hostname second", "end", "write memory")
	bak, _ := os.ReadFile(filepath.Join(dir, "startup-config.bak"))
	if string(bak) != want {
		t.Errorf(".bak is not the previous startup-config:\n%s", bak)
	}
	d2.CLI(t, "erase startup-config")
	if _, err := os.Stat(filepath.Join(dir, "startup-config")); !os.IsNotExist(err) {
		t.Errorf("erase left startup-config: %v", err)
	}
}

// TestSIGHUP: SIGHUP replaces the running config with startup-config;
// a session inside a server that no longer exists goes back to config.
func TestSIGHUP(t *testing.T) {
	d := boot(t, "")
	d.CLI(t, "configure terminal", "server real saved 127.0.0.1", "port sip", "end", "write memory")
	s := dialSession(t, d)
	s.exec("configure terminal")
	s.exec("server real unsaved 127.0.0.2")
	if !strings.Contains(s.prompt(), "(config-rs-unsaved)#") {
		t.Fatalf("prompt %q", s.prompt())
	}
	d.Signal(syscall.SIGHUP)
	deadline := time.Now().Add(5 * time.Second)
	for strings.Contains(d.CLI(t, "show running-config"), "unsaved") {
		if time.Now().After(deadline) {
			t.Fatal("SIGHUP did not reload startup-config")
		}
		time.Sleep(20 * time.Millisecond)
	}
	out, err := s.exec("weight 5")
	if err == "" || !strings.Contains(out, "no longer exists") {
		t.Errorf("session inside a vanished server: out %q err %q", out, err)
	}
	if p := s.prompt(); !strings.HasSuffix(p, "(config)#") {
		t.Errorf("prompt after reload: %q", p)
	}
	contains(t, "daemon log", d.Log(), "unsaved changes are lost")
	contains(t, "show log", d.CLI(t, "show log"), "SIGHUP")
}

func TestFactoryDefaultsAndUnreadable(t *testing.T) {
	dir := t.TempDir()
	d := boot(t, dir)
	contains(t, "running-config", d.CLI(t, "show running-config"), "hostname sipslb")
	d.Stop(t)
	// A startup-config that cannot be read (here: a directory) boots factory
	// defaults and is never overwritten by write memory.
	os.Mkdir(filepath.Join(dir, "startup-config"), 0o700)
	d2 := boot(t, dir)
	_, errOut, code := d2.Run("write memory")
	if code != 1 || !strings.Contains(errOut, "could not be read at boot") {
		t.Errorf("write memory over an unreadable startup-config: exit %d %q", code, errOut)
	}
	if fi, err := os.Stat(filepath.Join(dir, "startup-config")); err != nil || !fi.IsDir() {
		t.Errorf("startup-config was replaced: %v", err)
	}
}

// TestSchedulerProcs: show version tells the CPUs, the workers per VIP
// port (one per CPU) and the scheduler's processors, which an idle daemon
// brings down to one (sys/procs) unless GOMAXPROCS is set, which it
// keeps.
func TestSchedulerProcs(t *testing.T) {
	cpus := runtime.NumCPU() // one CPU: one worker, one processor, still shown
	line := func(d *harness.LB) string {
		out, _, _ := d.Run("show version")
		for l := range strings.Lines(out) {
			if strings.HasPrefix(l, "CPUs: ") {
				return strings.TrimSpace(l)
			}
		}
		t.Fatalf("show version has no CPUs line:\n%s", out)
		return ""
	}
	want := fmt.Sprintf("CPUs: %d, data path workers per VIP port: %d, scheduler processors in use: 1", cpus, cpus)
	d := boot(t, "")
	deadline := time.Now().Add(15 * time.Second)
	for l := line(d); l != want; l = line(d) {
		if time.Now().After(deadline) {
			t.Fatalf("idle daemon: %q, want %q", l, want)
		}
		time.Sleep(200 * time.Millisecond)
	}
	fixed := boot(t, "", "GOMAXPROCS=2")
	time.Sleep(time.Second) // past a few intervals of the controller, were it running
	if l, w := line(fixed), "scheduler processors in use: 2"; !strings.HasSuffix(l, w) {
		t.Errorf("GOMAXPROCS=2 set: %q, want it to end %q", l, w)
	}
	contains(t, "log", fixed.Log(), "scheduler processors fixed")
}
