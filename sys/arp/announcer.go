package arp

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mdlayher/arp"
	"github.com/mdlayher/ethernet"
	"github.com/mdlayher/packet"
	"golang.org/x/sys/unix"
)

// Conn is the frame socket an Announcer uses; *packet.Conn is one, and
// tests use an in-memory one.
type Conn interface {
	ReadFrom(b []byte) (int, net.Addr, error)
	WriteTo(b []byte, addr net.Addr) (int, error)
	Close() error
}

// Options tune an Announcer; zero values take the defaults.
type Options struct {
	// GratuitousCount and GratuitousEvery shape the burst sent when a VIP
	// comes up (default 5 every 1.1s, as MetalLB does).
	GratuitousCount int
	GratuitousEvery time.Duration
	// Refresh is how often watched neighbours are asked again (30s);
	// Forget drops a neighbour silent that long (4 × Refresh).
	Refresh time.Duration
	Forget  time.Duration
	// RetryEvery is the least gap between requests for one address (1s).
	RetryEvery time.Duration
	Logger     *slog.Logger
}

func (o *Options) defaults() {
	if o.GratuitousCount <= 0 {
		o.GratuitousCount = 5
	}
	if o.GratuitousEvery <= 0 {
		o.GratuitousEvery = 1100 * time.Millisecond
	}
	if o.Refresh <= 0 {
		o.Refresh = 30 * time.Second
	}
	if o.Forget <= 0 {
		o.Forget = 4 * o.Refresh
	}
	if o.RetryEvery <= 0 {
		o.RetryEvery = time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

type neighbor struct {
	mac  [6]byte
	seen atomic.Int64 // Unix ns of the last frame from it
}

// Announcer answers ARP for a set of VIPs and resolves neighbours.
type Announcer struct {
	conn Conn
	mac  net.HardwareAddr
	self netip.Addr // sender address of our requests; 0.0.0.0 if none
	o    Options

	vips  atomic.Pointer[map[netip.Addr]struct{}]
	neigh atomic.Pointer[map[netip.Addr]*neighbor]

	mu      sync.Mutex // serialises SetVIPs, Watch and cache updates
	bursts  map[netip.Addr]chan struct{}
	watched map[netip.Addr]struct{}

	asks    chan netip.Addr
	stop    chan struct{}
	wg      sync.WaitGroup
	closed  atomic.Bool
	counted [NumReasons]atomic.Uint64
}

// Listen opens the ARP socket of the interface called ifname and starts an
// Announcer on it. self is the appliance's own address on the interface
// (the sender of its requests), or the zero Addr.
func Listen(ifname string, self netip.Addr, o Options) (*Announcer, error) {
	ifi, err := net.InterfaceByName(ifname)
	if err != nil {
		return nil, fmt.Errorf("arp on %s: %w", ifname, err)
	}
	pc, err := packet.Listen(ifi, packet.Raw, unix.ETH_P_ARP, nil)
	if err != nil {
		return nil, fmt.Errorf("arp on %s: %w", ifname, err)
	}
	// AF_PACKET also delivers what this host sends: our own replies and
	// the kernel's requests for its own address are not input.
	rc, err := pc.SyscallConn()
	if err == nil {
		var serr error
		err = rc.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_PACKET, unix.PACKET_IGNORE_OUTGOING, 1)
		})
		if err == nil {
			err = serr
		}
	}
	if err != nil {
		pc.Close()
		return nil, fmt.Errorf("arp on %s: ignore outgoing: %w", ifname, err)
	}
	return New(pc, ifi.HardwareAddr, self, o), nil
}

// New starts an Announcer on conn for the interface with hardware address
// mac.
func New(conn Conn, mac net.HardwareAddr, self netip.Addr, o Options) *Announcer {
	o.defaults()
	if !self.IsValid() || !self.Is4() {
		self = netip.IPv4Unspecified()
	}
	a := &Announcer{
		conn: conn, mac: mac, self: self, o: o,
		bursts:  map[netip.Addr]chan struct{}{},
		watched: map[netip.Addr]struct{}{},
		asks:    make(chan netip.Addr, 64),
		stop:    make(chan struct{}),
	}
	a.vips.Store(&map[netip.Addr]struct{}{})
	a.neigh.Store(&map[netip.Addr]*neighbor{})
	a.wg.Add(2)
	go a.readLoop()
	go a.askLoop()
	return a
}

// MAC is the address the Announcer answers with.
func (a *Announcer) MAC() net.HardwareAddr { return a.mac }

// SetVIPs makes vips the set answered for. VIPs new to the set get a burst
// of gratuitous ARP; the burst of a VIP that leaves stops at once.
func (a *Announcer) SetVIPs(vips []netip.Addr) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed.Load() {
		return
	}
	next := make(map[netip.Addr]struct{}, len(vips))
	for _, v := range vips {
		if v.Is4() {
			next[v] = struct{}{}
		}
	}
	a.vips.Store(&next)
	for v, stop := range a.bursts {
		if _, ok := next[v]; !ok {
			close(stop)
			delete(a.bursts, v)
			a.o.Logger.Info("vip released", "vip", v.String())
		}
	}
	for v := range next {
		if a.bursts[v] == nil {
			stop := make(chan struct{})
			a.bursts[v] = stop
			a.wg.Add(1)
			go a.gratuitous(v, stop)
			a.o.Logger.Info("vip taken", "vip", v.String())
		}
	}
}

func (a *Announcer) gratuitous(v netip.Addr, stop chan struct{}) {
	defer a.wg.Done()
	t := time.NewTicker(a.o.GratuitousEvery)
	defer t.Stop()
	for i := 0; ; i++ {
		if err := a.send(arp.OperationRequest, v, ethernet.Broadcast, v, ethernet.Broadcast); err != nil {
			a.o.Logger.Warn("gratuitous arp", "vip", v.String(), "err", err)
		}
		if i+1 >= a.o.GratuitousCount {
			return
		}
		select {
		case <-stop:
			return
		case <-a.stop:
			return
		case <-t.C:
		}
	}
}

// Watch makes ips the neighbours kept resolved. New ones are requested at
// once; the others are forgotten.
func (a *Announcer) Watch(ips []netip.Addr) {
	a.mu.Lock()
	next := map[netip.Addr]struct{}{}
	for _, ip := range ips {
		if ip.Is4() {
			next[ip] = struct{}{}
		}
	}
	a.watched = next
	old := *a.neigh.Load()
	m := make(map[netip.Addr]*neighbor, len(old))
	for ip, n := range old {
		if _, ok := next[ip]; ok {
			m[ip] = n
		}
	}
	a.neigh.Store(&m)
	a.mu.Unlock()
	for ip := range next {
		if _, ok := m[ip]; !ok {
			a.Request(ip)
		}
	}
}

// Lookup returns the MAC address of neighbour ip if it is known.
func (a *Announcer) Lookup(ip netip.Addr) ([6]byte, bool) {
	n := (*a.neigh.Load())[ip]
	if n == nil {
		return [6]byte{}, false
	}
	return n.mac, true
}

// Request asks for ip's MAC address; repeated calls within RetryEvery send
// one request. It never blocks: when the queue is full the call is
// dropped, and the caller's next miss asks again.
func (a *Announcer) Request(ip netip.Addr) {
	select {
	case a.asks <- ip:
	default:
	}
}

func (a *Announcer) askLoop() {
	defer a.wg.Done()
	last := map[netip.Addr]time.Time{}
	t := time.NewTicker(a.o.Refresh)
	defer t.Stop()
	ask := func(ip netip.Addr, now time.Time) {
		if now.Sub(last[ip]) < a.o.RetryEvery {
			return
		}
		last[ip] = now
		if err := a.send(arp.OperationRequest, a.self, ethernet.Broadcast, ip, ethernet.Broadcast); err != nil {
			a.o.Logger.Warn("arp request", "ip", ip.String(), "err", err)
		}
	}
	for {
		select {
		case <-a.stop:
			return
		case ip := <-a.asks:
			ask(ip, time.Now())
		case now := <-t.C:
			a.expire(now)
			a.mu.Lock()
			ips := make([]netip.Addr, 0, len(a.watched))
			for ip := range a.watched {
				ips = append(ips, ip)
			}
			a.mu.Unlock()
			for ip := range last {
				if now.Sub(last[ip]) > a.o.Forget {
					delete(last, ip)
				}
			}
			for _, ip := range ips {
				ask(ip, now)
			}
		}
	}
}

// expire forgets neighbours silent for longer than Forget.
func (a *Announcer) expire(now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	old := *a.neigh.Load()
	m := make(map[netip.Addr]*neighbor, len(old))
	for ip, n := range old {
		if now.UnixNano()-n.seen.Load() <= int64(a.o.Forget) {
			m[ip] = n
		} else {
			a.o.Logger.Warn("neighbour forgotten: no arp from it", "ip", ip.String())
		}
	}
	a.neigh.Store(&m)
}

// send writes one ARP packet in an Ethernet frame to dst.
func (a *Announcer) send(op arp.Operation, sender netip.Addr, targetHW net.HardwareAddr, target netip.Addr, dst net.HardwareAddr) error {
	p, err := arp.NewPacket(op, a.mac, sender, targetHW, target)
	if err != nil {
		return err
	}
	pb, err := p.MarshalBinary()
	if err != nil {
		return err
	}
	f := &ethernet.Frame{Destination: dst, Source: a.mac, EtherType: ethernet.EtherTypeARP, Payload: pb}
	fb, err := f.MarshalBinary()
	if err != nil {
		return err
	}
	_, err = a.conn.WriteTo(fb, &packet.Addr{HardwareAddr: dst})
	return err
}

func (a *Announcer) readLoop() {
	defer a.wg.Done()
	buf := make([]byte, 1600)
	for {
		n, _, err := a.conn.ReadFrom(buf)
		if err != nil {
			if a.closed.Load() || errors.Is(err, net.ErrClosed) {
				return
			}
			a.o.Logger.Warn("arp read", "err", err)
			time.Sleep(10 * time.Millisecond) // a persistent error must not spin
			continue
		}
		a.counted[a.handle(buf[:n], time.Now())].Add(1)
	}
}

// Counts returns how many frames ended in each Reason.
func (a *Announcer) Counts() [NumReasons]uint64 {
	var out [NumReasons]uint64
	for i := range out {
		out[i] = a.counted[i].Load()
	}
	return out
}

// Close stops answering and releases the socket. No gratuitous ARP or
// answer is sent after it returns.
func (a *Announcer) Close() error {
	a.mu.Lock()
	if a.closed.Swap(true) {
		a.mu.Unlock()
		return nil
	}
	a.vips.Store(&map[netip.Addr]struct{}{})
	close(a.stop)
	a.mu.Unlock()
	err := a.conn.Close()
	a.wg.Wait()
	return err
}
