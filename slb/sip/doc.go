// Package sip is the balancer's view of a SIP message: a scanner that
// finds the few fields a load balancer and stateless proxy needs, and the
// rewrites a stateless proxy makes.
//
// Scan reads one message (a UDP datagram) into a caller-owned Msg of
// offsets: request or response, method, Request-URI, status, Call-ID (long
// and compact "i" forms, folded lines, any case), the first two via-parms
// with transport, sent-by, branch, received and rport, the number of
// via-parms, CSeq, Max-Forwards, Content-Length and the body offset, the
// first Route and Record-Route values, and the To and From tags. Anything
// it cannot route returns a typed reason.Reason whose String is a stable counter
// name.
//
// The rewriters serve a stateless proxy (RFC 3261 §16.11, §18.2.1,
// RFC 3581):
//   - AppendBranch derives our Via branch from the client's, so that
//     retransmissions, CANCEL and the ACK of a non-2xx get the same one,
//     and appends a MAC over it, the VIP port and the next hop;
//     VerifyBranch checks a response's branch, Via.SentBy its sent-by.
//     The MAC is SipHash-2-4 (siphash.go), a keyed PRF made for short
//     inputs on hot paths: a plain or seeded hash (xxhash) can be
//     inverted or collided by whoever sees its outputs, a MAC cannot
//     without the key. HMAC-SHA256 would do too, at more than three times
//     the cost (one 46-byte MAC: 135 ns with SHA-NI against 40 ns) and with
//     a hash state to keep per worker. BranchKey is 128 bits from
//     crypto/rand.
//   - AppendForwardRequest inserts our Via (and optionally Record-Route),
//     decrements Max-Forwards, sets received/rport on the client's Via from
//     the datagram's source (overwriting whatever the client wrote there)
//     and can pop our own Route. Via.ReplyTarget says where the responses
//     then go: always the source address.
//   - AppendForwardResponse pops our Via; Msg.NextHop says where the
//     response goes.
//   - AppendResponse builds the balancer's own stateless answers (483, 503).
//   - ParseHostPort and ParseIP read URIs and addresses for routing.
//
// Invariants:
//   - Scan, the Append functions, VerifyBranch, NextHop, ParseHostPort and
//     ParseIP allocate nothing (tests assert testing.AllocsPerRun == 0); the Append
//     functions only append to dst, so a dst with enough capacity is reused
//     for every packet.
//   - No function keeps a reference to its input or starts a goroutine; a
//     Msg holds offsets only. Functions are safe for concurrent use as long
//     as each goroutine has its own Msg and dst.
//   - No input makes any function panic (FuzzScan checks it); spans always
//     lie inside the scanned buffer.
//   - Messages over MaxSize bytes are refused, so offsets fit in int32.
//
// The scanner is deliberately narrower than a full parser: it checks the
// start line and the headers it routes by (Call-ID, Via, CSeq,
// Content-Length, Max-Forwards, Route, To, From) and passes every other
// header through untouched, so a malformed Date or Contact reaches the
// real server, which answers it.
package sip
