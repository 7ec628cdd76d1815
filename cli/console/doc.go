// Package console is the interactive front end of `sipslb cli`: a
// reeflective/console (readline) prompt on the process's own terminal that
// forwards every line to the daemon over the control socket.
//
// Invariants:
//   - Nothing executes here. Every accepted line goes to the daemon verbatim
//     (the raw text the user typed, so the daemon's caret positions line up
//     with the screen); the line hook then hands cobra a hidden no-op
//     command, so cobra never runs, prints or reports anything.
//   - The prompt and the mode are the daemon's: the prompt shown is always
//     the one from the daemon's latest answer.
//   - The cobra tree exists only for Tab completion and is rebuilt before
//     every prompt from the daemon's own completions, so it can never
//     disagree with the grammar the daemon runs.
//   - "?" asks the daemon for help and prints the listing above the line,
//     leaving the line as typed; the "?" itself is never inserted.
//   - One console per process: readline reads os.Stdin and writes
//     os.Stdout with no way to point it elsewhere, and console installs
//     process-wide signal handlers, so an SSH login runs its own
//     `sipslb cli` on a pty.
package console
