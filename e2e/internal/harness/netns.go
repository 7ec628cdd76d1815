package harness

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Topology is one instance of a network-namespace topology built by a
// script of scripts/ that takes `up PREFIX` and `down PREFIX` (netns-dsr.sh,
// netns-inline.sh). Every namespace it makes is named PREFIX-NAME.
type Topology struct {
	Prefix string
	script string
}

// UpTopology runs scripts/SCRIPT up with a prefix unique to this test
// process (tag + pid), after removing a leftover of a killed run with the
// same pid, and removes the topology in t.Cleanup, even on failure. The
// caller runs in e2e/PKG, two levels below the repository root.
func UpTopology(t testing.TB, script, tag string) *Topology {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", "scripts", script))
	if err != nil {
		t.Fatal(err)
	}
	tp := &Topology{Prefix: fmt.Sprintf("%s%d", tag, os.Getpid()), script: p}
	down := func() {
		if out, err := exec.Command(tp.script, "down", tp.Prefix).CombinedOutput(); err != nil {
			t.Logf("topology down: %v\n%s", err, out)
		}
	}
	down()
	t.Cleanup(down)
	if out, err := exec.Command(tp.script, "up", tp.Prefix).CombinedOutput(); err != nil {
		t.Fatalf("topology up: %v\n%s", err, out)
	}
	return tp
}

// NS is the full name of namespace name.
func (tp *Topology) NS(name string) string { return tp.Prefix + "-" + name }

// Netns is the command prefix that runs a command in namespace ns.
func (tp *Topology) Netns(ns string) []string { return []string{"ip", "netns", "exec", tp.NS(ns)} }

// In returns a command that runs in namespace ns.
func (tp *Topology) In(ns string, name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", tp.NS(ns), name}, args...)...)
}

// Run runs a command in namespace ns for at most 20 s and returns its
// output; a failure fails the test.
func (tp *Topology) Run(t testing.TB, ns string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", tp.NS(ns), name}, args...)...)
	out, err := c.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s %v: %v\n%s", ns, name, args, err, out)
	}
	return string(out)
}

// ReasmOKs is namespace ns's count of IP datagrams reassembled
// (/proc/net/snmp Ip: ReasmOKs).
func (tp *Topology) ReasmOKs(t testing.TB, ns string) int {
	t.Helper()
	out := tp.Run(t, ns, "cat", "/proc/net/snmp")
	var head []string
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || f[0] != "Ip:" {
			continue
		}
		if head == nil {
			head = f
			continue
		}
		for i, h := range head {
			if h == "ReasmOKs" && i < len(f) {
				n, _ := strconv.Atoi(f[i])
				return n
			}
		}
	}
	t.Fatalf("%s: no ReasmOKs in /proc/net/snmp", ns)
	return 0
}
