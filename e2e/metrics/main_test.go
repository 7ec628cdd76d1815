package metrics

import (
	"os"
	"testing"

	"sipslb/e2e/internal/harness"
)

// bin is the sipslb built once for the package.
var bin string

func TestMain(m *testing.M) {
	os.Setenv("SIPSLB_TEST_SSH", "off") // these daemons never take port 22
	harness.Main(m, "metrics", &bin)
}
