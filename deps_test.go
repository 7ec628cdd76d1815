package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportRules enforces the layering in docs/architecture.md: the
// product logic under slb/ never depends on the CLI or the Linux adapters,
// the leaf packages depend on no other project package, and cli/ never
// reaches into the data path.
func TestImportRules(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Deps " "}}`, "./...").Output()
	if err != nil {
		t.Fatal(err)
	}
	leaves := map[string]bool{"sipslb/slb/config": true, "sipslb/slb/sip": true, "sipslb/slb/hash": true,
		"sipslb/slb/dialog": true, "sipslb/slb/status": true, "sipslb/slb/stats": true, "sipslb/cli/parse": true}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		pkg, deps := f[0], f[1:]
		for _, d := range deps {
			if !strings.HasPrefix(d, "sipslb/") {
				continue
			}
			switch {
			case strings.HasPrefix(pkg, "sipslb/slb/") && (strings.HasPrefix(d, "sipslb/cli/") || strings.HasPrefix(d, "sipslb/sys/")):
				t.Errorf("%s imports %s: slb/ must not depend on cli/ or sys/", pkg, d)
			case leaves[pkg]:
				t.Errorf("%s imports %s: it is a leaf package", pkg, d)
			case strings.HasPrefix(pkg, "sipslb/cli/") && (strings.HasPrefix(d, "sipslb/slb/dataplane") || d == "sipslb/slb/engine" || strings.HasPrefix(d, "sipslb/sys/")):
				t.Errorf("%s imports %s: the CLI sees the config model and status, never the data path or adapters", pkg, d)
			}
		}
		checked++
	}
	if checked < 10 {
		t.Fatalf("only %d packages listed", checked)
	}
}
