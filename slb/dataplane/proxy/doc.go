// Package proxy is the proxy-mode data path: a stateless SIP relay on a
// VIP:port (RFC 3261 §16.11). A Forwarder decides, for one datagram, what
// to send where; a Worker runs the batched socket loop around it.
//
// Forwarding rules (docs/dataplane.md has the operator's version):
//   - Requests from a client: Call-ID hash (client IP:port with sip-switch
//     off) → dialog table (unless stateless) → a server of the method's
//     group; our Via inserted with a branch derived from the client's,
//     received/rport added to the client's Via, Max-Forwards decremented,
//     our own Route removed, Record-Route added on dialog-creating requests
//     when the port has record-route.
//   - Requests from a real server (any configured real server's address):
//     routed by the first Route that is not ours, else the Request-URI;
//     never hashed into the farm.
//   - Responses: the top Via must be ours, with our sent-by and a branch
//     whose MAC (per-process key, bound to the VIP port and the next hop)
//     verifies, and a response to a client's request must come from a
//     real server's IP (response.go); our Via is popped and the response
//     goes to the next Via's received/rport, which we wrote from the
//     request's source.
//   - Max-Forwards 0 → 483; empty group or all servers at max-conn → 503;
//     an ACK is never answered, only dropped. CRLFCRLF → CRLF.
//
// Invariants:
//   - Forwarder.Handle allocates nothing (AllocsPerRun test) and keeps no
//     reference to its input; a Forwarder belongs to one goroutine.
//   - Every datagram ends in exactly one of: forwarded, answered (counted
//     by stats.Answer) or dropped (counted by reason.Reason). Nothing
//     panics, whatever the input (FuzzHandle).
//   - The routing state is read once per batch from one atomic pointer;
//     a Worker never blocks on anything but its own socket.
package proxy
