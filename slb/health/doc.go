// Package health runs SIP health checks (OPTIONS or REGISTER over UDP) against
// real servers and keeps a dampened up/down state per target.
//
// Invariants:
//   - At most one probe per target is in flight: each target has one worker
//     that sends, waits for the answer or the timeout, and only then sleeps
//     until its next slot. Validate requires Timeout < Interval.
//   - A response counts only if its top Via branch, Call-ID and CSeq (number
//     and method) all match the probe in flight. Branch, Call-ID and From tag
//     are fresh random values per probe, so late answers, replays of an
//     older probe, and answers meant for another balancer are ignored and
//     counted (Status.StaleResponses), never taken as health. An answer read
//     after the deadline is late even if the deadline timer fired late.
//   - Parsing and matching an answer allocate nothing, so stray traffic at
//     the probe sockets is cheap.
//   - Probes of targets sharing an interval are spread evenly over it: every
//     target probes on a common grid, offset by its rank among the current
//     keys, so n targets send one probe every interval/n rather than a burst.
//   - A new or re-enabled target is Unknown, which counts as eligible (the
//     appliance carries traffic at once after boot); its first probe result
//     moves it to Up, Down or Failing without dampening. From then on Up
//     needs Fall failures in a row to leave, Down and Failing need Rise
//     successes in a row to return.
//   - An ICMP unreachable fails the probe at once: the default transport
//     uses one connected UDP socket per target, on which Linux reports the
//     ICMP error as ECONNREFUSED.
//   - Every transition is logged and delivered to Options.OnEvent in the
//     order it happened; a removed target makes no further events.
//   - Each target keeps a histogram of its answered probes' round-trip
//     times (Status.RTT): fixed buckets, added to under the lock that
//     already books the result, so recording costs no allocation.
//
// The package imports only slb/status (the Health type and the plain-data
// RTT histogram it records into); the engine maps its config model onto
// Check values and the pool's eligibility onto Healthy.
package health
