// Package hostile holds the end-to-end tests that attack the real sipslb
// binary the way a hostile network or a hostile local user would: forged
// Vias and branches, reflection attempts, oversized and slow control-socket
// clients, injected config text, password guessing, bad reloads and idle
// SSH connections. Each test checks that the attack is refused or handled,
// counted where the product counts it, and that the daemon stays healthy.
//
// Invariants:
//   - Every test uses its own 127.77.N.0/24 block (one N per test file:
//     via 1, route 2, cli 3, sys 4) and its own state dir, so the
//     package runs beside the other e2e packages without collisions.
//   - Every process a test starts is stopped in t.Cleanup; every wait is
//     bounded; every load loop is bounded in count and time.
//
// TestMain builds sipslb from this tree; SIPSLB_BIN=/path/to/sipslb runs
// the tests against a prebuilt binary instead.
package hostile
