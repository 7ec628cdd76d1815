// Package dialog is the bounded dialog table: Call-ID key → real server,
// with an expiry, so the requests of an established dialog stay on their
// server when the pool changes (a returning server then takes only new
// calls).
//
// Invariants:
//
//   - Fixed memory. New allocates every slot up front: 4/3 slots of
//     SlotBytes (24) bytes, i.e. 32 bytes, per entry it is sized for, plus
//     20 bytes per server (two counters and a generation) and a 128-byte header per shard
//     (MemoryBytes gives the exact total). Get, Put, Touch, Delete and Sweep
//     never allocate.
//   - Bounded work. Each key lives within Window slots of its home slot
//     (linear probing, backward-shift deletion, no tombstones), so a lookup
//     or insert looks at no more than Window slots; a removal also walks the
//     rest of its cluster to shift entries back (a few slots at the 75% load
//     the table is sized for). Sweep makes at most SweepBatch slot looks per
//     call.
//   - Eviction, never refusal. When a key's window is full, Put replaces the
//     entry with the earliest expiry in that window: an expired one if there
//     is one (counted in Stats.Expired), else a live one (Stats.Evictions).
//   - Exact per-server counts. CountFor(server) and LostFor(server) are
//     maintained on every insert, update, eviction, removal and Lose, and
//     equal the number of current and lost entries present for that server.
//     Expired entries stay present (and counted) until a Get, a Put or Sweep
//     removes them, so callers run Sweep periodically.
//   - Lost dialogs. Lose(server) bumps the server's generation in O(shards):
//     every entry stored before is lost from then on (Get says so) until a
//     Put re-pins its key. A server that died is thus never handed the
//     dialogs it had before, even once it is back.
//   - No clock. Times are int64 Unix nanoseconds from the caller; an entry
//     is live while now < expiry.
//   - Sharded by the key's high 32 bits, one mutex per shard; the slot
//     within a shard comes from the low 32 bits. Keys must be well mixed
//     (slb/hash.Key), which this package takes as a plain uint64 so that it
//     stays a leaf.
package dialog
