package engine

import (
	"fmt"
	"net/netip"
	"runtime"
	"time"

	"sipslb/slb/config"
	"sipslb/slb/health"
	"sipslb/slb/pool"
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
	e.mu.Unlock()
	c := e.cfg.Load()
	st := e.state.Load()
	hs := e.prober.Status()
	snap := &status.Snapshot{
		Taken: time.Now(), Started: e.started,
		Workers: e.workers, Procs: runtime.GOMAXPROCS(0), CPUs: runtime.NumCPU(),
		Reals:    map[string]*status.Real{},
		Virtuals: map[string]*status.Virtual{},
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
				ps.Placed = t.Dialogs
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
// empty) sends callID, per method group: from the dialog table or the
// hash, which server, its share.
func (e *Engine) SIPHash(callID, virtual string) ([]status.HashRoute, error) {
	c := e.cfg.Load()
	if virtual != "" && c.Virtual(virtual) == nil {
		return nil, fmt.Errorf("virtual server %s does not exist", virtual)
	}
	st := e.state.Load()
	now := time.Now().UnixNano()
	var out []status.HashRoute
	for _, v := range c.Virtuals {
		if virtual != "" && v.Name != virtual {
			continue
		}
		for _, p := range v.Ports {
			vp := st.VPorts[netip.AddrPortFrom(v.Addr.Unmap(), p.Port)]
			if vp == nil {
				out = append(out, status.HashRoute{Virtual: v.Name, Port: p.Port, Via: "none", Note: "not listening (disabled)"})
				continue
			}
			kinds := []pool.GroupKind{pool.GroupProxy, pool.GroupRegistrar}
			if vp.NoSIPSwitch {
				kinds = []pool.GroupKind{pool.GroupAny}
			}
			for _, k := range kinds {
				out = append(out, explain(st, vp, k, callID, now))
			}
		}
	}
	return out, nil
}

func explain(st *pool.State, vp *pool.VPort, k pool.GroupKind, callID string, now int64) status.HashRoute {
	g := &vp.Groups[k]
	hr := status.HashRoute{Virtual: vp.Virtual, Port: vp.Addr.Port(), Group: k.String()}
	if k == pool.GroupAny {
		hr.Via = "client address"
		hr.Note = "sip-switch off: the client's IP:port is hashed, not the Call-ID"
		return hr
	}
	hr.Key = keyString(callID)
	useDialogs := !vp.Stateless && k == pool.GroupProxy
	avoid := pool.NoServer
	if useDialogs {
		if id, lost, ok := st.Dialogs.Get(hr.Key, now); ok {
			if s := vp.Bound(id); s != nil && s.Healthy && !lost {
				hr.Via = "dialog table"
				setServer(&hr, g, s)
				switch {
				case s.Disabled:
					hr.Note = "server disabled (draining): keeps its established dialogs"
				case s.Weight == 0:
					hr.Note = "weight 0 (draining): keeps its established dialogs"
				}
				return hr
			}
			avoid = id
			hr.Note = "dialog entry names a server that is gone or down: re-hashed"
			if s := vp.Bound(id); lost && s != nil {
				hr.Note = fmt.Sprintf("dialog lost with %s:%s (down since it began): re-hashed to another server",
					s.Real, config.PortName(s.Port))
			}
		}
	}
	var dt = st.Dialogs
	if vp.Stateless {
		dt = nil
	}
	s, why := g.PickAvoiding(hr.Key, dt, avoid)
	if s == nil {
		hr.Via = "none"
		hr.Note = fmt.Sprintf("%s: requests are answered 503", why)
		return hr
	}
	hr.Via = "hash"
	setServer(&hr, g, s)
	if owner := g.Servers[g.Table.Lookup(hr.Key)]; owner != s && owner.ID != avoid {
		hr.Note = fmt.Sprintf("%s:%s is at max-conn", owner.Real, config.PortName(owner.Port))
	}
	return hr
}

func setServer(hr *status.HashRoute, g *pool.Group, s *pool.Server) {
	hr.Real, hr.RealPort, hr.Addr, hr.Share = s.Real, s.Port, s.Addr.String(), g.Share(s)
}
