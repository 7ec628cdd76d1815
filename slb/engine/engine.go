// Package engine turns a validated config into running state: the data
// path listeners, the pools the hash picks from, and the health checks.
//
// Invariants:
//   - Apply is all or nothing: health checks are validated and every new
//     listener is bound before anything changes; a failure closes what was
//     opened and leaves the previous config, listeners and routing state
//     running.
//   - Sockets of a VIP:port that stays configured are never closed or
//     reopened by Apply: bind, weight, disable and health changes only swap
//     the routing state, which the workers read through one atomic pointer
//     per batch. No datagram is lost to a config change.
//   - Health events rebuild the routing state on the engine's own
//     goroutine, never on the prober's or a worker's.
package engine

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"sipslb/slb/config"
	"sipslb/slb/dataplane/live"
	"sipslb/slb/dataplane/mmsg"
	"sipslb/slb/dataplane/proxy"
	"sipslb/slb/dialog"
	"sipslb/slb/health"
	"sipslb/slb/pool"
)

// Options tune an engine; the zero value is the appliance default.
type Options struct {
	// Workers is the number of SO_REUSEPORT sockets (and goroutines) per
	// VIP port; 0 means one per CPU.
	Workers int
	// Health is passed to the prober. The engine rebuilds its routing state
	// on every event, then calls Health.OnEvent if set (the SNMP traps).
	Health health.Options
	// SweepEvery is how often expired dialog entries are swept; 0 means
	// DefaultSweepEvery.
	SweepEvery time.Duration
	// DSR opens data interfaces for DSR ports (dsr.go); nil refuses them.
	DSR DSRDriver
	// Inline opens the inside leg for inline ports (inline.go); nil
	// refuses them. Inline ports also need DSR: the data interface is
	// their outside leg.
	Inline InlineDriver
	// StallAfter is how long a data path worker, the rebuilder or the
	// dialog sweeper may go without a sign of life before Alive reports
	// it; idle ones wake every StallAfter/4 to show one. 0 means
	// DefaultStallAfter.
	StallAfter time.Duration
}

// Engine owns the running state built from the config.
type Engine struct {
	log     *slog.Logger
	started time.Time
	workers int

	mu        sync.Mutex // serialises Apply, rebuilds and Close
	cfg       atomic.Pointer[config.Config]
	state     atomic.Pointer[pool.State]
	reg       *pool.Registry
	listeners map[netip.AddrPort]*listener
	prober    *health.Prober
	dsr       dsrPart    // the dsr data path (dsr.go)
	inl       inlinePart // the inline data path (inline.go)
	closed    bool

	kick chan struct{}
	stop chan struct{}
	wg   sync.WaitGroup

	// Liveness (alive.go): the workers' beats, published whenever the
	// listeners change, and the engine's own goroutines' hearts.
	stallAfter  time.Duration
	beats       atomic.Pointer[[]*beat]
	rebuildBeat *beat
	sweepBeat   *beat
	rebuildHB   live.Heart
	sweepHB     live.Heart
	wedge       atomic.Bool // test hook: WedgeWorker
}

type listener struct {
	addr  netip.AddrPort
	conns []*net.UDPConn
	beats []*beat
	done  chan struct{} // closed when the listener closes
	wg    sync.WaitGroup
}

// New returns an engine running the factory-default config with default
// options.
func New(log *slog.Logger) *Engine { return NewWithOptions(log, Options{}) }

// NewWithOptions returns an engine running the factory-default config.
func NewWithOptions(log *slog.Logger, o Options) *Engine {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if o.Workers <= 0 {
		o.Workers = runtime.NumCPU()
	}
	if o.SweepEvery <= 0 {
		o.SweepEvery = DefaultSweepEvery
	}
	if o.StallAfter <= 0 {
		o.StallAfter = DefaultStallAfter
	}
	e := &Engine{
		log: log, started: time.Now(), workers: o.Workers,
		reg:        pool.NewRegistry(o.Workers),
		listeners:  map[netip.AddrPort]*listener{},
		kick:       make(chan struct{}, 1),
		stop:       make(chan struct{}),
		stallAfter: o.StallAfter,
	}
	e.rebuildHB.Init(e.wake())
	e.sweepHB.Init(e.wake())
	e.rebuildBeat = newBeat("routing-state rebuilder", &e.rebuildHB, e.stop)
	e.sweepBeat = newBeat("dialog sweeper", &e.sweepHB, e.stop)
	e.beats.Store(&[]*beat{})
	ho := o.Health
	if ho.Logger == nil {
		ho.Logger = log
	}
	next := ho.OnEvent
	ho.OnEvent = func(ev health.Event) {
		e.loseDialogs(ev)
		e.signal()
		if next != nil {
			next(ev)
		}
	}
	e.dsr.init(e, o.DSR)
	e.inl.init(e, o.Inline)
	if o.DSR != nil {
		base := ho.Transport
		if base == nil {
			base = health.UDPTransport{}
		}
		ho.Transport = &probeTransport{d: &e.dsr, base: base}
	}
	e.prober = health.New(ho)
	c := config.New()
	e.reg.SetDialogs(dialog.New(c.Dialog.MaxEntries, 0, 0))
	e.cfg.Store(c)
	e.state.Store(pool.Build(c, e.healthFunc(nil), e.reg))
	e.wg.Add(2)
	go e.rebuilder()
	go e.sweeper(o.SweepEvery)
	return e
}

// Apply makes c the running config. c must have passed Validate.
func (e *Engine) Apply(c *config.Config) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return errors.New("engine closed")
	}
	checks, err := buildChecks(c)
	if err != nil {
		return err
	}
	if err := e.dsr.check(c); err != nil {
		return err
	}
	if err := e.inl.check(c); err != nil {
		return err
	}
	want := wantedListeners(c)
	opened := map[netip.AddrPort]*listener{}
	closeOpened := func() {
		for _, l := range opened {
			l.close()
		}
	}
	for _, a := range want {
		if e.listeners[a] != nil || opened[a] != nil {
			continue
		}
		l, err := e.open(a)
		if err != nil {
			closeOpened()
			return fmt.Errorf("virtual port %v: %w", a, err)
		}
		opened[a] = l
	}
	undoDSR, err := e.dsr.prepare(c, checks)
	if err != nil {
		closeOpened()
		return fmt.Errorf("dsr data interface %s: %w", c.DataIf.Name, err)
	}
	undoInline, err := e.inl.prepare(c)
	if err != nil {
		closeOpened()
		undoDSR()
		return fmt.Errorf("inline inside interface %s: %w", c.InsideIf.Name, err)
	}
	if err := e.prober.Update(checks); err != nil {
		closeOpened()
		undoInline()
		undoDSR()
		return fmt.Errorf("health checks: %w", err)
	}
	if dt := e.reg.Dialogs(); dt.MaxEntries() != c.Dialog.MaxEntries {
		// Resizing loses the entries: established dialogs then follow the
		// consistent hash, which keeps them unless the pool changed.
		e.reg.SetDialogs(dialog.New(c.Dialog.MaxEntries, 0, 0))
	}
	e.cfg.Store(c)
	e.state.Store(pool.Build(c, e.healthFunc(e.prober.Status()), e.reg))
	e.inl.commit(c)
	e.dsr.commit(c)

	keep := map[netip.AddrPort]bool{}
	for _, a := range want {
		keep[a] = true
	}
	for a, l := range e.listeners {
		if !keep[a] {
			l.close()
			delete(e.listeners, a)
			e.log.Info("virtual port closed", "addr", a.String())
		}
	}
	for a, l := range opened {
		e.listeners[a] = l
		e.start(l)
		e.log.Info("virtual port listening", "addr", a.String(), "workers", len(l.conns))
	}
	e.publishBeats()
	return nil
}

// wantedListeners lists the VIP:ports that need sockets: enabled virtual
// servers' ports that are neither DSR nor inline.
func wantedListeners(c *config.Config) []netip.AddrPort {
	var out []netip.AddrPort
	for _, v := range c.Virtuals {
		if v.Disabled {
			continue
		}
		for _, p := range v.Ports {
			if !p.DSR && !p.Inline {
				out = append(out, netip.AddrPortFrom(v.Addr.Unmap(), p.Port))
			}
		}
	}
	return out
}

func (e *Engine) open(a netip.AddrPort) (*listener, error) {
	l := &listener{addr: a, done: make(chan struct{})}
	for range e.workers {
		uc, err := mmsg.Listen(a)
		if err != nil {
			l.close()
			return nil, err
		}
		l.conns = append(l.conns, uc)
	}
	return l, nil
}

func (e *Engine) start(l *listener) {
	for i, uc := range l.conns {
		name := fmt.Sprintf("proxy worker %d of %v", i, l.addr)
		c, err := mmsg.New(uc, proxy.DefaultBatch)
		if err != nil {
			e.log.Error("data path socket", "addr", l.addr.String(), "err", err)
			var h live.Heart
			h.Init(0)
			b := newBeat(name, &h, l.done)
			b.fail(err)
			l.beats = append(l.beats, b)
			continue
		}
		w := proxy.NewWorker(c, l.addr, &e.state, i)
		w.SetWake(e.wake())
		b := newBeat(name, w.Heart(), l.done)
		l.beats = append(l.beats, b)
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			e.runWorker(b, w.Step) // returns when the socket is closed
		}()
	}
}

func (l *listener) close() {
	close(l.done)
	for _, c := range l.conns {
		c.Close()
	}
	l.wg.Wait()
}

// healthFunc maps the prober's states onto pool eligibility: a port with
// keepalive off is trusted; a bound port is eligible in Unknown or Up.
func (e *Engine) healthFunc(hs map[health.Key]health.Status) pool.HealthFunc {
	return func(real string, port uint16, rp *config.RealPort) bool {
		if rp.NoKeepalive {
			return true
		}
		s, ok := hs[health.Key{Real: real, Port: port}]
		return !ok || s.State.Eligible()
	}
}

func (e *Engine) signal() {
	select {
	case e.kick <- struct{}{}:
	default:
	}
}

// rebuilder rebuilds the routing state after health events, coalescing
// bursts of them into one rebuild.
func (e *Engine) rebuilder() {
	defer e.wg.Done()
	t := time.NewTicker(e.wake())
	defer t.Stop()
	for {
		e.rebuildHB.Beat(time.Now().UnixNano())
		select {
		case <-e.stop:
			return
		case <-t.C:
			continue // only to beat
		case <-e.kick:
		}
		e.mu.Lock()
		if !e.closed {
			e.state.Store(pool.Build(e.cfg.Load(), e.healthFunc(e.prober.Status()), e.reg))
		}
		e.mu.Unlock()
	}
}

// DefaultSweepEvery is how often the sweeper wakes. Not more often: every
// timer that fires wakes a thread (and keeps the runtime's sysmon from its
// long sleep), which on a lightly loaded box is a visible part of the
// daemon's CPU. With a 10 ms sweeper an idle daemon made 290 context
// switches a second, with this one 25 (docs/performance.md).
const DefaultSweepEvery = 250 * time.Millisecond

// sweepUnit is the time one dialog.SweepBatch of slots stands for: a wake
// every SweepEvery sweeps SweepEvery/sweepUnit batches, one shard lock
// hold of SweepBatch slots at a time, so a full pass over a million slots
// still takes 10 to 20 s (dialog.SweepBatch).
const sweepUnit = 10 * time.Millisecond

func (e *Engine) sweeper(every time.Duration) {
	defer e.wg.Done()
	batches := max(1, int(every/sweepUnit))
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-e.stop:
			return
		case now := <-t.C:
			// Peaks first: since the last sweep, dialog counts have
			// (nearly) only grown, so this sample sees their highest.
			st := e.state.Load()
			st.SamplePeaks()
			for range batches {
				st.Dialogs.Sweep(now.UnixNano())
			}
			e.sweepHB.Beat(time.Now().UnixNano())
		}
	}
}

// Config returns the running config.
func (e *Engine) Config() *config.Config { return e.cfg.Load() }

// Close stops everything the engine started.
func (e *Engine) Close() {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return
	}
	e.closed = true
	ls := e.listeners
	e.listeners = nil
	e.beats.Store(&[]*beat{})
	e.mu.Unlock()
	// The prober may be delivering an event to signal(), which never
	// blocks, so closing it outside mu cannot deadlock.
	e.prober.Close()
	close(e.stop)
	e.wg.Wait()
	for _, l := range ls {
		l.close()
	}
	e.dsr.close()
	e.inl.close()
}
