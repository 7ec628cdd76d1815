//go:build sipslbtest

package store

import "os"

// FaultEnv names the crash-test hook of a test build: SIPSLB_TEST_FAULT=P
// makes Save kill the process with SIGKILL at point P (FaultPoints).
const FaultEnv = "SIPSLB_TEST_FAULT"

func faultPoint() string { return os.Getenv(FaultEnv) }
