// Package mmsg is batched UDP I/O (recvmmsg/sendmmsg) that allocates
// nothing per datagram, for the proxy data path's workers.
//
// Why not golang.org/x/net/ipv4.PacketConn.ReadBatch: it does use recvmmsg,
// but its internal/socket layer turns every source address into a new
// *net.UDPAddr with a new IP slice, two allocations per datagram
// (BenchmarkXNetReadBatch measures it). The data path's contract is zero
// allocations per message, so this package keeps the same batching model
// (a Msg slice in, a count out) over x/sys/unix.Mmsghdr, with addresses as
// netip.AddrPort values.
//
// Why a blocking socket outside Go's network poller: a worker reads one
// socket and nothing else, like one of Kamailio's UDP processes, and at a
// few thousand calls per second datagrams arrive one at a time, so every
// datagram is a wake-up. Through the poller a wake-up cost a recvmmsg that
// returns EAGAIN, the park, an epoll_wait, often a futex wake of another
// thread and the scheduler's search for work: about 3.7 system calls and a
// third of the daemon's CPU per datagram in the profile
// (docs/performance.md). A thread asleep in a blocking recvmmsg is woken by
// the kernel straight into the worker: two system calls per datagram (the
// receive and the send), the same as Kamailio's recvfrom/sendto. The price
// is a thread per socket, the GOMAXPROCS reservation in threads.go, and
// the close and timeout handling below.
//
// Invariants:
//   - A Conn is used by one goroutine at a time (Close excepted): it owns
//     its headers and address buffers. Recv and Send never allocate
//     (AllocsPerRun tests).
//   - Recv blocks until at least one datagram is there, the receive
//     timeout (SetRecvTimeout, the worker's heartbeat) runs out, or Close is
//     called: Close shuts the socket down, which wakes the sleeping thread,
//     and closes the descriptor only after the call has left it.
//   - Send sends every message or reports it failed; one refused
//     destination does not hold back the rest of the batch; a full send
//     buffer waits at most 100 ms.
package mmsg
