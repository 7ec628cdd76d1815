package engine

// Effect tests for configuration keywords that no other test shows
// working through the config model: each builds a config as the CLI would
// (config.Config, validated), applies it to a running engine, and watches
// what the data path or the health checks then do, on real UDP sockets:
// fake real servers (peers) on loopback record what reaches them and
// answer health probes, a client sends SIP to the VIP. docs/cli.md
// ("Which tests cover which keyword") points here.
//
// Address blocks 127.31.229.0/24 to 127.31.239.0/24 are this file's own.

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sipslb/slb/config"
	"sipslb/slb/health"
	"sipslb/slb/sip"
	"sipslb/slb/status"
)

func kwAddr(block, host int) netip.Addr {
	return netip.AddrFrom4([4]byte{127, 31, byte(block), byte(host)})
}

// kwConfig is VIP 127.31.block.100:5060 bound to n real servers rs1..rsN
// at hosts .11, .12, ... port 5060, with fast health checks (keepalive
// on only when probed is set).
func kwConfig(block, n int, probed bool) *config.Config {
	c := config.New()
	c.Dialog.MaxEntries = 1024
	c.Health.Interval, c.Health.Timeout, c.Health.Retries, c.Health.Rise = 100*time.Millisecond, 50*time.Millisecond, 1, 1
	vp := &config.VirtualPort{Port: 5060}
	for i := range n {
		name := fmt.Sprintf("rs%d", i+1)
		c.Reals = append(c.Reals, &config.RealServer{Name: name, Addr: kwAddr(block, 11+i), Weight: config.DefaultWeight,
			Ports: []*config.RealPort{{Port: 5060, Role: config.RoleBoth, NoKeepalive: !probed}}})
		vp.Binds = append(vp.Binds, config.Bind{Real: name, Port: 5060})
	}
	c.Virtuals = []*config.VirtualServer{{Name: "v", Addr: kwAddr(block, 100), Ports: []*config.VirtualPort{vp}}}
	return c
}

// kwApply validates c as the CLI does before it commits, then applies it.
// The engine keeps c: callers edit a Clone afterwards.
func kwApply(t *testing.T, e *Engine, c *config.Config) {
	t.Helper()
	if ps := c.Validate(); len(ps) > 0 {
		t.Fatalf("config refused by Validate: %v", config.Err(ps))
	}
	if err := e.Apply(c); err != nil {
		t.Fatalf("Apply: %v", err)
	}
}

func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// peerMsg is one request a peer received.
type peerMsg struct {
	method, callID, to string
	from               netip.AddrPort
}

// peer is a fake real server: it records every request and answers
// OPTIONS and REGISTER (the health probes) with code after delay; code 0
// leaves them unanswered.
type peer struct {
	conn  *net.UDPConn
	code  atomic.Int32
	delay atomic.Int64
	mu    sync.Mutex
	got   []peerMsg
	wg    sync.WaitGroup
}

func newPeer(t *testing.T, a netip.Addr, code int) *peer {
	t.Helper()
	conn, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(a, 5060)))
	if err != nil {
		t.Fatalf("peer %v: %v", a, err)
	}
	p := &peer{conn: conn}
	p.code.Store(int32(code))
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(func() { conn.Close(); p.wg.Wait() })
	return p
}

func header(lines []string, name string) string {
	for _, l := range lines[1:] {
		n, v, ok := strings.Cut(l, ":")
		if ok && strings.EqualFold(strings.TrimSpace(n), name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func (p *peer) serve() {
	defer p.wg.Done()
	buf := make([]byte, 65536)
	for {
		n, from, err := p.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		head, _, _ := bytes.Cut(buf[:n], []byte("\r\n\r\n"))
		lines := strings.Split(string(head), "\r\n")
		method, _, _ := strings.Cut(lines[0], " ")
		m := peerMsg{method: method, callID: header(lines, "Call-ID"), to: header(lines, "To"), from: from}
		p.mu.Lock()
		p.got = append(p.got, m)
		p.mu.Unlock()
		code := p.code.Load()
		if code == 0 || (method != "OPTIONS" && method != "REGISTER") {
			continue
		}
		var b strings.Builder
		fmt.Fprintf(&b, "SIP/2.0 %d Test\r\n", code)
		for _, l := range lines[1:] {
			name, _, _ := strings.Cut(l, ":")
			switch strings.ToLower(strings.TrimSpace(name)) {
			case "via", "from", "call-id", "cseq":
				b.WriteString(l + "\r\n")
			case "to":
				b.WriteString(l + ";tag=peer\r\n")
			}
		}
		b.WriteString("Content-Length: 0\r\n\r\n")
		msg := []byte(b.String())
		if d := time.Duration(p.delay.Load()); d > 0 {
			p.wg.Add(1)
			time.AfterFunc(d, func() { defer p.wg.Done(); p.conn.WriteToUDPAddrPort(msg, from) })
			continue
		}
		p.conn.WriteToUDPAddrPort(msg, from)
	}
}

// msgs returns the requests received with this method.
func (p *peer) msgs(method string) []peerMsg {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []peerMsg
	for _, m := range p.got {
		if m.method == method {
			out = append(out, m)
		}
	}
	return out
}

func (p *peer) count(method string) int { return len(p.msgs(method)) }

func (p *peer) total() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.got)
}

// has reports whether a request with this method and Call-ID arrived.
func (p *peer) has(method, callID string) bool {
	for _, m := range p.msgs(method) {
		if m.callID == callID {
			return true
		}
	}
	return false
}

// sipClient sends requests to a VIP from 127.31.block.1.
type sipClient struct {
	conn *net.UDPConn
	vip  netip.AddrPort
}

func newClient(t *testing.T, block int) *sipClient {
	t.Helper()
	conn, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(kwAddr(block, 1), 0)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &sipClient{conn: conn, vip: netip.AddrPortFrom(kwAddr(block, 100), 5060)}
}

func (c *sipClient) send(t *testing.T, method, callID string) {
	t.Helper()
	to := "<sip:bob@example.com>"
	if method != "INVITE" && method != "REGISTER" {
		to += ";tag=b1" // in-dialog
	}
	msg := method + " sip:bob@" + c.vip.String() + " SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP " + c.conn.LocalAddr().String() + ";branch=z9hG4bK-" + method + "-" + strings.ReplaceAll(callID, "@", ".") + ";rport\r\n" +
		"From: <sip:alice@example.com>;tag=a1\r\n" +
		"To: " + to + "\r\n" +
		"Call-ID: " + callID + "\r\n" +
		"CSeq: 1 " + method + "\r\n" +
		"Max-Forwards: 70\r\n" +
		"Content-Length: 0\r\n\r\n"
	if _, err := c.conn.WriteToUDPAddrPort([]byte(msg), c.vip); err != nil {
		t.Fatal(err)
	}
}

// invites counts the INVITEs the VIP port "v" has taken in.
func invites(e *Engine) uint64 {
	return e.Status().Virtuals["v"].Ports[5060].Requests[sip.MethodInvite]
}

// sendInvites sends n INVITEs with fresh Call-IDs, paced so the loopback
// socket buffers do not overflow, and waits until the engine has counted
// them (or stopped counting). It returns the engine's INVITE count.
func sendInvites(t *testing.T, e *Engine, cl *sipClient, prefix string, n int) uint64 {
	t.Helper()
	start := invites(e)
	for i := range n {
		cl.send(t, "INVITE", fmt.Sprintf("%s-%d@kw", prefix, i))
		if i%100 == 99 {
			want := start + uint64(i+1)
			deadline := time.Now().Add(2 * time.Second)
			for invites(e) < want && time.Now().Before(deadline) {
				time.Sleep(2 * time.Millisecond)
			}
		}
	}
	last, stable := invites(e), 0
	for last < start+uint64(n) && stable < 50 {
		time.Sleep(10 * time.Millisecond)
		if now := invites(e); now == last {
			stable++
		} else {
			last, stable = now, 0
		}
	}
	got := last - start
	if got < uint64(n)*9/10 {
		t.Fatalf("the VIP took in %d of %d INVITEs", got, n)
	}
	return got
}

// server sip-dialog max-entries: the dialog table is sized by it, a
// change resizes the running table, and the number of dialogs held stays
// within the size (4/3 slots per entry) however many calls arrive.
func TestKeywordDialogMaxEntriesBoundsTable(t *testing.T) {
	const block = 230
	e := newEngine(t)
	newPeer(t, kwAddr(block, 11), 0)
	newPeer(t, kwAddr(block, 12), 0)
	cl := newClient(t, block)

	c := kwConfig(block, 2, false)
	c.Dialog.MaxEntries = 8192
	kwApply(t, e, c)
	if m := e.reg.Dialogs().MaxEntries(); m != 8192 {
		t.Fatalf("max-entries 8192: table sized for %d", m)
	}
	const calls = 3000
	took := sendInvites(t, e, cl, "big", calls)
	if n := e.reg.Dialogs().Len(); uint64(n) < took*99/100 || uint64(n) > took {
		t.Errorf("max-entries 8192: %d dialogs held after %d INVITEs, want (nearly) all", n, took)
	}

	c = c.Clone()
	c.Dialog.MaxEntries = 1024
	kwApply(t, e, c)
	dt := e.reg.Dialogs()
	if dt.MaxEntries() != 1024 || dt.Len() != 0 {
		t.Fatalf("max-entries 1024: table sized for %d holding %d", dt.MaxEntries(), dt.Len())
	}
	took = sendInvites(t, e, cl, "small", calls)
	n, capacity := dt.Len(), dt.Capacity()
	t.Logf("max-entries 1024: %d INVITEs, %d dialogs held, capacity %d slots, %d evictions", took, n, capacity, dt.Stats().Evictions)
	if capacity > 1024*4/3+64 {
		t.Errorf("max-entries 1024 made %d slots, want about 4/3 of it", capacity)
	}
	if n > capacity || n < 1024 {
		t.Errorf("max-entries 1024: %d dialogs held after %d INVITEs, want between 1024 and the %d slots", n, took, capacity)
	}
	if dt.Stats().Evictions == 0 {
		t.Error("a full table evicted nothing")
	}
}

// server sip-dialog ttl: a dialog idle for the ttl is forgotten (its next
// request is hashed again); one made under the default ttl stays.
func TestKeywordDialogTTLForgetsIdleDialogs(t *testing.T) {
	const block = 231
	e := newEngine(t)
	newPeer(t, kwAddr(block, 11), 0)
	newPeer(t, kwAddr(block, 12), 0)
	cl := newClient(t, block)

	c := kwConfig(block, 2, false) // ttl: the default 2 h
	kwApply(t, e, c)
	cl.send(t, "INVITE", "long@kw")
	waitFor(t, "INVITE long@kw taken in", 2*time.Second, func() bool { return e.reg.Dialogs().Len() == 1 })

	c = c.Clone()
	c.Dialog.TTL = time.Second
	kwApply(t, e, c)
	if e.reg.Dialogs().Len() != 1 {
		t.Fatal("a ttl change lost the dialog table")
	}
	sent := time.Now()
	cl.send(t, "INVITE", "short@kw")
	waitFor(t, "INVITE short@kw taken in", 2*time.Second, func() bool { return e.reg.Dialogs().Len() == 2 })
	via := func(callID string) string {
		rs, err := e.SIPHash(callID, "v")
		if err != nil {
			t.Fatal(err)
		}
		return rs[0].Via
	}
	if v := via("short@kw"); v != "dialog table" {
		t.Fatalf("short@kw right after its INVITE: routed by %q", v)
	}
	waitFor(t, "the dialog made under ttl 1 forgotten", 5*time.Second, func() bool { return e.reg.Dialogs().Len() == 1 })
	if idle := time.Since(sent); idle < time.Second {
		t.Errorf("dialog forgotten after %v, before its 1 s ttl", idle)
	}
	if v := via("short@kw"); v != "hash" {
		t.Errorf("short@kw after its ttl: routed by %q, want hash", v)
	}
	if v := via("long@kw"); v != "dialog table" {
		t.Errorf("long@kw (ttl 2 h): routed by %q, want dialog table", v)
	}
}

func healthOfKey(e *Engine, real string) health.Status {
	return e.prober.Status()[health.Key{Real: real, Port: 5060}]
}

func waitState(t *testing.T, e *Engine, real string, want status.Health) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%s %v", real, want), 5*time.Second, func() bool { return healthOfKey(e, real).State == want })
}

// inPool reports whether real is in the proxy group of the VIP port.
func inPool(e *Engine, block int, real string) bool {
	vp := e.state.Load().VPorts[netip.AddrPortFrom(kwAddr(block, 100), 5060)]
	for _, s := range vp.Groups[0].Servers {
		if s.Real == real {
			return true
		}
	}
	return false
}

// server sip-keepalive method / register-aor, and the per-port override
// (port sip keepalive method ...): the probe sent is the one configured.
func TestKeywordKeepaliveMethodAndAoR(t *testing.T) {
	const block = 232
	e := newEngine(t)
	p1 := newPeer(t, kwAddr(block, 11), 200)
	p2 := newPeer(t, kwAddr(block, 12), 200)
	c := kwConfig(block, 2, true)
	c.Health.Method = config.MethodRegister
	c.Health.AoR = "sip:probe@keywords.test"
	opts := config.MethodOptions
	c.Reals[1].Ports[0].Health.Method = &opts
	kwApply(t, e, c)
	waitFor(t, "two probes at each server", 5*time.Second, func() bool {
		return p1.total() >= 2 && p2.total() >= 2
	})
	for _, m := range p1.msgs("OPTIONS") {
		t.Errorf("rs1 (method register) got an OPTIONS probe: %+v", m)
	}
	regs := p1.msgs("REGISTER")
	if len(regs) < 2 {
		t.Fatalf("rs1 got %d REGISTER probes", len(regs))
	}
	if !strings.Contains(regs[0].to, "sip:probe@keywords.test") {
		t.Errorf("REGISTER probe To %q, want the register-aor", regs[0].to)
	}
	if n := p2.count("REGISTER"); n != 0 || p2.count("OPTIONS") < 2 {
		t.Errorf("rs2 (override method options): %d REGISTER, %d OPTIONS probes", n, p2.count("OPTIONS"))
	}
	waitState(t, e, "rs1", status.Up)
	waitState(t, e, "rs2", status.Up)

	// no port sip keepalive method: rs2 follows the global method again.
	c = c.Clone()
	c.Reals[1].Ports[0].Health.Method = nil
	kwApply(t, e, c)
	before := p2.count("REGISTER")
	waitFor(t, "rs2 probed with REGISTER after the override is removed", 5*time.Second, func() bool { return p2.count("REGISTER") > before })
}

// server sip-keepalive status-codes and its per-port override: a server
// answering 404 is failing (TST) and out of the pool unless 404 is listed.
func TestKeywordKeepaliveStatusCodes(t *testing.T) {
	const block = 233
	e := newEngine(t)
	newPeer(t, kwAddr(block, 11), 404)
	newPeer(t, kwAddr(block, 12), 404)
	c := kwConfig(block, 2, true)
	kwApply(t, e, c)
	waitState(t, e, "rs1", status.Failing)
	waitState(t, e, "rs2", status.Failing)
	waitFor(t, "failing servers leave the pool", 2*time.Second, func() bool { return !inPool(e, block, "rs1") && !inPool(e, block, "rs2") })

	c = c.Clone()
	codes, err := config.ParseCodes("200,400-404")
	if err != nil {
		t.Fatal(err)
	}
	c.Health.Codes = codes
	c.Reals[1].Ports[0].Health.Codes = config.Codes{{200, 200}} // port sip keepalive status-codes 200
	kwApply(t, e, c)
	waitState(t, e, "rs1", status.Up)
	waitFor(t, "rs1 back in the pool", 2*time.Second, func() bool { return inPool(e, block, "rs1") })
	time.Sleep(300 * time.Millisecond) // three more probes of rs2
	if s := healthOfKey(e, "rs2"); s.State != status.Failing || inPool(e, block, "rs2") {
		t.Errorf("rs2 (override status-codes 200) answering 404: %v, in pool %v", s.State, inPool(e, block, "rs2"))
	}
}

// server sip-keepalive challenge-healthy (on by default) and its per-port
// override: a REGISTER answered 401 counts as healthy only when it is on.
func TestKeywordKeepaliveChallengeHealthy(t *testing.T) {
	const block = 234
	e := newEngine(t)
	newPeer(t, kwAddr(block, 11), 401)
	newPeer(t, kwAddr(block, 12), 401)
	c := kwConfig(block, 2, true)
	c.Health.Method = config.MethodRegister
	kwApply(t, e, c)
	waitState(t, e, "rs1", status.Up)
	waitState(t, e, "rs2", status.Up)

	c = c.Clone()
	c.Health.ChallengeHealthy = false // no server sip-keepalive challenge-healthy
	on := true
	c.Reals[1].Ports[0].Health.ChallengeHealthy = &on // port sip keepalive challenge-healthy
	kwApply(t, e, c)
	waitState(t, e, "rs1", status.Failing)
	time.Sleep(300 * time.Millisecond)
	if s := healthOfKey(e, "rs2"); s.State != status.Up {
		t.Errorf("rs2 (override challenge-healthy) answering 401: %v", s.State)
	}
}

// server sip-keepalive timeout and a per-port override: a server that
// answers after 150 ms is up with a 400 ms timeout, down with 50 ms.
func TestKeywordKeepaliveTimeout(t *testing.T) {
	const block = 235
	e := newEngine(t)
	p1 := newPeer(t, kwAddr(block, 11), 200)
	p2 := newPeer(t, kwAddr(block, 12), 200)
	p1.delay.Store(int64(150 * time.Millisecond))
	p2.delay.Store(int64(150 * time.Millisecond))
	c := kwConfig(block, 2, true)
	c.Health.Interval, c.Health.Timeout = 500*time.Millisecond, 400*time.Millisecond
	short := 50 * time.Millisecond
	c.Reals[1].Ports[0].Health.Timeout = &short
	kwApply(t, e, c)
	waitState(t, e, "rs2", status.Down)
	if s := healthOfKey(e, "rs2"); s.LastResult.Kind != health.ResultTimeout {
		t.Errorf("rs2 (timeout 50ms) last result %v, want timeout", s.LastResult)
	}
	waitState(t, e, "rs1", status.Up)
}

// server sip-keepalive interval and a per-port override: the probe rate
// follows the interval.
func TestKeywordKeepaliveInterval(t *testing.T) {
	const block = 236
	e := newEngine(t)
	p1 := newPeer(t, kwAddr(block, 11), 200)
	p2 := newPeer(t, kwAddr(block, 12), 200)
	c := kwConfig(block, 2, true)
	c.Health.Interval, c.Health.Timeout = time.Second, 50*time.Millisecond
	fast := 100 * time.Millisecond
	c.Reals[1].Ports[0].Health.Interval = &fast
	start := time.Now()
	kwApply(t, e, c)
	time.Sleep(2500 * time.Millisecond)
	n1, n2 := p1.count("OPTIONS"), p2.count("OPTIONS")
	elapsed := time.Since(start)
	t.Logf("in %v: rs1 (interval 1) %d probes, rs2 (interval 100ms) %d", elapsed, n1, n2)
	// One probe per interval, the first within the first interval.
	if most := int(elapsed/time.Second) + 1; n1 < 1 || n1 > most {
		t.Errorf("rs1 (interval 1 s) got %d probes in %v, want 1-%d", n1, elapsed, most)
	}
	if least, most := int(elapsed/(100*time.Millisecond))*6/10, int(elapsed/(100*time.Millisecond))+1; n2 < least || n2 > most {
		t.Errorf("rs2 (interval 100 ms) got %d probes in %v, want %d-%d", n2, elapsed, least, most)
	}
}

// server sip-keepalive retries / rise and their per-port overrides: an up
// port goes down only after `retries` failed probes in a row, and back up
// only after `rise` good ones.
func TestKeywordKeepaliveRetriesAndRise(t *testing.T) {
	const block = 237
	e := newEngine(t)
	p1 := newPeer(t, kwAddr(block, 11), 200)
	p2 := newPeer(t, kwAddr(block, 12), 200)
	c := kwConfig(block, 2, true)
	c.Health.Interval, c.Health.Timeout, c.Health.Retries, c.Health.Rise = 150*time.Millisecond, 50*time.Millisecond, 4, 3
	one := 1
	c.Reals[1].Ports[0].Health.Retries, c.Reals[1].Ports[0].Health.Rise = &one, &one
	kwApply(t, e, c)
	waitState(t, e, "rs1", status.Up)
	waitState(t, e, "rs2", status.Up)

	// Both stop answering. Watch rs1's counters at every change.
	p1.code.Store(0)
	p2.code.Store(0)
	maxUpFails, rs2DownFirst := 0, false
	var atDown health.Status
	waitFor(t, "rs1 down", 5*time.Second, func() bool {
		s := healthOfKey(e, "rs1")
		if s.State == status.Up {
			maxUpFails = max(maxUpFails, s.ConsecutiveFailures)
			if healthOfKey(e, "rs2").State == status.Down {
				rs2DownFirst = true
			}
		}
		atDown = s
		return s.State == status.Down
	})
	if maxUpFails != 3 || atDown.ConsecutiveFailures < 4 {
		t.Errorf("retries 4: rs1 stayed up through %d failures, went down at %d", maxUpFails, atDown.ConsecutiveFailures)
	}
	if !rs2DownFirst {
		t.Error("rs2 (override retries 1) was not down while rs1 (retries 4) was still up")
	}
	waitFor(t, "rs1 out of the pool", 2*time.Second, func() bool { return !inPool(e, block, "rs1") })

	p1.code.Store(200)
	p2.code.Store(200)
	maxDownOK, rs2UpFirst := 0, false
	var atUp health.Status
	waitFor(t, "rs1 up again", 5*time.Second, func() bool {
		s := healthOfKey(e, "rs1")
		if s.State == status.Down {
			maxDownOK = max(maxDownOK, s.ConsecutiveSuccesses)
			if healthOfKey(e, "rs2").State == status.Up {
				rs2UpFirst = true
			}
		}
		atUp = s
		return s.State == status.Up
	})
	if maxDownOK != 2 || atUp.ConsecutiveSuccesses < 3 {
		t.Errorf("rise 3: rs1 stayed down through %d good probes, came up at %d", maxDownOK, atUp.ConsecutiveSuccesses)
	}
	if !rs2UpFirst {
		t.Error("rs2 (override rise 1) was not up while rs1 (rise 3) was still down")
	}
	waitFor(t, "rs1 back in the pool", 2*time.Second, func() bool { return inPool(e, block, "rs1") })
}

// weight, disable and enable of a real server, with traffic: the share of
// new calls follows the weight, a disabled server gets no new call but
// keeps its dialogs, and enable gives it new calls again.
func TestKeywordRealWeightDisableEnable(t *testing.T) {
	const block = 238
	e := newEngine(t)
	p1 := newPeer(t, kwAddr(block, 11), 0)
	p2 := newPeer(t, kwAddr(block, 12), 0)
	cl := newClient(t, block)
	c := kwConfig(block, 2, false)
	c.Reals[0].Weight = 3
	kwApply(t, e, c)
	arrived := func() int { return p1.count("INVITE") + p2.count("INVITE") }
	waitArrived := func(n int) {
		t.Helper()
		waitFor(t, fmt.Sprintf("%d INVITEs at the servers", n), 5*time.Second, func() bool { return arrived() >= n })
	}
	for i := range 400 {
		cl.send(t, "INVITE", fmt.Sprintf("w-%d@kw", i))
		if i%100 == 99 {
			waitArrived(i + 1)
		}
	}
	if share := float64(p1.count("INVITE")) / 400; share < 0.65 || share > 0.85 {
		t.Errorf("weight 3 against 1: rs1 took %.1f%% of new calls, want about 75%%", 100*share)
	}
	var pinned string // a dialog of rs1
	for _, m := range p1.msgs("INVITE") {
		pinned = m.callID
		break
	}

	c = c.Clone()
	c.Reals[0].Disabled = true
	kwApply(t, e, c)
	before := p1.count("INVITE")
	for i := range 100 {
		cl.send(t, "INVITE", fmt.Sprintf("d-%d@kw", i))
	}
	cl.send(t, "BYE", pinned)
	waitArrived(500)
	waitFor(t, "the BYE of a dialog of the disabled rs1 reaches rs1", 2*time.Second, func() bool { return p1.has("BYE", pinned) })
	if n := p1.count("INVITE") - before; n != 0 {
		t.Errorf("disabled rs1 took %d new calls", n)
	}

	c = c.Clone()
	c.Reals[0].Disabled = false // enable
	kwApply(t, e, c)
	for i := range 100 {
		cl.send(t, "INVITE", fmt.Sprintf("e-%d@kw", i))
	}
	waitArrived(600)
	if n := p1.count("INVITE") - before; n < 50 {
		t.Errorf("re-enabled rs1 (weight 3) took %d of 100 new calls", n)
	}
}

// server real NAME IP with a new address: dialogs pinned to the server
// follow it to the new address.
func TestKeywordRealReaddressKeepsDialogs(t *testing.T) {
	const block = 239
	e := newEngine(t)
	old := newPeer(t, kwAddr(block, 11), 0)
	moved := newPeer(t, kwAddr(block, 21), 0)
	cl := newClient(t, block)
	c := kwConfig(block, 1, false)
	kwApply(t, e, c)
	cl.send(t, "INVITE", "re@kw")
	waitFor(t, "INVITE at rs1's first address", 2*time.Second, func() bool { return old.has("INVITE", "re@kw") })

	c = c.Clone()
	c.Reals[0].Addr = kwAddr(block, 21)
	kwApply(t, e, c)
	cl.send(t, "BYE", "re@kw")
	waitFor(t, "BYE at rs1's new address", 2*time.Second, func() bool { return moved.has("BYE", "re@kw") })
	if old.has("BYE", "re@kw") {
		t.Error("the BYE went to the old address")
	}
	rs, _ := e.SIPHash("re@kw", "v")
	if rs[0].Via != "dialog table" || rs[0].Addr != kwAddr(block, 21).String()+":5060" {
		t.Errorf("show sip hash after re-addressing: %+v", rs[0])
	}
}

// disable / enable of a virtual server: its sockets close (the port is
// free, nothing is forwarded) and reopen; server virtual NAME IP with a
// new address moves the listener.
func TestKeywordVirtualDisableEnableReaddress(t *testing.T) {
	const block = 229
	e := newEngine(t)
	p1 := newPeer(t, kwAddr(block, 11), 0)
	cl := newClient(t, block)
	c := kwConfig(block, 1, false)
	kwApply(t, e, c)
	vip := netip.AddrPortFrom(kwAddr(block, 100), 5060)
	listening := func() bool { return e.Status().Virtuals["v"].Ports[5060].Listening }
	if !listening() {
		t.Fatal("enabled VIP not listening")
	}

	c = c.Clone()
	c.Virtuals[0].Disabled = true
	kwApply(t, e, c)
	if listening() {
		t.Error("disabled VIP still listening")
	}
	uc, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(vip))
	if err != nil {
		t.Fatalf("disabled VIP's port not free: %v", err)
	}
	uc.Close()
	cl.send(t, "INVITE", "off@kw")
	time.Sleep(200 * time.Millisecond)
	if p1.has("INVITE", "off@kw") {
		t.Error("a disabled VIP forwarded an INVITE")
	}

	c = c.Clone()
	c.Virtuals[0].Disabled = false
	kwApply(t, e, c)
	if !listening() {
		t.Error("re-enabled VIP not listening")
	}
	cl.send(t, "INVITE", "on@kw")
	waitFor(t, "INVITE forwarded by the re-enabled VIP", 2*time.Second, func() bool { return p1.has("INVITE", "on@kw") })

	c = c.Clone()
	c.Virtuals[0].Addr = kwAddr(block, 101)
	kwApply(t, e, c)
	uc, err = net.ListenUDP("udp4", net.UDPAddrFromAddrPort(vip))
	if err != nil {
		t.Fatalf("old VIP address still bound after re-addressing: %v", err)
	}
	uc.Close()
	cl.vip = netip.AddrPortFrom(kwAddr(block, 101), 5060)
	cl.send(t, "INVITE", "moved@kw")
	waitFor(t, "INVITE forwarded at the new VIP address", 2*time.Second, func() bool { return p1.has("INVITE", "moved@kw") })
}
