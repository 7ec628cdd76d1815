package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// The guest's view of the network under qemu user mode: it is 10.0.2.15 by
// DHCP and the host's loopback is its gateway 10.0.2.2. The two SIPp UAS
// listen on the host side, so the VM's real servers are 10.0.2.2:5070 and
// 10.0.2.2:5071, and the VIP is the guest's own address.
var guestConfig = []string{
	"configure terminal",
	"server real uas1 10.0.2.2",
	"port 5070",
	"no port 5070 keepalive", // SIPp's built-in UAS does not answer OPTIONS
	"exit",
	"server real uas2 10.0.2.2",
	"port 5071",
	"no port 5071 keepalive",
	"exit",
	"server virtual vip 10.0.2.15",
	"port sip",
	"bind sip uas1 5070 uas2 5071",
	"exit",
}

// savedLines must be in running-config after reboot and upgrade.
var savedLines = []string{"server real uas1 10.0.2.2", "server real uas2 10.0.2.2", "server virtual vip 10.0.2.15", "bind sip uas1 5070 uas2 5071"}

const (
	sshUser     = "admin"
	sshPassword = "boottest-Secret-1"
	snmpComm    = "boottest"
)

func (r *run) scenario() {
	a := r.path("a.qcow2")
	r.must("overlay a.qcow2 on the built image", qemuImg("create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", abs(r.image+"/sipslb.qcow2"), a))

	// First boot, BIOS.
	vm := r.boot("BIOS first boot", a, "qcow2", BIOS, false)
	r.step(vm, "first boot installed the factory startup-config", func() error {
		out, err := vm.Con.Cmd("show startup-config", cmdWithin)
		if err == nil && !strings.Contains(out, "sipslb factory configuration") {
			err = fmt.Errorf("show startup-config does not show the factory config:\n%s", out)
		}
		return err
	})
	if r.feat.ssh {
		r.step(vm, "SSH refuses every login before the first user exists", sshRefused)
	}
	cfg := append([]string{}, guestConfig...)
	if r.feat.ssh {
		cfg = append(cfg, fmt.Sprintf("username %s privilege 0 password %s", sshUser, sshPassword))
	}
	if r.feat.snmp {
		cfg = append(cfg, "snmp-server community "+snmpComm+" ro")
	}
	cfg = append(cfg, "end")
	r.step(vm, "config pasted into the console at line speed (no line lost)", func() error { return pasteLines(vm, cfg) })
	r.sipCheck(vm, "sipp-first", "SIPp 20 calls through the VIP reach both UAS, 0 failed")
	var hostKey string
	if r.feat.ssh {
		r.step(vm, "SSH login (password) runs `show version`", func() (err error) { hostKey, err = sshCheck(); return err })
	} else {
		r.skip("SSH login", r.feat.sshWhy)
	}
	if r.feat.snmp {
		r.step(vm, "SNMP v2c get sysDescr.0", snmpCheck)
	} else {
		r.skip("SNMP sysDescr", r.feat.snmpWhy)
	}
	r.step(vm, "write memory", func() error { return cliLines(vm, []string{"write memory"}) })
	vm.Kill() // a power cut: write memory must already be on disk

	// Reboot from the same disk.
	vm = r.boot("BIOS reboot", a, "qcow2", BIOS, false)
	r.step(vm, "config survives the reboot (show running-config)", func() error { return hasConfig(vm) })
	r.sipCheck(vm, "sipp-reboot", "SIPp through the VIP after reboot (VIP bound at boot)")
	vm.Kill()

	// Upgrade: a new root image, the old data partition.
	b := r.path("b.qcow2")
	r.must("upgrade.sh vm: b.qcow2 = new image + a.qcow2's data partition",
		runCmd("image/upgrade.sh", "vm", a, abs(r.upgrade+"/sipslb.raw"), b))
	vm = r.boot("BIOS after upgrade", b, "qcow2", BIOS, false)
	r.step(vm, "upgraded image runs the new version", func() error {
		out, err := vm.Con.Cmd("show version", cmdWithin)
		if err == nil && r.wantVersion != "" && !strings.Contains(out, r.wantVersion) {
			err = fmt.Errorf("show version does not name %q:\n%s", r.wantVersion, out)
		}
		return err
	})
	r.step(vm, "config survives the upgrade (show running-config)", func() error { return hasConfig(vm) })
	if r.feat.ssh {
		r.step(vm, "SSH after upgrade: same host key, login works", func() error {
			k, err := sshCheck()
			if err == nil && k != hostKey {
				err = fmt.Errorf("host key changed across the upgrade: %s -> %s", hostKey, k)
			}
			return err
		})
	}
	vm.Kill()

	// UEFI: the raw image as it would be dd'ed to a box, read-only.
	vm = r.boot("UEFI", abs(r.image+"/sipslb.raw"), "raw", UEFI, true)
	vm.Kill()
}

// boot starts a VM and waits for systemd to report sipslb.service started
// (for Type=notify that is READY=1) and for the CLI prompt on the console.
func (r *run) boot(name, disk, format string, fw Firmware, snapshot bool) *VM {
	var vm *VM
	r.step(nil, name+": qemu starts ("+fw.String()+")", func() (err error) {
		vm, err = Boot(strings.ReplaceAll(name, " ", "-"), r.path(strings.ReplaceAll(name, " ", "-")), disk, format, fw, snapshot)
		if err == nil {
			r.vms = append(r.vms, vm)
		}
		return err
	})
	r.step(vm, name+": systemd started sipslb.service (READY=1)", func() error {
		err := waitReady(vm)
		r.ready[name] = time.Since(vm.Started)
		return err
	})
	r.step(vm, name+": CLI prompt on the console, show version", func() error {
		if err := waitPrompt(vm); err != nil {
			return err
		}
		out, err := vm.Con.Cmd("show version", cmdWithin)
		if err == nil && !strings.Contains(out, "version") {
			err = fmt.Errorf("show version printed no version:\n%s", out)
		}
		return err
	})
	return vm
}

func waitReady(vm *VM) error {
	re := regexp.MustCompile(started.String() + "|" + failed.String())
	out, err := vm.Con.Expect(re, bootWithin)
	if err != nil {
		return err
	}
	if failed.MatchString(out) {
		return fmt.Errorf("systemd: sipslb.service failed to start")
	}
	return nil
}

// waitPrompt presses Enter until the CLI answers with a prompt.
func waitPrompt(vm *VM) error {
	deadline := time.Now().Add(promptWithin)
	for time.Now().Before(deadline) {
		if err := vm.Con.Send("\r"); err != nil {
			return err
		}
		if _, err := vm.Con.Expect(regexp.MustCompile(`\n(?s:.*)`+prompt.String()), 3*time.Second); err == nil {
			// Boot messages may still be coming; let them pass.
			return vm.Con.Quiet(2*time.Second, promptWithin)
		}
	}
	return fmt.Errorf("no CLI prompt on the serial console within %s", promptWithin)
}

// cliLines types lines and fails on the first one the CLI refuses.
func cliLines(vm *VM, lines []string) error {
	for _, l := range lines {
		out, err := vm.Con.Cmd(l, cmdWithin)
		if err != nil {
			return err
		}
		if strings.Contains(out, "\n%") || strings.HasPrefix(strings.TrimSpace(out), "%") {
			return fmt.Errorf("the CLI refused %q:\n%s", l, out)
		}
	}
	return nil
}

func hasConfig(vm *VM) error {
	out, err := vm.Con.Cmd("show running-config", cmdWithin)
	if err != nil {
		return err
	}
	for _, l := range savedLines {
		if !strings.Contains(out, l) {
			return fmt.Errorf("running-config lacks %q:\n%s", l, out)
		}
	}
	return nil
}

func (r *run) sipCheck(vm *VM, dir, name string) {
	if !r.feat.proxy {
		r.skip(name, r.feat.proxyWhy)
		return
	}
	r.step(vm, name, func() error { return sippCalls(r.path(dir), 20) })
}

func abs(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	return a
}

func qemuImg(args ...string) error { return runCmd("qemu-img", args...) }

func runCmd(name string, args ...string) error {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

// pasteLines sends a block of lines in one write, as an operator pasting a
// config into a terminal does, and checks that every line ran: the CLI
// answers with the prompt of the mode each line leads to, so the prompts
// must appear in order, and nothing may be refused.
func pasteLines(vm *VM, lines []string) error {
	vm.Con.mu.Lock()
	vm.Con.mark = len(vm.Con.buf)
	vm.Con.mu.Unlock()
	if err := vm.Con.Send(strings.Join(lines, "\r") + "\r"); err != nil {
		return err
	}
	out, err := vm.Con.Expect(regexp.MustCompile(`#end\n[^\n]*sipslb#`), cmdWithin)
	if err != nil {
		return fmt.Errorf("%w\n%s", err, out)
	}
	if strings.Contains(out, "\n%") {
		return fmt.Errorf("the CLI refused a pasted line:\n%s", out)
	}
	if err := vm.Con.Quiet(time.Second, cmdWithin); err != nil {
		return err
	}
	// The CLI must now be back in exec mode with every line applied.
	run, err := vm.Con.Cmd("show running-config", cmdWithin)
	if err != nil {
		return err
	}
	for _, l := range savedLines {
		if !strings.Contains(run, l) {
			return fmt.Errorf("pasted config incomplete: running-config lacks %q:\n%s", l, run)
		}
	}
	return nil
}
