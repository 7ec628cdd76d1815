// Package hash maps a SIP Call-ID to a real server.
//
// It has two halves. Key turns the Call-ID value bytes into a 64-bit key
// with xxhash64 and no seed, so the same Call-ID gives the same key in every
// process, on every box, after every reboot: two balancers (or one balancer
// before and after a restart) send a call to the same server, and the
// `show sip hash` command can predict the data path.
//
// Table is a weighted Maglev lookup table (Eisenbud et al., NSDI 2016). Its
// invariants:
//
//   - Deterministic: the table depends only on the set of (Name, Weight)
//     pairs and the size. Each backend's permutation is derived from hashes
//     of its Name, and backends take their turns in name order, so the
//     order of the slice given to Build does not matter (indices returned
//     by Lookup still refer to that slice).
//   - Minimal disruption: removing one of N equal backends moves about 1/N
//     of the keys (the removed backend's) and only a small fraction of the
//     others; adding one moves about 1/(N+1). See docs/hashing.md for the
//     measured figures.
//   - Weights: a backend with weight w gets turns in proportion to w while
//     the table is filled, so it owns about w/sum(w) of the slots; weight 0
//     owns none.
//   - Immutable after Build: Lookup is O(1), allocation-free and safe for
//     any number of concurrent readers. The data path publishes a new
//     *Table through an atomic pointer when the pool changes.
//
// The package is a leaf: it imports nothing from the project.
package hash
