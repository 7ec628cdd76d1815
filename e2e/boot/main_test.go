// Package boot tests the sipslb binary as an operator runs it: `sipslb
// boot` on a state directory, `sipslb cli` against it, signals, startup-
// config files and crashes in the middle of `write memory`.
package boot

import (
	"strings"
	"testing"

	"sipslb/e2e/internal/harness"
)

var bin string

func TestMain(m *testing.M) {
	harness.Main(m, "boot", &bin)
}

// boot starts the daemon on dir (fresh when "") with env added, and waits
// until its control socket answers.
func boot(t *testing.T, dir string, env ...string) *harness.LB {
	t.Helper()
	return harness.StartLB(t, bin, harness.Options{Dir: dir, Env: env})
}

func contains(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, text)
		}
	}
}
