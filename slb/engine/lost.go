package engine

import (
	"sipslb/slb/health"

	"sipslb/slb/status"
)

// loseDialogs is called for every health event, on the prober's event
// goroutine. A real port whose check finds it down (no answer: the host or
// the SIP process is gone) is taken to have lost its dialogs: its entries in
// the dialog table are marked lost at once, so their later requests are
// re-pinned to other servers even if it has come back by then, and a
// returning server takes new Call-IDs only. A port that is failing (it
// answers, with a code that is not accepted) is alive and keeps its
// dialogs: they return to it when it is up again.
func (e *Engine) loseDialogs(ev health.Event) {
	if ev.To != status.Down || ev.From == status.Down {
		return
	}
	st := e.state.Load()
	for _, vp := range st.VPorts {
		for _, s := range vp.Servers {
			if s.Real == ev.Key.Real && s.Port == ev.Key.Port {
				st.Dialogs.Lose(s.ID)
				return
			}
		}
	}
}
