package commands

import (
	"fmt"
	"io"
)

// ControlStats are the control socket's counters (cli/ctl keeps them):
// what it refused and why, so an operator sees a local flood in show users.
type ControlStats struct {
	Sessions     int64  // open now
	NotAllowed   uint64 // peer neither root nor in the group, or a bad token
	Busy         uint64 // too many connections before hello, or too many sessions
	TooLong      uint64 // a request line over the limit
	BadRequest   uint64 // not JSON, or not hello first
	HelloTimeout uint64 // no hello in time
}

// SetControlStats tells the interpreter where to read the control socket's
// counters (the ctl server calls it when it starts serving).
func (in *Interp) SetControlStats(f func() ControlStats) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.ctlStats = f
}

func (in *Interp) printControlStats(w io.Writer) {
	if in.ctlStats == nil {
		return
	}
	st := in.ctlStats()
	fmt.Fprintf(w, "Control socket: %d sessions; refused: %d not allowed, %d busy, %d too long, %d bad request, %d no hello\n",
		st.Sessions, st.NotAllowed, st.Busy, st.TooLong, st.BadRequest, st.HelloTimeout)
}
