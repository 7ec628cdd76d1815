package main

import (
	"os/exec"
	"strings"
	"testing"
)

// leaves are the packages that hold one kind of fact each (a model, an
// enum, a table) and no behaviour that needs another project package.
// A leaf may import only the leaves listed with it, each for the type it
// carries, so that one fact has one type from the scanner to SNMP.
var leaves = map[string]struct {
	may []string
	why string
}{
	"sipslb/slb/reason":  {nil, "the one list of drop verdicts; everything else counts by it"},
	"sipslb/slb/sip":     {[]string{"sipslb/slb/reason"}, "the scanner returns a reason.Reason verdict"},
	"sipslb/slb/hash":    {nil, "the Call-ID hash and Maglev table are pure functions of their input"},
	"sipslb/slb/dialog":  {nil, "the dialog table stores slots, it knows nothing of servers or SIP"},
	"sipslb/slb/config":  {nil, "the config model is shared by the CLI, the engine and the adapters"},
	"sipslb/slb/latency": {nil, "the latency histogram is a table of counts, the same type from the worker to /metrics"},
	"sipslb/slb/stats": {[]string{"sipslb/slb/reason", "sipslb/slb/sip", "sipslb/slb/latency"},
		"counters are indexed by reason.Reason and sip.Method, not by copies of them"},
	"sipslb/slb/status": {[]string{"sipslb/slb/reason", "sipslb/slb/sip", "sipslb/slb/stats", "sipslb/slb/latency"},
		"the observed state carries the counters' own index types to show and SNMP"},
	"sipslb/cli/parse":    {nil, "the IOS-style matcher knows tokens and modes, not the product"},
	"sipslb/slb/throttle": {nil, "the guessing throttle is shared by the SSH server (sys/) and the CLI (cli/), which may not import each other"},
}

// rule forbids packages under from importing packages matched by deny.
type rule struct {
	from string // import path prefix of the importing package
	deny func(dep string) bool
	why  string
}

var rules = []rule{
	{"sipslb/slb/", prefixed("sipslb/cli/", "sipslb/sys/"),
		"the product logic runs and is tested without the CLI or Linux adapters (the e2e tests, check-config and a future second front end reuse it)"},
	{"sipslb/cli/", prefixed("sipslb/slb/dataplane", "sipslb/slb/engine", "sipslb/sys/"),
		"the CLI sees the config model and status, never the data path or the adapters: every command executes in the daemon through cli/commands.Backend"},
	{"sipslb/sys/", prefixed("sipslb/cli/", "sipslb/sys/", "sipslb/slb/engine", "sipslb/slb/dataplane", "sipslb/appliance"),
		"sys/ holds adapters, each to one OS or management facility (systemd, the config store, ARP, AF_PACKET, SNMP, Prometheus); they know the slb/ types they carry, never each other, the CLI or the engine: the composition root (appliance) wires them"},
	{"sipslb/", func(d string) bool { return d == "sipslb/appliance" },
		"appliance is the composition root: only main may import it"},
	{"sipslb/sys/metrics", func(d string) bool {
		return !contains([]string{"sipslb/slb/status", "sipslb/slb/stats", "sipslb/slb/sip", "sipslb/slb/reason", "sipslb/slb/latency",
			"sipslb/slb/config", "sipslb/slb/throttle"}, d)
	}, "metrics come from the status snapshot that show and SNMP read (and the enums it carries), never a second source of counters; the config model and the throttle serve only the login check"},
}

func prefixed(ps ...string) func(string) bool {
	return func(d string) bool {
		for _, p := range ps {
			if strings.HasPrefix(d, p) {
				return true
			}
		}
		return false
	}
}

// TestImportRules enforces the layering in docs/architecture.md with `go
// list -deps` (transitive imports), as Tailscale's deptest does. Every rule
// says why it exists; relax one only with a reason of the same weight.
func TestImportRules(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Deps " "}}`, "./...").Output()
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		pkg, deps := f[0], f[1:]
		listed[pkg] = true
		for _, d := range deps {
			// Prometheus is an adapter's business: the model, the data
			// path and the CLI never link it (sys/metrics reads the status
			// snapshot instead).
			if strings.HasPrefix(d, "github.com/prometheus/") && (strings.HasPrefix(pkg, "sipslb/slb/") || strings.HasPrefix(pkg, "sipslb/cli/")) {
				t.Errorf("%s imports %s: only sys/ adapters serve metrics", pkg, d)
			}
			if !strings.HasPrefix(d, "sipslb/") {
				continue
			}
			if l, ok := leaves[pkg]; ok && !contains(l.may, d) {
				t.Errorf("%s imports %s: it is a leaf (%s); it may import only %v", pkg, d, l.why, l.may)
			}
			for _, r := range rules {
				if strings.HasPrefix(pkg, r.from) && r.deny(d) {
					t.Errorf("%s imports %s: %s", pkg, d, r.why)
				}
			}
		}
	}
	for l := range leaves {
		if !listed[l] {
			t.Errorf("leaf %s is not a package any more: update the rules", l)
		}
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
