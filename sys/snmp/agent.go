package snmp

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Options are fixed for the agent's lifetime.
type Options struct {
	// StateDir holds snmp-engine-boots and snmp-engine-seed. Required.
	StateDir string
	// EngineID overrides the default derived from the persisted seed.
	// Changing it invalidates every localized key.
	EngineID []byte
	Source   Source
	Logger   *slog.Logger
}

// Agent is the SNMP agent. All methods are safe for concurrent use.
type Agent struct {
	log      *slog.Logger
	src      Source
	engineID []byte
	boots    uint32
	start    time.Time
	reg      *registry
	stats    Stats
	st       atomic.Pointer[state]
	salt     atomic.Uint64
	reqID    atomic.Uint32

	mu   sync.Mutex // Configure and Close; guards the fields below
	conn *net.UDPConn
	addr netip.AddrPort
	wg   sync.WaitGroup
}

// state is a compiled Config: what the packet path reads with one load.
type state struct {
	cfg         Config
	sysOID      OID
	maxSize     int
	communities []Community
	users       map[string]*usmUser
}

type usmUser struct {
	name    string
	level   SecLevel
	auth    AuthProto
	authKey []byte
	priv    PrivProto
	privKey []byte
}

// New loads the engine state (incrementing snmpEngineBoots on disk) and
// returns an agent that serves nothing until Configure enables it.
func New(opts Options) (*Agent, error) {
	if opts.StateDir == "" {
		return nil, errors.New("snmp: state dir required")
	}
	if opts.Source == nil {
		opts.Source = SourceFunc(func() *View { return &View{} })
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	id := opts.EngineID
	if len(id) == 0 {
		seed, err := loadSeed(opts.StateDir)
		if err != nil {
			return nil, fmt.Errorf("snmp: %w", err)
		}
		id = EngineIDFromSeed(seed)
	}
	if len(id) < 5 || len(id) > 32 {
		return nil, fmt.Errorf("snmp: engine id length %d not in 5..32", len(id))
	}
	boots, err := nextBoots(opts.StateDir)
	if err != nil {
		return nil, fmt.Errorf("snmp: %w", err)
	}
	a := &Agent{
		log:      opts.Logger,
		src:      opts.Source,
		engineID: append([]byte(nil), id...),
		boots:    boots,
		start:    time.Now(),
	}
	var r [12]byte
	_, _ = rand.Read(r[:])
	a.salt.Store(binary.BigEndian.Uint64(r[:8]))
	a.reqID.Store(binary.BigEndian.Uint32(r[8:]) & 0x3fffffff)
	a.reg = newRegistry(a)
	st, err := a.compile(Config{})
	if err != nil {
		return nil, err
	}
	a.st.Store(st)
	return a, nil
}

// EngineID returns the agent's snmpEngineID.
func (a *Agent) EngineID() []byte { return append([]byte(nil), a.engineID...) }

// engineTime is snmpEngineTime: seconds since this run started.
func (a *Agent) engineTime() uint32 { return uint32(time.Since(a.start) / time.Second) }

// upTime is sysUpTime in hundredths of a second.
func (a *Agent) upTime() uint32 { return uint32(time.Since(a.start) / (10 * time.Millisecond)) }

// Stats exposes the agent's counters (read them with Load).
func (a *Agent) Stats() *Stats { return &a.stats }

// LocalAddr is the bound address, or the zero value when not serving.
func (a *Agent) LocalAddr() netip.AddrPort {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.conn == nil {
		return netip.AddrPort{}
	}
	return a.conn.LocalAddr().(*net.UDPAddr).AddrPort()
}

func (a *Agent) compile(cfg Config) (*state, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	st := &state{cfg: cfg, sysOID: ProductOID, maxSize: DefaultMaxMessageSize, users: map[string]*usmUser{}}
	if cfg.ObjectID != "" {
		st.sysOID, _ = ParseOID(cfg.ObjectID)
	}
	if cfg.MaxMessageSize != 0 {
		st.maxSize = min(cfg.MaxMessageSize, 65507)
	}
	st.communities = append([]Community(nil), cfg.Communities...)
	for _, u := range cfg.Users {
		cu := &usmUser{name: u.Name, level: u.Level, auth: u.Auth, priv: u.Priv}
		if u.Auth != AuthNone {
			cu.authKey = append([]byte(nil), u.AuthKey...)
			if len(cu.authKey) == 0 {
				cu.authKey = LocalizeKey(u.Auth, u.AuthPassphrase, a.engineID)
			}
		}
		if u.Priv != PrivNone {
			cu.privKey = append([]byte(nil), u.PrivKey...)
			if len(cu.privKey) == 0 {
				cu.privKey = LocalizeKey(u.Auth, u.PrivPassphrase, a.engineID)
			}
			cu.privKey = cu.privKey[:16] // AES-128 uses the first 16 octets (RFC 3826 1.2)
		}
		st.users[u.Name] = cu
	}
	return st, nil
}

// Configure validates cfg and swaps it in atomically. The socket is kept
// when the address is unchanged, so no request is lost; otherwise the old
// socket is closed and the new one bound before Configure returns.
func (a *Agent) Configure(cfg Config) error {
	st, err := a.compile(cfg)
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	want := cfg.Enabled
	if a.conn != nil && (!want || a.addr != cfg.Addr) {
		a.stopLocked()
	}
	if want && a.conn == nil {
		c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(cfg.Addr))
		if err != nil {
			return fmt.Errorf("snmp: listen %v: %w", cfg.Addr, err)
		}
		a.conn, a.addr = c, cfg.Addr
		a.st.Store(st)
		a.wg.Add(1)
		go a.serve(c)
		return nil
	}
	a.st.Store(st)
	return nil
}

// Close stops serving. The agent can be enabled again with Configure.
func (a *Agent) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.stopLocked()
	return nil
}

func (a *Agent) stopLocked() {
	if a.conn == nil {
		return
	}
	a.conn.Close()
	a.wg.Wait()
	a.conn = nil
	a.addr = netip.AddrPort{}
}

func (a *Agent) serve(c *net.UDPConn) {
	defer a.wg.Done()
	buf := make([]byte, 65536)
	for {
		n, from, err := c.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			a.log.Warn("snmp read", "err", err)
			time.Sleep(10 * time.Millisecond) // a persistent error must not spin
			continue
		}
		out := a.HandlePacket(buf[:n], from)
		if out == nil {
			continue
		}
		if _, err := c.WriteToUDPAddrPort(out, from); err != nil {
			a.stats.SendErrors.Add(1)
			continue
		}
		a.stats.OutPkts.Add(1)
	}
}
