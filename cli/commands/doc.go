// Package commands is the ServerIron command tree of sipslb and the
// interpreter that runs it. Every command line, typed at a console, sent by
// `sipslb cli -c`, arriving over SSH or replayed from startup-config, goes
// through Interp.Exec inside the daemon, one at a time, against the one
// running config.
//
// Config-mode commands edit a Clone of the running config, Validate it and
// hand it to Backend.Apply; a refused change leaves everything as it was.
// Render is the only printer of CLI syntax, and what it prints replays to an
// identical config.
package commands
