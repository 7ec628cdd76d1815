// Package ctl is the control socket between `sipslb cli` processes and the
// daemon: newline-delimited JSON over a unix socket. The daemon side runs
// every line through the one commands.Interp; the client side only sends
// lines and prints what comes back.
//
// Who a session is comes from the daemon, never from the client: the peer's
// uid (SO_PEERCRED) for a local caller — root privilege 0, a member of
// group sipslb privilege 5, anyone else refused — or a one-time token that
// the daemon itself handed to a CLI process it spawned for an SSH login.
//
// Every read is bounded: a request line (MaxLine), a reply (MaxReply), the
// connections waiting for their hello (MaxPending, HelloTimeout) and the
// sessions (MaxSessions), per class of peer so that others never lock root
// out. What is refused gets an error reply where one is possible, and is
// counted (show users).
package ctl
