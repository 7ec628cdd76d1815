package appliance

import (
	"net"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"

	"sipslb/slb/config"
	"sipslb/slb/health"
	"sipslb/slb/status"
)

// The snmp-server keywords as the daemon hands them to the agent: a
// config.Config (what the CLI builds) goes through snmpService.apply, and
// a manager on the wire sees the result. Address block 127.57.0.0/24 is
// this file's own. docs/cli.md ("Which tests cover which keyword") points
// here.

// kwFreeUDPPort finds a UDP port free on a.
func kwFreeUDPPort(t *testing.T, a netip.Addr) uint16 {
	t.Helper()
	c, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(a, 0)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).AddrPort().Port()
}

func kwManager(addr netip.AddrPort, community string) *gosnmp.GoSNMP {
	return &gosnmp.GoSNMP{Target: addr.Addr().String(), Port: addr.Port(), Community: community,
		Version: gosnmp.Version2c, Timeout: 700 * time.Millisecond, Retries: 0, MaxOids: gosnmp.MaxOids}
}

// kwGet reads OIDs as strings, or returns the error (no answer).
func kwGet(t *testing.T, g *gosnmp.GoSNMP, oids ...string) ([]string, error) {
	t.Helper()
	if err := g.Connect(); err != nil {
		t.Fatal(err)
	}
	defer g.Conn.Close()
	res, err := g.Get(oids)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, v := range res.Variables {
		b, _ := v.Value.([]byte)
		out = append(out, string(b))
	}
	return out, nil
}

func TestSNMPServerKeywordsReachAgent(t *testing.T) {
	listen := netip.AddrFrom4([4]byte{127, 57, 0, 1})
	trapAddr := netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 57, 0, 2}), kwFreeUDPPort(t, netip.AddrFrom4([4]byte{127, 57, 0, 2})))
	port := kwFreeUDPPort(t, listen)
	agentAddr := netip.AddrPortFrom(listen, port)

	var cfg atomic.Pointer[config.Config] // read by the agent's goroutine
	st := &status.Snapshot{Reals: map[string]*status.Real{"rs1": {Ports: map[uint16]*status.RealPort{5060: {Health: status.Down}}}},
		Virtuals: map[string]*status.Virtual{}}
	s, err := startSNMP(t.TempDir(), "test", cfg.Load, func() *status.Snapshot { return st }, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.close)
	apply := func(c *config.Config) {
		t.Helper()
		if ps := c.Validate(); len(ps) > 0 {
			t.Fatalf("config refused: %v", config.Err(ps))
		}
		cfg.Store(c)
		if err := s.apply(c); err != nil {
			t.Fatalf("apply: %v", err)
		}
	}

	c := config.New()
	c.Hostname = "lbkw"
	c.Reals = []*config.RealServer{{Name: "rs1", Addr: netip.MustParseAddr("192.0.2.11"), Weight: 1,
		Ports: []*config.RealPort{{Port: 5060, Role: config.RoleBoth}}}}
	c.SNMP.Listen, c.SNMP.Port = listen, port // snmp-server listen-address, snmp-server port
	c.SNMP.Contact, c.SNMP.Location = "NOC +1 555 0100", "rack-4"
	c.SNMP.Communities = []config.Community{
		{Name: "kwpub", Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}, // snmp-server community kwpub ro 127.0.0.0/8
		{Name: "kwdeny", Allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}},
	}
	// snmp-server user kwv3 auth sha256 PASS priv aes PASS: the CLI has
	// the daemon localize both passphrases (LocalizeSNMPKey).
	authKey, err := s.localize("sha256", "kw-auth-pass")
	if err != nil {
		t.Fatal(err)
	}
	privKey, err := s.localize("sha256", "kw-priv-pass")
	if err != nil {
		t.Fatal(err)
	}
	shaKey, err := s.localize("sha", "kw-sha-pass") // snmp-server user kwsha auth sha PASS (authNoPriv)
	if err != nil {
		t.Fatal(err)
	}
	c.SNMP.Users = []config.SNMPUser{
		{Name: "kwv3", Auth: "sha256", AuthKey: authKey, Priv: "aes", PrivKey: privKey},
		{Name: "kwsha", Auth: "sha", AuthKey: shaKey},
	}
	c.SNMP.Hosts = []config.TrapHost{{Addr: trapAddr.Addr(), Port: trapAddr.Port(), Version: "2c", Community: "kwtrap"}}
	apply(c)

	sys := []string{".1.3.6.1.2.1.1.4.0", ".1.3.6.1.2.1.1.5.0", ".1.3.6.1.2.1.1.6.0"} // sysContact, sysName, sysLocation
	got, err := kwGet(t, kwManager(agentAddr, "kwpub"), sys...)
	if err != nil {
		t.Fatalf("community kwpub at listen-address:port: %v", err)
	}
	if got[0] != "NOC +1 555 0100" || got[1] != "lbkw" || got[2] != "rack-4" {
		t.Errorf("sysContact, sysName, sysLocation = %q, want contact, hostname, location", got)
	}
	other := netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 57, 0, 9}), port)
	if _, err := kwGet(t, kwManager(other, "kwpub"), sys[0]); err == nil {
		t.Error("the agent answers on another address than its listen-address")
	}
	if _, err := kwGet(t, kwManager(agentAddr, "kwdeny"), sys[0]); err == nil {
		t.Error("community kwdeny (ro 10.0.0.0/8) answered a manager on 127.0.0.1")
	}

	v3 := &gosnmp.GoSNMP{Target: listen.String(), Port: port, Version: gosnmp.Version3, Timeout: 2 * time.Second, Retries: 1,
		SecurityModel: gosnmp.UserSecurityModel, MsgFlags: gosnmp.AuthPriv, MaxOids: gosnmp.MaxOids,
		SecurityParameters: &gosnmp.UsmSecurityParameters{UserName: "kwv3",
			AuthenticationProtocol: gosnmp.SHA256, AuthenticationPassphrase: "kw-auth-pass",
			PrivacyProtocol: gosnmp.AES, PrivacyPassphrase: "kw-priv-pass"}}
	if got, err := kwGet(t, v3, sys[1]); err != nil || got[0] != "lbkw" {
		t.Errorf("snmp-server user kwv3 (sha256/aes): %q %v", got, err)
	}

	sha := &gosnmp.GoSNMP{Target: listen.String(), Port: port, Version: gosnmp.Version3, Timeout: 2 * time.Second, Retries: 1,
		SecurityModel: gosnmp.UserSecurityModel, MsgFlags: gosnmp.AuthNoPriv, MaxOids: gosnmp.MaxOids,
		SecurityParameters: &gosnmp.UsmSecurityParameters{UserName: "kwsha",
			AuthenticationProtocol: gosnmp.SHA, AuthenticationPassphrase: "kw-sha-pass"}}
	if got, err := kwGet(t, sha, sys[1]); err != nil || got[0] != "lbkw" {
		t.Errorf("snmp-server user kwsha (sha, authNoPriv): %q %v", got, err)
	}

	// snmp-server host ... version 2c kwtrap: notifications go there only
	// with snmp-server enable traps.
	trapConn, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(trapAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer trapConn.Close()
	portDown := health.Event{Key: health.Key{Real: "rs1", Port: 5060}, From: status.Up, To: status.Down}
	readTrap := func(wait time.Duration) *gosnmp.SnmpPacket {
		buf := make([]byte, 65536)
		trapConn.SetReadDeadline(time.Now().Add(wait))
		n, _, err := trapConn.ReadFromUDPAddrPort(buf)
		if err != nil {
			return nil
		}
		p, err := gosnmp.Default.UnmarshalTrap(buf[:n], false)
		if err != nil {
			t.Fatalf("trap does not decode: %v", err)
		}
		return p
	}
	s.healthEvent(portDown)
	if p := readTrap(500 * time.Millisecond); p != nil {
		t.Errorf("a trap was sent without snmp-server enable traps: %+v", p)
	}
	c = c.Clone()
	c.SNMP.TrapsEnabled = true
	apply(c)
	s.healthEvent(portDown)
	p := readTrap(3 * time.Second)
	if p == nil {
		t.Fatal("no trap at the snmp-server host after enable traps")
	}
	if p.Community != "kwtrap" {
		t.Errorf("trap community %q, want kwtrap", p.Community)
	}
	trapOID := ""
	for _, v := range p.Variables {
		if v.Name == ".1.3.6.1.6.3.1.1.4.1.0" {
			trapOID, _ = v.Value.(string)
		}
	}
	if trapOID != ".1.3.6.1.4.1.1991.0.24" {
		t.Errorf("snmpTrapOID %q, want snTrapL4RealServerPortDown", trapOID)
	}

	// no snmp-server enable: the agent stops answering.
	c = c.Clone()
	c.SNMP.Disabled = true
	apply(c)
	if _, err := kwGet(t, kwManager(agentAddr, "kwpub"), sys[0]); err == nil {
		t.Error("no snmp-server enable: the agent still answers")
	}
}
