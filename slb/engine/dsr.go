package engine

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"sipslb/slb/config"
	"sipslb/slb/dataplane/dsr"
	"sipslb/slb/dataplane/udpsip"
	"sipslb/slb/health"
	"sipslb/slb/status"
)

// DSRDriver opens data interfaces for the dsr data path. The engine
// declares it and appliance supplies the Linux one (sys/packetio and
// sys/arp), so slb/ never touches a raw socket. A nil driver means DSR
// ports are refused.
type DSRDriver interface {
	// Open takes the interface ifname, whose own address is self (put on
	// the interface by the driver), for the dsr data path.
	Open(ifname string, self netip.Prefix) (DSRLink, error)
}

// DSRLink is one data interface as the dsr data path uses it.
type DSRLink interface {
	dsr.Link // ReadFrame, WriteFrame, Lookup, Request
	// MAC is the interface's hardware address.
	MAC() [6]byte
	// SetTargets makes the link own exactly these VIP:ports: frames to
	// them are delivered, ARP for their addresses is answered (with a
	// burst of gratuitous ARP for an address new to the set), and
	// addresses that left the set are no longer answered.
	SetTargets(targets []netip.AddrPort) error
	// Watch lists the real server addresses whose MACs are kept resolved.
	Watch(ips []netip.Addr)
	// SetReadDeadline makes a ReadFrame waiting past t return an error
	// wrapping os.ErrDeadlineExceeded: the idle worker's wake-up, so the
	// watchdog can tell it from a wedged one (Engine.Alive).
	SetReadDeadline(t time.Time) error
	// Close releases the interface; a blocked ReadFrame returns.
	Close() error
}

// dsrPart is the engine's dsr data path: at most one data interface.
type dsrPart struct {
	e      *Engine
	driver DSRDriver
	cur    atomic.Pointer[dsrLink] // read by health probes
	next   *dsrLink                // opened by prepare, started by commit
	prev   *dsrLink                // replaced by next, closed by commit
	// probeVIPs maps a real port's address to the VIP:port its DSR health
	// probes go to.
	probeVIPs atomic.Pointer[map[netip.AddrPort]netip.AddrPort]
	counters  dsr.Counters
}

type dsrLink struct {
	link    DSRLink
	ifname  string
	self    netip.Prefix
	targets []netip.AddrPort
	beat    *beat         // the worker's, for Alive
	done    chan struct{} // closed when the link is being closed
	wg      sync.WaitGroup
}

func (d *dsrPart) init(e *Engine, drv DSRDriver) {
	d.e, d.driver = e, drv
	d.probeVIPs.Store(&map[netip.AddrPort]netip.AddrPort{})
}

// dsrTargets lists the VIP:ports of c the data interface serves, sorted:
// the enabled DSR ports, and the inline ports (the data interface is their
// outside leg: frames to them are read and their VIPs' ARP answered).
func dsrTargets(c *config.Config) []netip.AddrPort {
	var out []netip.AddrPort
	for _, v := range c.Virtuals {
		if v.Disabled {
			continue
		}
		for _, p := range v.Ports {
			if p.DSR || p.Inline {
				out = append(out, netip.AddrPortFrom(v.Addr.Unmap(), p.Port))
			}
		}
	}
	slices.SortFunc(out, netip.AddrPort.Compare)
	return out
}

// check refuses a config the dsr data path cannot run. Only ports in use
// (enabled virtual servers) are checked, so a config can be prepared
// before the data interface exists.
func (d *dsrPart) check(c *config.Config) error {
	targets := dsrTargets(c)
	if len(targets) == 0 {
		return nil
	}
	var errs []error
	if d.driver == nil {
		errs = append(errs, errors.New("dsr and inline ports need raw sockets, which this engine was started without"))
	}
	if !c.DataIf.Configured() {
		errs = append(errs, errors.New("dsr and inline ports need a data interface (ip data-interface IFNAME)"))
	}
	if !c.DataIf.Addr.IsValid() {
		errs = append(errs, errors.New("dsr and inline ports need the appliance's own address on the data interface (ip address A.B.C.D M.M.M.M)"))
	}
	for _, v := range c.Virtuals {
		if v.Disabled {
			continue
		}
		for _, p := range v.Ports {
			if !p.DSR {
				continue
			}
			if !v.Addr.Unmap().Is4() {
				errs = append(errs, fmt.Errorf("server virtual %s port %s dsr: IPv4 only", v.Name, config.PortName(p.Port)))
			}
			for _, b := range p.Binds {
				if b.Port != p.Port {
					errs = append(errs, fmt.Errorf("server virtual %s bind %s %s %s: in dsr mode the server receives the frame unchanged, so it must listen on the VIP's port %s",
						v.Name, config.PortName(p.Port), b.Real, config.PortName(b.Port), config.PortName(p.Port)))
				}
			}
		}
	}
	return errors.Join(errs...)
}

// probeRoutes maps each real port bound to an enabled DSR port to the
// VIP:port its probes use (the first DSR port it is bound to), and sets
// those checks' local address to the appliance's own: the server answers
// the probe from the VIP to it.
func dsrProbeRoutes(c *config.Config, checks map[health.Key]health.Check) map[netip.AddrPort]netip.AddrPort {
	routes := map[netip.AddrPort]netip.AddrPort{}
	for _, v := range c.Virtuals {
		if v.Disabled {
			continue
		}
		for _, p := range v.Ports {
			if !p.DSR {
				continue
			}
			for _, b := range p.Binds {
				k := health.Key{Real: b.Real, Port: b.Port}
				ch, ok := checks[k]
				if !ok {
					continue
				}
				if _, seen := routes[ch.Target]; seen {
					continue
				}
				routes[ch.Target] = netip.AddrPortFrom(v.Addr.Unmap(), p.Port)
				ch.LocalAddr = c.DataIf.Addr.Addr()
				checks[k] = ch
			}
		}
	}
	return routes
}

// watchList is the addresses of the real servers bound to DSR ports.
func watchList(c *config.Config) []netip.Addr {
	seen := map[netip.Addr]bool{}
	var out []netip.Addr
	for _, v := range c.Virtuals {
		if v.Disabled {
			continue
		}
		for _, p := range v.Ports {
			if !p.DSR {
				continue
			}
			for _, b := range p.Binds {
				if r := c.Real(b.Real); r != nil && !seen[r.Addr.Unmap()] {
					seen[r.Addr.Unmap()] = true
					out = append(out, r.Addr.Unmap())
				}
			}
		}
	}
	return out
}

// prepare makes the data interface ready for c before anything is
// committed: it opens the link if the interface or address changed and
// gives it c's targets. The returned undo puts things back as they were
// (used when a later step of Apply fails).
func (d *dsrPart) prepare(c *config.Config, checks map[health.Key]health.Check) (undo func(), err error) {
	routes := dsrProbeRoutes(c, checks)
	oldRoutes := d.probeVIPs.Load()
	targets := dsrTargets(c)
	cur := d.cur.Load()
	noop := func() {}
	if len(targets) == 0 {
		d.next, d.prev = nil, cur
		d.probeVIPs.Store(&routes)
		return func() { d.next, d.prev = nil, nil; d.probeVIPs.Store(oldRoutes) }, nil
	}
	if cur != nil && cur.ifname == c.DataIf.Name && cur.self == c.DataIf.Addr {
		if err := cur.link.SetTargets(targets); err != nil {
			return noop, err
		}
		old := cur.targets
		cur.link.Watch(watchList(c))
		d.next, d.prev = nil, nil
		d.probeVIPs.Store(&routes)
		return func() { cur.link.SetTargets(old); d.probeVIPs.Store(oldRoutes) }, nil
	}
	link, err := d.driver.Open(c.DataIf.Name, c.DataIf.Addr)
	if err != nil {
		return noop, err
	}
	if err := link.SetTargets(targets); err != nil {
		link.Close()
		return noop, err
	}
	link.Watch(watchList(c))
	d.next = &dsrLink{link: link, ifname: c.DataIf.Name, self: c.DataIf.Addr, targets: targets, done: make(chan struct{})}
	d.prev = cur
	d.probeVIPs.Store(&routes)
	return func() {
		link.Close()
		d.next, d.prev = nil, nil
		d.probeVIPs.Store(oldRoutes)
	}, nil
}

// commit starts what prepare opened and closes what it replaced.
func (d *dsrPart) commit(c *config.Config) {
	if cur := d.cur.Load(); cur != nil && d.next == nil && d.prev == nil {
		cur.targets = dsrTargets(c)
		return
	}
	if n := d.next; n != nil {
		d.cur.Store(n)
		w := dsr.NewWorker(n.link, &d.e.state, n.link.MAC(), &d.counters, 0)
		w.SetWake(d.e.wake())
		if d.e.inl.driver != nil {
			w.SetOther(&d.e.inl)
		}
		n.beat = newBeat("dsr worker on "+n.ifname, w.Heart(), n.done)
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			d.e.runWorker(n.beat, w.Step) // returns when the link is closed
			d.e.log.Debug("dsr worker stopped", "interface", n.ifname)
		}()
		d.e.log.Info("dsr data interface up", "interface", n.ifname, "address", n.self.String(), "vips", len(n.targets))
	} else {
		d.cur.Store(nil)
	}
	if p := d.prev; p != nil {
		p.close()
		d.e.log.Info("dsr data interface released", "interface", p.ifname)
	}
	d.next, d.prev = nil, nil
}

func (l *dsrLink) close() {
	close(l.done)
	l.link.Close()
	l.wg.Wait()
}

func (d *dsrPart) close() {
	if cur := d.cur.Swap(nil); cur != nil {
		cur.close()
	}
}

// listening lists the DSR VIP:ports the data interface serves.
func (d *dsrPart) listening() []netip.AddrPort {
	if cur := d.cur.Load(); cur != nil {
		return cur.targets
	}
	return nil
}

// readCounters reads the dsr data interface's frame counters.
func (d *dsrPart) readCounters() status.DSR { return readFrames(&d.counters) }

// readFrames reads frame-level counters (dsr, and each inline direction).
func readFrames(c *udpsip.FrameCounters) status.DSR {
	var out status.DSR
	for i := range out.Drops {
		out.Drops[i] = c.Drops[i].Load()
	}
	out.Fragments = c.Fragments.Load()
	return out
}
