// Package latency is a log-linear histogram of short durations (the time
// a datagram spends inside the balancer), recorded by the data path
// without locks or allocation and read by show, SNMP and metrics.
//
// Buckets: 1 µs wide below 128 µs (where the balancer's figures lie),
// then 32 per power of two (at most 3.2 % wide) up to 2^24 µs (16.8 s);
// longer times land in the last bucket. A quantile is reported as the
// upper bound of the bucket that holds it, so it is never below the true
// value and at most one bucket width above it. The counts are a plain
// array of atomics: one add per observation on the recording worker's own
// cache lines (each worker records into its own Histogram), and a reading
// sums them one by one, not at one instant.
package latency
