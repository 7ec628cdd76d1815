package health

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"sipslb/slb/status"
)

// Options configure a Prober.
type Options struct {
	// Transport opens the per-target sockets; nil means UDPTransport.
	Transport Transport
	// Logger receives one record per state transition; nil means
	// slog.Default().
	Logger *slog.Logger
	// OnEvent, if set, is called for every state transition, in the order
	// the transitions happen, from one goroutine of the Prober, never while a
	// lock is held. It may call Update, Status and Healthy, not Close.
	OnEvent func(Event)
}

// Prober runs the health checks of a set of targets. All methods are safe for
// concurrent use.
type Prober struct {
	transport Transport
	log       *slog.Logger
	onEvent   func(Event)

	mu      sync.Mutex
	targets map[Key]*target
	closed  bool
	// epoch is the origin of the probe grid (see nextSlot), set by the
	// first Update so that the targets of the boot config start at once.
	epoch   time.Time
	workers int // running target goroutines
	// pending holds transitions not yet delivered, in the order they were
	// made under mu; the dispatcher goroutine drains it, so no worker ever
	// waits on a slow OnEvent.
	pending []Event
	kick    chan struct{}

	wg sync.WaitGroup
}

// ErrClosed is returned by Update after Close.
var ErrClosed = errors.New("health prober closed")

// New returns a Prober with no targets.
func New(opts Options) *Prober {
	p := &Prober{
		transport: opts.Transport,
		log:       opts.Logger,
		onEvent:   opts.OnEvent,
		targets:   make(map[Key]*target),
		kick:      make(chan struct{}, 1),
	}
	if p.transport == nil {
		p.transport = UDPTransport{}
	}
	if p.log == nil {
		p.log = slog.Default()
	}
	p.wg.Add(1)
	go p.dispatch()
	return p
}

// Update replaces the set of checks, all or nothing: if any check is invalid
// nothing changes and the error names every bad key. New keys start in
// Unknown (or AdminDisabled), removed keys stop probing at once, and a key
// whose Target is unchanged keeps its state and counters while taking the new
// parameters from its next probe on. A changed Target starts over in Unknown.
func (p *Prober) Update(checks map[Key]Check) error {
	var errs []error
	for _, k := range sortedKeys(checks) {
		if err := checks[k].Validate(); err != nil {
			errs = append(errs, fmt.Errorf("health check %v: %w", k, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}

	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return ErrClosed
	}
	now := time.Now()
	if p.epoch.IsZero() {
		p.epoch = now
	}
	var events []Event
	for k, t := range p.targets {
		if _, ok := checks[k]; !ok {
			t.stopLocked()
			delete(p.targets, k)
		}
	}
	for _, k := range sortedKeys(checks) {
		c := checks[k].WithDefaults()
		t, ok := p.targets[k]
		if ok && t.check.Target == c.Target {
			if ev, changed := t.reconfigureLocked(c, now); changed {
				events = append(events, ev)
			}
			continue
		}
		from := status.Unknown
		if ok {
			from = t.m.state
			t.stopLocked()
		}
		t = newTarget(k, c, now)
		p.targets[k] = t
		if from != t.m.state {
			events = append(events, Event{Key: k, From: from, To: t.m.state, At: now})
		}
		p.workers++
		p.wg.Add(1)
		go p.run(t)
	}
	p.rephaseLocked()
	p.queueLocked(events...)
	p.mu.Unlock()
	return nil
}

// rephaseLocked spaces the targets evenly over their interval in key order,
// so that n targets with one interval send one probe every interval/n
// instead of a burst. Phases move when targets come and go; nextSlot keeps
// the gap around such a move at least half an interval.
func (p *Prober) rephaseLocked() {
	keys := sortedKeys(p.targets)
	for i, k := range keys {
		t := p.targets[k]
		phase := time.Duration(int64(t.check.Interval) * int64(i) / int64(len(keys)))
		if phase != t.phase {
			t.phase = phase
			t.wakeLocked()
		}
	}
}

// Status returns a snapshot of every target.
func (p *Prober) Status() map[Key]Status {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[Key]Status, len(p.targets))
	for k, t := range p.targets {
		out[k] = t.statusLocked()
	}
	return out
}

// Healthy reports whether key may carry traffic: its state is Up or Unknown.
// An unknown key is not healthy.
func (p *Prober) Healthy(key Key) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.targets[key]
	return ok && t.m.state.Eligible()
}

// Close stops every probe, waits for the workers to exit and delivers the
// events made before. No event is delivered after Close returns.
func (p *Prober) Close() {
	p.mu.Lock()
	p.closed = true
	for k, t := range p.targets {
		t.stopLocked()
		delete(p.targets, k)
	}
	p.mu.Unlock()
	p.signal()
	p.wg.Wait()
}

func (p *Prober) queueLocked(events ...Event) {
	if len(events) > 0 {
		p.pending = append(p.pending, events...)
		p.signal()
	}
}

func (p *Prober) signal() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// dispatch logs and delivers events until the Prober is closed and every
// worker has stopped making them.
func (p *Prober) dispatch() {
	defer p.wg.Done()
	for range p.kick {
		p.mu.Lock()
		events := p.pending
		p.pending = nil
		done := p.closed && p.workers == 0
		p.mu.Unlock()
		for _, ev := range events {
			p.deliver(ev)
		}
		if done {
			return
		}
	}
}

func (p *Prober) deliver(ev Event) {
	level := slog.LevelInfo
	if !ev.To.Eligible() && ev.To != status.Disabled {
		level = slog.LevelWarn
	}
	p.log.LogAttrs(context.Background(), level, "health state change",
		slog.String("real", ev.Key.Real),
		slog.Int("port", int(ev.Key.Port)),
		slog.String("from", ev.From.String()),
		slog.String("to", ev.To.String()),
		slog.String("result", ev.Result.String()),
		slog.Duration("rtt", ev.Result.RTT),
	)
	if p.onEvent != nil {
		p.onEvent(ev)
	}
}

func sortedKeys[V any](m map[Key]V) []Key {
	keys := make([]Key, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, Key.Compare)
	return keys
}
