// Package stats holds the data path's counters: per VIP port requests by
// method (and, of those, the requests real servers sent toward clients),
// responses by class, drops and the balancer's own answers by typed
// reason, and dialogs placed; per real port requests and responses
// forwarded, dialogs placed and drops; high-water marks (Peak) of the
// dialogs held per VIP port, real port and real server.
//
// Definitions (the MIB objects and show columns built on them say the
// same):
//   - A dialog is placed when a request gets a dialog-table entry pinned to
//     a server: a dialog-creating request (INVITE, SUBSCRIBE, REFER) of a
//     Call-ID with no live entry, or any request whose entry named a server
//     that is gone, down or lost, re-pinned (to another server unless
//     it alone has room, see slb/pool.State.Route). It counts once
//     on the VIP port it came through and once on the real port it was
//     pinned to, so the sum over VIP ports equals the sum over real ports.
//     Stateless and sip-switch-off ports keep no dialog table and place no
//     dialogs; REGISTER never does.
//   - A drop for a real server is a message the balancer had chosen that
//     server for and did not send: the rewrite failed or did not fit a
//     datagram (out-too-large), the kernel refused it (send-error), or in
//     dsr mode the server's MAC address was not resolved (no-mac) or the
//     link refused the frame. Every such drop is also counted under its
//     reason on the VIP port (the dsr frame send error on the interface).
//     Refusals before a server is chosen (no-server, max-conn) name no
//     server.
//   - Peaks are sampled, not tracked per message: by the engine's sweeper
//     every 250 ms (engine.DefaultSweepEvery), just before it removes
//     expired entries (between two samples dialog counts only fall by a
//     lookup meeting an expired entry, an eviction, a re-pin or a server
//     found down), and at every status reading, so a peak is never below
//     the current count shown with it.
//
// Invariants:
//   - Counting never allocates and never takes a lock: every counter is an
//     atomic.Uint64. VIP port counters are sharded per worker (each worker
//     goroutine writes only its own cache-line-aligned shard), so workers on
//     different cores never write the same cache line; readers sum shards.
//   - Drops are indexed by slb/reason.Reason and requests by slb/sip.Method:
//     the scanner's verdict and the data path's own reasons are one list,
//     counted as they come, and show and SNMP name them from the same
//     types. This package keeps no copy of either list.
//   - Counters only grow; a Port or Real lives as long as its configuration
//     item, across Apply calls, so a bind change does not reset them.
package stats
