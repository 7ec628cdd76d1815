// Package ssh is the appliance's SSH server (gliderlabs/ssh): the admin's
// way in over the network.
//
// Invariants:
//   - Who logs in, and at which privilege, is decided here from the running
//     config and nothing else; there is no built-in account or password.
//     Until a privilege-0 user with a credential exists, every login is
//     refused (and the log says why): the serial console, which is local
//     root, is how a fresh box gets its first user.
//   - An interactive login (shell with a pty) runs `sipslb cli` as a child
//     on a pty; the child proves who it is to the daemon with a one-time
//     token issued here, so it cannot raise its own privilege. Exec
//     requests (`ssh lb 'show version'`) and pty-less shells run their lines
//     in-process through the same interpreter, one session each; the exit
//     status is 0 when every line succeeded, 1 otherwise.
//   - Failed password logins are counted per source address. From the 5th
//     failure on, every further attempt from that address (password or
//     key, right or wrong) waits first, 2 s doubling to 30 s, and parallel
//     attempts queue behind each other, so more connections do not mean
//     more guesses (slb/throttle, shared with the CLI's enable). Other
//     addresses are not affected.
//   - Unauthenticated connections are bounded (32, 8 per source address)
//     and get 20 s to authenticate and open a session (preauth.go), so
//     idle connections cannot lock the administrator out.
//   - Configure never fails: a listener that cannot be bound is retried in
//     the background and reported by Status, so a port conflict never costs
//     the operator the rest of the config.
//   - Sessions of a user who is removed, or lowered to read-only, are closed
//     when that config is applied.
package ssh
