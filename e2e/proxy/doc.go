// Package proxy holds the end-to-end tests of the proxy-mode data path:
// the real sipslb binary, configured through `sipslb cli -c`, between SIPp
// callers (UAC) and SIPp callees (UAS) on loopback.
//
// Invariants:
//   - Every test uses its own 127.31.N.0/24 block (N is the test's number
//     in addrs_test.go) or its own ports on ::1, and its own state dir, so
//     tests and other packages run in parallel without collisions.
//   - Every process a test starts is killed in t.Cleanup; every wait is
//     bounded. A missing sipp fails the test (harness.NeedTools).
//
// TestMain builds sipslb from this tree; SIPSLB_BIN=/path/to/sipslb runs
// the tests against a prebuilt binary instead.
package proxy
