// Package systemd is the daemon's side of its contract with systemd:
// sd_notify state (READY, RELOADING, STOPPING, STATUS), the watchdog, and
// structured journal logging.
//
// Invariants:
//   - Without NOTIFY_SOCKET (a shell, a test, the initramfs variant) every
//     call is a cheap no-op; nothing here decides whether the daemon runs.
//   - WATCHDOG=1 is only sent after a caller-supplied check passed within
//     the period, never by a bare ticker: a wedged control loop or data path
//     stops the pings and systemd restarts the service.
//   - STATUS= is sent only when its text changes, so a steady box does not
//     chatter on the notify socket.
package systemd
