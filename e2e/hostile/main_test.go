package hostile

import (
	"os"
	"testing"

	"sipslb/e2e/internal/harness"
)

// sipslbBin is the sipslb built once for the package by TestMain.
var sipslbBin string

func TestMain(m *testing.M) {
	// No daemon of this package may take the host's SSH port 22.
	os.Setenv("SIPSLB_TEST_SSH", "off")
	harness.Main(m, "hostile", &sipslbBin)
}
