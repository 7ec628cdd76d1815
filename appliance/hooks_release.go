//go:build !sipslbtest

package appliance

import (
	"log/slog"

	"sipslb/cli/commands"
	"sipslb/slb/engine"
)

// The shipped binary has no test hooks: SIPSLB_TEST_SSH and
// SIPSLB_TEST_WEDGE mean nothing to it (hooks_sipslbtest.go, built only
// with -tags sipslbtest, has them). TestReleaseIgnoresTestHooks
// (e2e/hostile) proves it on a binary built without the tag.

func sshOff(*slog.Logger) bool { return false }

func wedgeHook(*commands.Interp, *engine.Engine, *slog.Logger) {}
