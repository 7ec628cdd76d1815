package snmp

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"
)

func v3Client(cfg Config, user string, auth gosnmp.SnmpV3AuthProtocol, usp *gosnmp.UsmSecurityParameters) *gosnmp.GoSNMP {
	if usp == nil {
		usp = &gosnmp.UsmSecurityParameters{}
	}
	usp.UserName = user
	usp.AuthenticationProtocol = auth
	usp.AuthenticationPassphrase = authPass
	usp.PrivacyProtocol = gosnmp.AES
	usp.PrivacyPassphrase = privPass
	return &gosnmp.GoSNMP{
		Target:             cfg.Addr.Addr().String(),
		Port:               cfg.Addr.Port(),
		Version:            gosnmp.Version3,
		Timeout:            2 * time.Second,
		Retries:            1,
		SecurityModel:      gosnmp.UserSecurityModel,
		MsgFlags:           gosnmp.AuthPriv,
		SecurityParameters: usp,
		MaxOids:            gosnmp.MaxOids,
	}
}

func TestGoSNMPClientDiscoveryAndWalk(t *testing.T) {
	a, cfg := startAgent(t, "")
	for _, tc := range []struct {
		name string
		user string
		auth gosnmp.SnmpV3AuthProtocol
	}{
		{"sha1", userSHA, gosnmp.SHA},
		{"sha256", userSHA256, gosnmp.SHA256},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := a.Stats().UsmUnknownEngineIDs.Load()
			c := v3Client(cfg, tc.user, tc.auth, nil)
			if err := c.Connect(); err != nil {
				t.Fatal(err)
			}
			defer c.Conn.Close()
			res, err := c.Get([]string{".1.3.6.1.2.1.1.5.0", ".1.3.6.1.6.3.10.2.1.1.0"})
			if err != nil {
				t.Fatal(err)
			}
			if got := string(res.Variables[0].Value.([]byte)); got != "lb1" {
				t.Errorf("sysName = %q", got)
			}
			if got := res.Variables[1].Value.([]byte); string(got) != string(a.EngineID()) {
				t.Errorf("snmpEngineID = %x, want %x", got, a.EngineID())
			}
			if a.Stats().UsmUnknownEngineIDs.Load() != before+1 {
				t.Errorf("discovery did not go through usmStatsUnknownEngineIDs")
			}
			pdus, err := c.BulkWalkAll(".1.3.6.1.4.1.32473.1.1.5")
			if err != nil {
				t.Fatal(err)
			}
			if len(pdus) != 3*11 { // 3 servers x 11 readable columns
				t.Errorf("bulk walk of sipslbRealTable: %d varbinds, want 33", len(pdus))
			}
		})
	}
}

// TestTimeWindowResync: a manager with stale boots/time gets an
// authenticated notInTimeWindow Report, resyncs and succeeds.
func TestTimeWindowResync(t *testing.T) {
	a, cfg := startAgent(t, "")
	c := v3Client(cfg, userSHA, gosnmp.SHA, &gosnmp.UsmSecurityParameters{
		AuthoritativeEngineID:    string(a.EngineID()),
		AuthoritativeEngineBoots: a.boots - 1 + 1000, // not ours
		AuthoritativeEngineTime:  99999,
	})
	if err := c.Connect(); err != nil {
		t.Fatal(err)
	}
	defer c.Conn.Close()
	res, err := c.Get([]string{".1.3.6.1.2.1.1.5.0"})
	if err != nil {
		t.Fatal(err)
	}
	if res.PDUType != gosnmp.GetResponse || string(res.Variables[0].Value.([]byte)) != "lb1" {
		t.Errorf("after resync: %v %v", res.PDUType, res.Variables)
	}
	if got := a.Stats().UsmNotInTimeWins.Load(); got != 1 {
		t.Errorf("usmStatsNotInTimeWindows = %d, want 1", got)
	}
}

func TestEngineBootsPersist(t *testing.T) {
	dir := t.TempDir()
	a1, err := New(Options{StateDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	a2, err := New(Options{StateDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if a1.boots != 1 || a2.boots != 2 {
		t.Errorf("boots %d then %d, want 1 then 2", a1.boots, a2.boots)
	}
	if string(a1.EngineID()) != string(a2.EngineID()) {
		t.Errorf("engine id changed across restarts: %x %x", a1.EngineID(), a2.EngineID())
	}
	// Served value after a restart, as a manager sees it.
	_, cfg := startAgent(t, dir)
	out, err := run(t, "snmpget", "-v2c", "-c", testCommunity, "-On", "-r1", "-t3", agentTarget(cfg), ".1.3.6.1.6.3.10.2.1.2.0")
	if err != nil || !hasLine(out, ".1.3.6.1.6.3.10.2.1.2.0 = INTEGER: 3") {
		t.Errorf("snmpEngineBoots after 3 starts: %v\n%s", err, out)
	}
}

func TestEngineIDFormat(t *testing.T) {
	id := EngineIDFromSeed([]byte("seed"))
	if len(id) != 17 || id[0]&0x80 == 0 || id[4] != 5 {
		t.Errorf("engine id %x: want 17 bytes, top bit set, format 5", id)
	}
	if string(id) != string(EngineIDFromSeed([]byte("seed"))) || string(id) == string(EngineIDFromSeed([]byte("other"))) {
		t.Error("engine id must be a function of the seed")
	}
}

func TestConfigureLive(t *testing.T) {
	a, cfg := startAgent(t, "")
	conn := a.conn
	get := func(c Config, community string) (string, error) {
		return run(t, "snmpget", "-v2c", "-c", community, "-On", "-r0", "-t1", agentTarget(c), ".1.3.6.1.2.1.1.5.0")
	}
	cfg2 := cfg
	cfg2.Communities = []Community{{Name: "rotated"}}
	cfg2.Name = "lb1-renamed"
	if err := a.Configure(cfg2); err != nil {
		t.Fatal(err)
	}
	if a.conn != conn {
		t.Error("same address: socket must be kept")
	}
	if out, err := get(cfg2, testCommunity); err == nil {
		t.Errorf("old community still answered:\n%s", out)
	}
	if out, err := get(cfg2, "rotated"); err != nil || !strings.Contains(out, `"lb1-renamed"`) {
		t.Errorf("new community: %v\n%s", err, out)
	}
	cfg3 := cfg2
	cfg3.Addr = testAddr(t)
	if err := a.Configure(cfg3); err != nil {
		t.Fatal(err)
	}
	if a.LocalAddr() != cfg3.Addr {
		t.Errorf("LocalAddr %v, want %v", a.LocalAddr(), cfg3.Addr)
	}
	if out, err := get(cfg3, "rotated"); err != nil {
		t.Errorf("new address: %v\n%s", err, out)
	}
	bad := cfg3
	bad.Users = []User{{Name: "x", Level: AuthPriv, Auth: AuthSHA1, AuthPassphrase: "short"}}
	if err := a.Configure(bad); err == nil {
		t.Error("invalid config accepted")
	}
	if out, err := get(cfg3, "rotated"); err != nil {
		t.Errorf("a rejected config must leave the old one serving: %v\n%s", err, out)
	}
	cfg3.Enabled = false
	if err := a.Configure(cfg3); err != nil || a.LocalAddr().IsValid() {
		t.Errorf("disable: err=%v addr=%v", err, a.LocalAddr())
	}
}

func TestConfigValidate(t *testing.T) {
	ap := netip.MustParseAddrPort("127.0.0.1:161")
	for _, tc := range []struct {
		name string
		cfg  Config
		want string // substring of the error; "" = valid
	}{
		{"empty", Config{}, ""},
		{"enabled without address", Config{Enabled: true}, "listen address"},
		{"long community", Config{Communities: []Community{{Name: strings.Repeat("c", 128)}}}, "community length"},
		{"authPriv without priv", Config{Users: []User{{Name: "u", Level: AuthPriv, Auth: AuthSHA1, AuthPassphrase: authPass}}}, "needs a priv"},
		{"short passphrase", Config{Users: []User{{Name: "u", Level: AuthNoPriv, Auth: AuthSHA1, AuthPassphrase: "1234"}}}, "shorter than 8"},
		{"wrong key length", Config{Users: []User{{Name: "u", Level: AuthNoPriv, Auth: AuthSHA256, AuthKey: make([]byte, 20)}}}, "want 32"},
		{"localized keys", Config{Users: []User{{Name: "u", Level: AuthPriv, Auth: AuthSHA256, AuthKey: make([]byte, 32), Priv: PrivAES128, PrivKey: make([]byte, 32)}}}, ""},
		{"trap user unknown", Config{TrapHosts: []TrapHost{{Addr: ap, Version: TrapV3, User: "nobody"}}}, "unknown user"},
		{"small max size", Config{MaxMessageSize: 100}, "max message size"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}
