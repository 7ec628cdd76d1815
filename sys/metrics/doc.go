// Package metrics serves the appliance's state to Prometheus: a collector
// that turns the engine's status snapshot into metrics at scrape time, and
// the management HTTP server (ip http ...) that exposes them at /metrics.
//
// Invariants:
//   - The metrics are read from the same snapshot that show commands and
//     the SNMP agent read (slb/status, filled by the engine from the data
//     path's stats shards and the health prober): there is no second set
//     of counters, and the data path pays nothing for Prometheus. A scrape
//     costs one Status call.
//   - Label values are the names the product already uses, from the enums
//     the snapshot is indexed by: server names, sip.Method, stats.Class,
//     reason.Reason, stats.Answer and status.Health, each by its String.
//   - The server is bounded: one listener, a few requests in flight, read
//     and write timeouts, small headers. It is off unless configured.
//   - With users set (ip http authentication local) every request logs in
//     with basic authentication; bcrypt runs one at a time, a matched
//     login is remembered until the users change, and failures are
//     throttled per source address (slb/throttle, as SSH logins).
//
// Metric names follow the Prometheus conventions (docs/metrics.md lists
// them): prefix sipslb_, base units (seconds), _total for counters.
package metrics
