// Package console tests the interactive CLI as an operator meets it on the
// serial console: `sipslb cli` on a pty of the test's, seen through a
// VT100 emulator (harness.Screen), against the real daemon: modes, "?"
// help, Tab completion, carets, the keys that leave a mode, a daemon that
// dies, SIGTERM. The daemon grants a local CLI full privilege only to
// root (SO_PEERCRED), so the tests skip when not root.
package console

import (
	"os/exec"
	"testing"

	"sipslb/e2e/internal/harness"
)

// bin is the sipslb built once for the package by TestMain.
var bin string

func TestMain(m *testing.M) {
	harness.Main(m, "console", &bin)
}

// Screen geometry: wide and tall enough that nothing under test wraps or
// scrolls out of sight.
const cols, rows = 120, 60

// startLB boots a daemon for a console test (root only: see the package
// doc).
func startLB(t *testing.T) *harness.LB {
	t.Helper()
	harness.NeedRoot(t, "the daemon gives a local CLI full privilege only when it runs as root (uid 0 over SO_PEERCRED)")
	return harness.StartLB(t, bin, harness.Options{})
}

// startCLI runs `sipslb cli` against l on a pty.
func startCLI(t *testing.T, l *harness.LB) *harness.Screen {
	t.Helper()
	return harness.StartScreen(t, exec.Command(bin, "cli", "--state-dir", l.Dir), cols, rows)
}
