package engine

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"

	"sipslb/slb/config"
	"sipslb/slb/dataplane/inline"
	"sipslb/slb/pool"
	"sipslb/slb/reason"
)

// InlineDriver opens the inside leg of inline mode (docs/inline.md). The
// engine declares it and appliance supplies the Linux one (AF_PACKET,
// raw IPv4 sockets, nftables, forwarding sysctls). A nil driver means
// inline ports are refused. The outside leg is the data interface, which
// the DSR driver opens (frames to the VIPs, ARP for them).
type InlineDriver interface {
	// Open takes the interface inside, whose own address is self (put on
	// the interface by the driver: the servers' default gateway), and
	// makes the box route between it and outside.
	Open(inside string, self netip.Prefix, outside string) (InlineLink, error)
	// NewSender opens a sender of translated IPv4 packets (the kernel
	// routes them); each data path goroutine has its own.
	NewSender() (InlineSender, error)
}

// InlineSender sends translated packets.
type InlineSender interface {
	inline.Sender
	Close() error
}

// InlineLink is the inside leg.
type InlineLink interface {
	inline.Inside // ReadFrame, SetReadDeadline
	// SetRules makes the leg read the frames from sources (the real
	// servers' SIP ports bound to inline ports) and keeps the kernel from
	// forwarding what the data path handles: datagrams to vips and from
	// sources.
	SetRules(vips []netip.Addr, sources []netip.AddrPort) error
	// Untranslated counts the UDP datagrams the servers sent through the
	// box from other ports than their SIP port (the kernel forwards them
	// as they are) since the rules were last set. It may be slow (it asks
	// the kernel): never call it with e.mu held.
	Untranslated() (uint64, error)
	// Close stops it all and puts the kernel's settings back.
	Close() error
}

// inlinePart is the engine's inline data path: the inside leg and its
// worker (outbound), and the inbound translation that the dsr worker of
// the data interface hands over (Take).
type inlinePart struct {
	e      *Engine
	driver InlineDriver
	cur    *inlineLink // under e.mu
	next   *inlineLink
	prev   *inlineLink
	// inbound: used by the data interface's worker only.
	active   atomic.Bool
	inFwd    inline.Forwarder
	inSend   InlineSender // opened once, kept until the engine closes
	counters struct{ in, out inline.Counters }
	// rules are the last ones given to cur (for undo).
	rules struct {
		vips    []netip.Addr
		sources []netip.AddrPort
	}
}

type inlineLink struct {
	link    InlineLink
	ifname  string
	self    netip.Prefix
	outside string
	send    InlineSender
	beat    *beat
	done    chan struct{}
	wg      sync.WaitGroup
}

func (p *inlinePart) init(e *Engine, drv InlineDriver) {
	p.e, p.driver = e, drv
	p.inFwd = inline.Forwarder{Worker: 0, In: &p.counters.in, Out: &p.counters.out}
}

// inlineRules lists the VIPs of enabled inline ports and the real ports
// bound to them, sorted.
func inlineRules(c *config.Config) (vips []netip.Addr, sources []netip.AddrPort) {
	for _, v := range c.Virtuals {
		if v.Disabled {
			continue
		}
		for _, p := range v.Ports {
			if !p.Inline {
				continue
			}
			vips = append(vips, v.Addr.Unmap())
			for _, b := range p.Binds {
				if r := c.Real(b.Real); r != nil {
					sources = append(sources, netip.AddrPortFrom(r.Addr.Unmap(), b.Port))
				}
			}
		}
	}
	slices.SortFunc(vips, netip.Addr.Compare)
	slices.SortFunc(sources, netip.AddrPort.Compare)
	return slices.Compact(vips), slices.Compact(sources)
}

// check refuses a config the inline data path cannot run (ports of
// enabled virtual servers only, as for DSR).
func (p *inlinePart) check(c *config.Config) error {
	vips, _ := inlineRules(c)
	if len(vips) == 0 {
		return nil
	}
	var errs []error
	if p.driver == nil {
		errs = append(errs, errors.New("inline ports need raw sockets, which this engine was started without"))
	}
	if !c.InsideIf.Configured() {
		errs = append(errs, errors.New("inline ports need the inside interface (ip inside-interface IFNAME)"))
	}
	if !c.InsideIf.Addr.IsValid() {
		errs = append(errs, errors.New("inline ports need the appliance's inside address, the servers' gateway (ip inside-address A.B.C.D M.M.M.M)"))
	}
	for _, v := range c.Virtuals {
		for _, vp := range v.Ports {
			if vp.Inline && !v.Disabled && !v.Addr.Unmap().Is4() {
				errs = append(errs, fmt.Errorf("server virtual %s port %s inline: IPv4 only", v.Name, config.PortName(vp.Port)))
			}
		}
	}
	return errors.Join(errs...)
}

// prepare opens or updates the inside leg for c; undo puts things back.
func (p *inlinePart) prepare(c *config.Config) (undo func(), err error) {
	vips, sources := inlineRules(c)
	cur := p.cur
	if len(vips) == 0 {
		p.next, p.prev = nil, cur
		return func() { p.next, p.prev = nil, nil }, nil
	}
	if p.inSend == nil {
		if p.inSend, err = p.driver.NewSender(); err != nil {
			return func() {}, err
		}
	}
	if cur != nil && cur.ifname == c.InsideIf.Name && cur.self == c.InsideIf.Addr && cur.outside == c.DataIf.Name {
		oldV, oldS := p.rules.vips, p.rules.sources
		if err := cur.link.SetRules(vips, sources); err != nil {
			return func() {}, err
		}
		p.next, p.prev = nil, nil
		return func() { cur.link.SetRules(oldV, oldS) }, nil
	}
	link, err := p.driver.Open(c.InsideIf.Name, c.InsideIf.Addr, c.DataIf.Name)
	if err != nil {
		return func() {}, err
	}
	send, err := p.driver.NewSender()
	if err != nil {
		link.Close()
		return func() {}, err
	}
	if err := link.SetRules(vips, sources); err != nil {
		send.Close()
		link.Close()
		return func() {}, err
	}
	p.next = &inlineLink{link: link, ifname: c.InsideIf.Name, self: c.InsideIf.Addr, outside: c.DataIf.Name, send: send, done: make(chan struct{})}
	p.prev = cur
	return func() {
		send.Close()
		link.Close()
		p.next, p.prev = nil, nil
	}, nil
}

// commit starts what prepare opened and closes what it replaced.
func (p *inlinePart) commit(c *config.Config) {
	vips, sources := inlineRules(c)
	p.rules.vips, p.rules.sources = vips, sources
	if n := p.next; n != nil {
		p.cur = n
		w := inline.NewWorker(n.link, n.send, &p.e.state, &p.counters.out, 0)
		w.SetWake(p.e.wake())
		n.beat = newBeat("inline worker on "+n.ifname, w.Heart(), n.done)
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			p.e.runWorker(n.beat, w.Step)
		}()
		p.e.log.Info("inline inside leg up", "interface", n.ifname, "address", n.self.String(), "outside", n.outside, "vips", len(vips))
	} else if p.prev != nil {
		p.cur = nil
	}
	if old := p.prev; old != nil {
		old.close()
		p.e.log.Info("inline inside leg released", "interface", old.ifname)
	}
	p.next, p.prev = nil, nil
	p.active.Store(p.cur != nil)
}

func (l *inlineLink) close() {
	close(l.done)
	l.link.Close()
	l.wg.Wait()
	l.send.Close()
}

func (p *inlinePart) close() {
	p.active.Store(false)
	if p.cur != nil {
		p.cur.close()
		p.cur = nil
	}
	if p.inSend != nil {
		p.inSend.Close()
	}
}

// Take is the data interface worker's hand-over (dsr.Other): frames to
// inline VIP ports are translated and sent towards their server.
func (p *inlinePart) Take(st *pool.State, fr []byte, now int64) bool {
	if !p.active.Load() || !p.inFwd.Claims(st, fr, now) {
		return false
	}
	r := p.inFwd.Inbound(st, fr, now)
	if r.Verdict == inline.Forwarded && p.inSend.Send(r.Out, r.To) != nil {
		p.counters.in.Drop(reason.FrameSendError)
		if r.Server != nil {
			r.Server.Stats.Drops.Add(1)
		}
	}
	return true
}

// link is the inside leg in use, or nil. Call with e.mu held.
func (p *inlinePart) link() InlineLink {
	if p.cur != nil {
		return p.cur.link
	}
	return nil
}

// beat is the inside worker's, for Alive.
func (p *inlinePart) beatOf() *beat {
	if p.cur != nil {
		return p.cur.beat
	}
	return nil
}
