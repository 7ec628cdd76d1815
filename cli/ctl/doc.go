// Package ctl is the control socket between `sipslb cli` processes and the
// daemon: newline-delimited JSON over a unix socket. The daemon side runs
// every line through the one commands.Interp; the client side only sends
// lines and prints what comes back.
//
// Who a session is comes from the daemon, never from the client: the peer's
// uid (SO_PEERCRED) for a local caller, or a one-time token that the daemon
// itself handed to a CLI process it spawned for an SSH login.
package ctl
