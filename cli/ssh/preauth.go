package ssh

import (
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Limits on connections that have not yet authenticated and opened a
// session. Without them, 70 idle TCP connections that never send a
// banner held every one of the 64 slots and locked the administrator out
// until they went away.
const (
	// loginGrace is how long a connection has to send its banner,
	// authenticate and open a session (OpenSSH's LoginGraceTime is 120 s;
	// a CLI login takes well under a second).
	loginGrace = 20 * time.Second
	// maxConns bounds every connection, logged in or not.
	maxConns = 64
	// maxPreAuth bounds connections before their session opens, so that
	// half the slots stay for logged-in sessions.
	maxPreAuth = 32
	// maxPreAuthPerSource bounds one address's share of maxPreAuth
	// (OpenSSH's PerSourceMaxStartups): one host cannot take them all.
	maxPreAuthPerSource = 8
	// refusalLogEvery rate-limits the refusal log line: a flood of
	// connections costs one line per interval, with the totals.
	refusalLogEvery = 10 * time.Second
)

// PreAuthStats counts what the pre-authentication limits did since the
// server started.
type PreAuthStats struct {
	RefusedTotal     uint64 // maxConns reached
	RefusedPreAuth   uint64 // maxPreAuth reached
	RefusedPerSource uint64 // the source already held maxPreAuthPerSource
	GraceExpired     uint64 // closed: no session within loginGrace
}

// Refused is every connection turned away at accept.
func (p PreAuthStats) Refused() uint64 {
	return p.RefusedTotal + p.RefusedPreAuth + p.RefusedPerSource
}

// preAuth tracks connections that have not opened a session yet, per
// source address. The map holds at most maxPreAuth addresses.
type preAuth struct {
	mu    sync.Mutex
	n     int
	per   map[netip.Addr]int
	total int // the limits; tests lower them
	each  int

	refusedTotal, refusedPreAuth, refusedPerSource, graceExpired atomic.Uint64
	lastLog                                                      atomic.Int64 // unix nanoseconds
}

func newPreAuth() *preAuth {
	return &preAuth{per: map[netip.Addr]int{}, total: maxPreAuth, each: maxPreAuthPerSource}
}

// take reserves a pre-authentication slot for a, or reports which limit
// refused it.
func (p *preAuth) take(a netip.Addr) (ok bool, why string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.per[a] >= p.each:
		p.refusedPerSource.Add(1)
		return false, "too many unauthenticated connections from this address"
	case p.n >= p.total:
		p.refusedPreAuth.Add(1)
		return false, "too many unauthenticated connections"
	}
	p.n++
	p.per[a]++
	return true, ""
}

func (p *preAuth) release(a netip.Addr) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n--
	if p.per[a]--; p.per[a] <= 0 {
		delete(p.per, a)
	}
}

func (p *preAuth) stats() PreAuthStats {
	return PreAuthStats{
		RefusedTotal:     p.refusedTotal.Load(),
		RefusedPreAuth:   p.refusedPreAuth.Load(),
		RefusedPerSource: p.refusedPerSource.Load(),
		GraceExpired:     p.graceExpired.Load(),
	}
}

// logRefusal logs a refusal at most once per refusalLogEvery, with the
// totals so far.
func (p *preAuth) logRefusal(log *slog.Logger, from netip.Addr, why string) {
	now := time.Now().UnixNano()
	last := p.lastLog.Load()
	if now-last < int64(refusalLogEvery) || !p.lastLog.CompareAndSwap(last, now) {
		return
	}
	st := p.stats()
	log.Warn("ssh: connection refused before authentication", "from", from, "why", why,
		"refused_per_source", st.RefusedPerSource, "refused_preauth", st.RefusedPreAuth, "refused_total", st.RefusedTotal)
}

// loginSlot is one accepted connection's hold on its pre-authentication
// slot: released once, when its session opens or it closes.
type loginSlot struct {
	started atomic.Bool
	once    sync.Once
	release func()
}

func (l *loginSlot) done() { l.once.Do(l.release) }
