package engine

import (
	"fmt"
	"net/netip"
	"runtime"
	"strings"
	"time"

	"sipslb/slb/config"
	"sipslb/slb/hash"
	"sipslb/slb/health"
	"sipslb/slb/pool"
	"sipslb/slb/reason"
	"sipslb/slb/sip"
	"sipslb/slb/stats"
	"sipslb/slb/status"
)

// Status reads the observed state: health, counters and dialogs.
func (e *Engine) Status() *status.Snapshot {
	e.mu.Lock()
	listening := map[netip.AddrPort]bool{}
	for a := range e.listeners {
		listening[a] = true
	}
	for _, a := range e.dsr.listening() {
		listening[a] = true
	}
	inside := e.inl.link()
	e.mu.Unlock()
	c := e.cfg.Load()
	st := e.state.Load()
	hs := e.prober.Status()
	snap := &status.Snapshot{
		Taken: time.Now(), Started: e.started,
		Workers: e.workers, Procs: runtime.GOMAXPROCS(0), CPUs: runtime.NumCPU(),
		Reals:    map[string]*status.Real{},
		Virtuals: map[string]*status.Virtual{},
		DSR:      e.dsr.readCounters(),
	}
	snap.Inline.In = readFrames(&e.inl.counters.in)
	snap.Inline.Out = readFrames(&e.inl.counters.out)
	if inside != nil {
		// A failed read (the link closing under us) shows as 0.
		snap.Inline.Untranslated, _ = inside.Untranslated()
	}
	if dt := st.Dialogs; dt != nil {
		ds := dt.Stats()
		snap.DialogTable = status.DialogTable{Entries: ds.Entries, MaxEntries: dt.MaxEntries(), Evictions: ds.Evictions}
	}
	peaks := map[string]*stats.Peak{}
	for _, r := range st.Reals {
		peaks[r.Name] = r.Peak
	}
	for _, r := range c.Reals {
		sr := &status.Real{Ports: map[uint16]*status.RealPort{}}
		dialogs := 0
		for _, rp := range r.Ports {
			ps := &status.RealPort{}
			if s := st.ByAddr[netip.AddrPortFrom(r.Addr.Unmap(), rp.Port)]; s != nil && s.Real == r.Name {
				ps.Requests = s.Stats.Requests.Load()
				ps.Responses = s.Stats.Responses.Load()
				ps.Dialogs = st.Dialogs.CountFor(s.ID)
				ps.Placed = s.Stats.Dialogs.Load()
				ps.Drops = s.Stats.Drops.Load()
				s.Stats.Peak.Note(ps.Dialogs)
				ps.PeakDialogs = s.Stats.Peak.Load()
				dialogs += ps.Dialogs
			}
			h, probed := hs[health.Key{Real: r.Name, Port: rp.Port}]
			switch {
			case r.Disabled:
				ps.Health = status.Disabled
			case rp.NoKeepalive:
				ps.Health = status.NoCheck
			case probed:
				ps.Health = h.State
			}
			if probed {
				ps.ProbeRTT = h.RTT
				ps.LastResult = resultText(h)
				ps.LastChange = h.LastChange
				ps.ConsecFails = h.ConsecutiveFailures
			}
			sr.Ports[rp.Port] = ps
		}
		if p := peaks[r.Name]; p != nil {
			p.Note(dialogs)
			sr.PeakDialogs = p.Load()
		}
		snap.Reals[r.Name] = sr
	}
	for _, v := range c.Virtuals {
		sv := &status.Virtual{Ports: map[uint16]*status.VirtualPort{}}
		for _, p := range v.Ports {
			a := netip.AddrPortFrom(v.Addr.Unmap(), p.Port)
			ps := &status.VirtualPort{Listening: listening[a]}
			if vp := st.VPorts[a]; vp != nil {
				t := vp.Stats.Read()
				ps.Requests, ps.Responses, ps.Drops, ps.Answers = t.Requests, t.Responses, t.Drops, t.Answers
				ps.FromServers = t.FromServers
				ps.Placed = t.Dialogs
				ps.Latency = t.Latency
				for _, s := range vp.Servers {
					ps.Dialogs += st.Dialogs.CountFor(s.ID)
				}
				vp.Stats.Peak.Note(ps.Dialogs)
				ps.PeakDialogs = vp.Stats.Peak.Load()
			}
			sv.Ports[p.Port] = ps
		}
		snap.Virtuals[v.Name] = sv
	}
	return snap
}

func resultText(h health.Status) string {
	switch h.LastResult.Kind {
	case health.ResultNone:
		return ""
	case health.ResultAccepted, health.ResultRejected:
		return fmt.Sprint(h.LastResult.Code)
	}
	return h.LastResult.Kind.String()
}

// SIPHash explains where each VIP port (or only those of virtual, when not
// empty) sends callID, per method group: the answer of pool.State.Route,
// the data path's own decision, for an INVITE and a REGISTER, without its
// write to the dialog table. A Call-ID the scanner refuses is reported as
// dropped on every port.
func (e *Engine) SIPHash(callID, virtual string) ([]status.HashRoute, error) {
	c := e.cfg.Load()
	if virtual != "" && c.Virtual(virtual) == nil {
		return nil, fmt.Errorf("virtual server %s does not exist", virtual)
	}
	st := e.state.Load()
	now := time.Now().UnixNano()
	valid := sip.ValidCallID([]byte(callID))
	q := pool.Query{CallKey: hash.KeyString(callID)}
	var out []status.HashRoute
	for _, v := range c.Virtuals {
		if virtual != "" && v.Name != virtual {
			continue
		}
		for _, p := range v.Ports {
			hr := status.HashRoute{Virtual: v.Name, Port: p.Port, Key: q.CallKey}
			vp := st.VPorts[netip.AddrPortFrom(v.Addr.Unmap(), p.Port)]
			switch {
			case vp == nil:
				hr.Via, hr.Note = "none", "not listening (disabled)"
			case !valid:
				hr.Via, hr.Drop = "dropped", reason.BadCallID.String()
				hr.Note = "the data path drops a message whose Call-ID is empty or holds blanks or control bytes"
			default:
				var seen [3]bool
				for _, m := range []sip.Method{sip.MethodInvite, sip.MethodRegister} {
					q.Method = m
					d := st.Route(vp, &q, now)
					if !seen[d.Group] {
						seen[d.Group] = true
						out = append(out, explain(vp, &d, hr))
					}
				}
				continue
			}
			out = append(out, hr)
		}
	}
	return out, nil
}

// explain words the decision d of Route on vp.
func explain(vp *pool.VPort, d *pool.Decision, hr status.HashRoute) status.HashRoute {
	g := &vp.Groups[d.Group]
	hr.Group = d.Group.String()
	if d.ByAddr {
		hr.Via = "client address"
		hr.Note = "sip-switch off: the client's IP:port is hashed, not the Call-ID"
		return hr
	}
	var notes []string
	switch d.How {
	case pool.HowNone:
		hr.Via, hr.Note = "none", fmt.Sprintf("%s: requests are answered 503", d.Reason)
		return hr
	case pool.HowDialog:
		hr.Via = "dialog table"
		switch s := d.Server; {
		case s.Disabled:
			notes = append(notes, "server disabled (draining): keeps its established dialogs")
		case s.Weight == 0:
			notes = append(notes, "weight 0 (draining): keeps its established dialogs")
		}
	case pool.HowRepin:
		hr.Via = "hash"
		if s := d.Stale; d.Lost && s != nil {
			notes = append(notes, fmt.Sprintf("dialog lost with %s:%s (down since it began): re-hashed to another server",
				s.Real, config.PortName(s.Port)))
		} else {
			notes = append(notes, "dialog entry names a server that is gone or down: re-hashed")
		}
	case pool.HowHash:
		hr.Via = "hash"
	}
	if d.Overflow {
		notes = append(notes, fmt.Sprintf("%s:%s is at max-conn", d.Owner.Real, config.PortName(d.Owner.Port)))
	}
	hr.Real, hr.RealPort, hr.Addr, hr.Share = d.Server.Real, d.Server.Port, d.Server.Addr.String(), g.Share(d.Server)
	hr.Note = strings.Join(notes, "; ")
	return hr
}
