// Package stats holds the data path's counters: per VIP port requests by
// method, responses by class, drops and the balancer's own answers by typed
// reason; per real port requests and responses forwarded.
//
// Invariants:
//   - Counting never allocates and never takes a lock: every counter is an
//     atomic.Uint64. VIP port counters are sharded per worker (each worker
//     goroutine writes only its own cache-line-aligned shard), so workers on
//     different cores never write the same cache line; readers sum shards.
//   - Reason values below NumScanReasons are the values of slb/sip.Reason,
//     with the same names: a scanner verdict is counted by converting it, at
//     no cost. The data path's own reasons follow. (This package stays a
//     leaf; a test in slb/dataplane/proxy checks the two lists agree.)
//   - Method indices are the values of slb/sip.Method, checked the same way.
//   - Counters only grow; a Port or Real lives as long as its configuration
//     item, across Apply calls, so a bind change does not reset them.
package stats
