// Package mmsg is batched UDP I/O (recvmmsg/sendmmsg) that allocates
// nothing per datagram.
//
// Why not golang.org/x/net/ipv4.PacketConn.ReadBatch: it does use recvmmsg,
// but its internal/socket layer turns every source address into a new
// *net.UDPAddr with a new IP slice, two allocations per datagram
// (BenchmarkXNetReadBatch measures it). The data path's contract is zero
// allocations per message, so this package keeps the same batching model
// (a Msg slice in, a count out) over x/sys/unix.Mmsghdr and a
// syscall.RawConn, with addresses as netip.AddrPort values. Sending uses
// the same headers; both directions were checked with strace to issue one
// recvmmsg or sendmmsg per batch.
//
// Invariants:
//   - A Conn is used by one goroutine at a time: it owns its headers and
//     address buffers. Serve and Send never allocate (AllocsPerRun tests).
//   - Serve blocks until at least one datagram is there (through the Go
//     poller, so Close on the socket unblocks it with an error). It is the
//     workers' loop of receiving and handling in one poller wait, which
//     spares the recvmmsg that would only return EAGAIN after a short
//     batch (see Serve); its handler may Send but not Serve again.
//   - Send sends every message or reports it failed; one refused
//     destination does not hold back the rest of the batch.
package mmsg
