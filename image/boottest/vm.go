package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Firmware selects how the guest boots the disk.
type Firmware int

const (
	BIOS Firmware = iota // SeaBIOS, i440fx, virtio disk and NIC
	UEFI                 // OVMF, q35, AHCI disk and e1000e NIC
)

func (f Firmware) String() string { return [...]string{"BIOS", "UEFI"}[f] }

// Forwarded ports on the (namespace-private) loopback.
const (
	fwdSSH  = 2222  // tcp -> guest 22
	fwdSIP  = 15060 // udp -> guest 10.0.2.15:5060 (the VIP)
	fwdSNMP = 16161 // udp -> guest 10.0.2.15:161
)

// VM is one qemu process booting one disk.
type VM struct {
	Name    string
	dir     string
	cmd     *exec.Cmd
	Con     *Console
	Started time.Time
	exited  chan error
	killed  bool
}

// Boot starts qemu on disk (format "qcow2" or "raw"). With snapshot the
// disk is never written.
func Boot(name, dir, disk, format string, fw Firmware, snapshot bool) (*VM, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	sock := filepath.Join(dir, "serial.sock")
	logf := filepath.Join(dir, "serial.log")
	os.Remove(sock)
	os.Remove(logf)
	net := fmt.Sprintf("user,id=n0,hostfwd=tcp:127.0.0.1:%d-:22,hostfwd=udp:127.0.0.1:%d-10.0.2.15:5060,hostfwd=udp:127.0.0.1:%d-10.0.2.15:161",
		fwdSSH, fwdSIP, fwdSNMP)
	drive := "file=" + disk + ",format=" + format
	if snapshot {
		drive += ",snapshot=on"
	}
	args := []string{
		"-accel", "tcg", "-nodefaults", "-no-user-config", "-display", "none",
		"-m", "512", "-smp", "2",
		"-chardev", "socket,id=ser0,path=" + sock + ",server=on,wait=off,logfile=" + logf,
		"-serial", "chardev:ser0",
		"-netdev", net,
	}
	switch fw {
	case BIOS:
		args = append(args, "-machine", "pc",
			"-device", "virtio-net-pci,netdev=n0",
			"-drive", drive+",if=virtio")
	case UEFI:
		vars := filepath.Join(dir, "OVMF_VARS.fd")
		if err := copyFile("/usr/share/OVMF/OVMF_VARS_4M.fd", vars); err != nil {
			return nil, fmt.Errorf("ovmf (Debian package ovmf): %w", err)
		}
		args = append(args, "-machine", "q35",
			"-drive", "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd",
			"-drive", "if=pflash,format=raw,unit=1,file="+vars,
			"-device", "e1000e,netdev=n0",
			"-drive", drive+",if=ide") // q35's IDE bus is AHCI
	}
	vm := &VM{Name: name, dir: dir, exited: make(chan error, 1)}
	vm.cmd = exec.Command("qemu-system-x86_64", args...)
	qlog, err := os.Create(filepath.Join(dir, "qemu.log"))
	if err != nil {
		return nil, err
	}
	vm.cmd.Stdout, vm.cmd.Stderr = qlog, qlog
	vm.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	vm.Started = time.Now()
	if err := vm.cmd.Start(); err != nil {
		qlog.Close()
		return nil, fmt.Errorf("qemu: %w", err)
	}
	go func() { vm.exited <- vm.cmd.Wait(); qlog.Close() }()
	vm.Con, err = dialConsole(sock, 20*time.Second)
	if err != nil {
		vm.Kill()
		return nil, fmt.Errorf("%w (qemu log: %s)", err, tailFile(filepath.Join(dir, "qemu.log"), 10))
	}
	return vm, nil
}

// Kill stops qemu at once: a power cut, which is what `write memory` must
// survive.
func (vm *VM) Kill() {
	if vm.killed {
		return
	}
	vm.killed = true
	if vm.Con != nil {
		vm.Con.Close()
		vm.Con = nil
	}
	if vm.cmd.Process != nil {
		vm.cmd.Process.Kill()
		select {
		case <-vm.exited:
		case <-time.After(10 * time.Second):
		}
	}
}

// Tail is the last n lines of everything the serial port printed since
// boot, escapes removed.
func (vm *VM) Tail(n int) string { return tailFile(filepath.Join(vm.dir, "serial.log"), n) }

func tailFile(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(clean(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o644)
}
