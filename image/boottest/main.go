package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Bounds. TCG on two busy cores boots in 20–40 s; the bounds leave room
// for a slow CI machine without letting a hung guest stall CI.
const (
	bootWithin   = 240 * time.Second
	promptWithin = 60 * time.Second
	cmdWithin    = 30 * time.Second
)

var (
	started = regexp.MustCompile(`Started sipslb\.service`)
	failed  = regexp.MustCompile(`FAILED\] Failed to start sipslb`)
)

type opts struct {
	image, upgrade, work, repo, wantVersion string
}

func main() {
	var o opts
	flag.StringVar(&o.image, "image", "out/image", "directory with sipslb.qcow2 and sipslb.raw (mk-disk.sh)")
	flag.StringVar(&o.upgrade, "upgrade", "out/image-upgrade", "directory with the upgrade image's sipslb.raw")
	flag.StringVar(&o.work, "work", "out/boottest", "scratch directory (overlays, serial logs)")
	flag.StringVar(&o.repo, "repo", ".", "repository, for git log feature checks")
	flag.StringVar(&o.wantVersion, "want-version", "", "version string the upgrade image's `show version` must print")
	flag.Parse()
	o.work = abs(o.work)
	r := &run{opts: o, t0: time.Now()}
	code := r.main()
	r.summary()
	os.Exit(code)
}

type result struct {
	name, status, note string
	took               time.Duration
}

type run struct {
	opts
	t0      time.Time
	results []result
	vms     []*VM
	feat    features
	ready   map[string]time.Duration // boot-to-ready per boot
}

// fail aborts the run: the steps after a failure depend on it.
type fail struct{ err error }

func (r *run) main() (code int) {
	defer func() {
		defer func() {
			for _, vm := range r.vms {
				vm.Kill()
			}
		}()
		if p := recover(); p != nil {
			f, ok := p.(fail)
			if !ok {
				panic(p)
			}
			fmt.Fprintf(os.Stderr, "\nboottest: FAIL: %v\n", f.err)
			code = 1
			hold()
		}
	}()
	r.ready = map[string]time.Duration{}
	r.must("isolated network namespace", isolated())
	r.feat = detect(r.repo)
	os.RemoveAll(r.work)
	r.must("work dir", os.MkdirAll(r.work, 0o755))
	r.scenario()
	return 0
}

// step runs f, records it, and on error stops the run with the VM's last
// 50 console lines.
func (r *run) step(vm *VM, name string, f func() error) {
	t := time.Now()
	err := f()
	res := result{name: name, status: "PASS", took: time.Since(t)}
	if err != nil {
		res.status = "FAIL"
		res.note = err.Error()
	}
	r.results = append(r.results, res)
	fmt.Printf("%-4s %-62s %6.1fs\n", res.status, name, res.took.Seconds())
	if err != nil {
		msg := err.Error()
		if vm != nil {
			msg += fmt.Sprintf("\n--- last 50 lines of the %s serial console ---\n%s\n---", vm.Name, vm.Tail(50))
		}
		panic(fail{fmt.Errorf("%s: %s", name, msg)})
	}
}

func (r *run) skip(name, why string) {
	r.results = append(r.results, result{name: name, status: "SKIP", note: why})
	fmt.Printf("SKIP %-62s\n     SKIPPED LOUDLY: %s\n", name, why)
}

func (r *run) must(name string, err error) { r.step(nil, name, func() error { return err }) }

func (r *run) summary() {
	pass, skip, failN := 0, 0, 0
	for _, x := range r.results {
		switch x.status {
		case "PASS":
			pass++
		case "SKIP":
			skip++
		default:
			failN++
		}
	}
	fmt.Printf("\nboottest: %d passed, %d skipped, %d failed in %.0f s\n", pass, skip, failN, time.Since(r.t0).Seconds())
	for _, k := range []string{"BIOS first boot", "BIOS reboot", "BIOS after upgrade", "UEFI"} {
		if d, ok := r.ready[k]; ok {
			fmt.Printf("boottest: boot to sipslb READY (%s): %.1f s\n", k, d.Seconds())
		}
	}
	for _, x := range r.results {
		if x.status == "SKIP" {
			fmt.Printf("boottest: SKIPPED: %s: %s\n", x.name, x.note)
		}
	}
}

// isolated insists on a namespace with loopback only and brings lo up.
func isolated() error {
	ifs, err := net.Interfaces()
	if err != nil {
		return err
	}
	for _, i := range ifs {
		if i.Name != "lo" {
			return fmt.Errorf("interface %s present: run me under `unshare --net` (make test-image does)", i.Name)
		}
	}
	if out, err := exec.Command("ip", "link", "set", "lo", "up").CombinedOutput(); err != nil {
		return fmt.Errorf("ip link set lo up: %v: %s", err, out)
	}
	return nil
}

// features says which checks can run: a check whose feature is not
// committed yet is skipped loudly, never silently passed.
type features struct {
	ssh, proxy, snmp          bool
	sshWhy, proxyWhy, snmpWhy string
}

func detect(repo string) features {
	var f features
	committed := func(path string) bool {
		out, err := exec.Command("git", "-C", repo, "log", "-1", "--format=%h", "--", path).Output()
		return err == nil && len(strings.TrimSpace(string(out))) > 0
	}
	f.ssh = committed("cli/ssh")
	f.sshWhy = "the SSH server is not committed yet (no cli/ssh in git log)"
	f.proxy = committed("slb/dataplane/proxy")
	f.proxyWhy = "the proxy data path is not committed yet (no slb/dataplane/proxy in git log)"
	err := exec.Command("git", "-C", repo, "grep", "-q", `"snmp-server"`, "HEAD", "--", "cli/").Run()
	f.snmp = err == nil && committed("sys/snmp")
	f.snmpWhy = "the CLI has no committed `snmp-server` command yet (git grep snmp-server HEAD -- cli/)"
	return f
}

func (r *run) path(name string) string { return filepath.Join(r.work, name) }

// hold keeps a failed run's VM up for debugging when BOOTTEST_HOLD is a
// number of seconds (enter the namespace with nsenter -t PID -n).
func hold() {
	secs, err := strconv.Atoi(os.Getenv("BOOTTEST_HOLD"))
	if err != nil || secs <= 0 {
		return
	}
	fmt.Fprintf(os.Stderr, "boottest: holding the VM for %d s (BOOTTEST_HOLD); pid %d\n", secs, os.Getpid())
	time.Sleep(time.Duration(min(secs, 3600)) * time.Second)
}
