package pool

import (
	"net/netip"

	"sipslb/slb/dialog"
	"sipslb/slb/stats"
)

// RealKey names a real server port.
type RealKey struct {
	Real string
	Port uint16
}

// Registry keeps what outlives one State: dialog-table server ids and
// counters of real ports, counters of VIP ports and the dialog table. It
// is used by one goroutine at a time (the engine's).
type Registry struct {
	workers int
	dialogs *dialog.Table
	reals   map[RealKey]*realEntry
	ports   map[netip.AddrPort]*stats.Port
	peaks   map[string]*stats.Peak // per real server name
	used    map[uint32]bool
}

type realEntry struct {
	id    uint32
	stats *stats.Real
}

// NewRegistry returns a registry whose VIP port counters have one shard per
// worker.
func NewRegistry(workers int) *Registry {
	return &Registry{
		workers: workers,
		reals:   map[RealKey]*realEntry{},
		ports:   map[netip.AddrPort]*stats.Port{},
		peaks:   map[string]*stats.Peak{},
		used:    map[uint32]bool{},
	}
}

// SetDialogs installs the dialog table (a new one when its size changes;
// the old table's entries are lost, so every id becomes reusable).
func (r *Registry) SetDialogs(t *dialog.Table) { r.dialogs = t }

// Dialogs is the current dialog table.
func (r *Registry) Dialogs() *dialog.Table { return r.dialogs }

// Real returns the id and counters of k if it exists.
func (r *Registry) Real(k RealKey) (uint32, *stats.Real, bool) {
	e := r.reals[k]
	if e == nil {
		return 0, nil, false
	}
	return e.id, e.stats, true
}

// Port returns the counters of a VIP port if it exists.
func (r *Registry) Port(a netip.AddrPort) *stats.Port { return r.ports[a] }

func (r *Registry) real(k RealKey) (uint32, *stats.Real) {
	if e := r.reals[k]; e != nil {
		return e.id, e.stats
	}
	e := &realEntry{id: r.freeID(), stats: new(stats.Real)}
	r.used[e.id] = true
	r.reals[k] = e
	return e.id, e.stats
}

// freeID is the lowest id neither in use nor still named by a dialog
// entry.
func (r *Registry) freeID() uint32 {
	for id := uint32(0); ; id++ {
		if !r.used[id] && (r.dialogs == nil || r.dialogs.CountFor(id) == 0) {
			return id
		}
	}
}

func (r *Registry) port(a netip.AddrPort) *stats.Port {
	p := r.ports[a]
	if p == nil {
		p = stats.NewPort(r.workers)
		r.ports[a] = p
	}
	return p
}

func (r *Registry) peak(name string) *stats.Peak {
	p := r.peaks[name]
	if p == nil {
		p = new(stats.Peak)
		r.peaks[name] = p
	}
	return p
}

// retain forgets the real ports, VIP ports and real servers that are no
// longer configured.
func (r *Registry) retain(servers map[RealKey]*Server, vports map[netip.AddrPort]*VPort, reals []*Real) {
	keep := make(map[string]bool, len(reals))
	for _, x := range reals {
		keep[x.Name] = true
	}
	for name := range r.peaks {
		if !keep[name] {
			delete(r.peaks, name)
		}
	}
	for k, e := range r.reals {
		if servers[k] == nil {
			delete(r.used, e.id)
			delete(r.reals, k)
		}
	}
	for a := range r.ports {
		if vports[a] == nil {
			delete(r.ports, a)
		}
	}
}
