package snmp

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor polls out for want, bounded in time.
func waitFor(out *syncBuf, want string, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if strings.Contains(out.String(), want) {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// startTrapd runs snmptrapd in the foreground on its own address,
// accepting our v2c community and our v3 user keyed to engineID.
func startTrapd(t *testing.T, engineID []byte) (netip.AddrPort, *syncBuf) {
	t.Helper()
	bin := needTool(t, "snmptrapd")
	dir := t.TempDir()
	conf := fmt.Sprintf("authCommunity log traps-c\ncreateUser -e 0x%s %s SHA %s AES %s\nauthUser log %s priv\n",
		hex.EncodeToString(engineID), userSHA, authPass, privPass, userSHA)
	confPath := filepath.Join(dir, "snmptrapd.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := testAddr(t)
	addr = netip.AddrPortFrom(addr.Addr(), 16162)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	cmd := exec.CommandContext(ctx, bin, "-f", "-Lo", "-C", "-c", confPath, "-n", "-On", "udp:"+addr.String())
	cmd.Env = append(os.Environ(), "MIBS=", "MIBDIRS=/nonexistent", "SNMP_PERSISTENT_DIR="+dir)
	out := &syncBuf{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
	})
	if !waitFor(out, "NET-SNMP version", 10*time.Second) {
		t.Fatalf("snmptrapd did not start:\n%s", out.String())
	}
	return addr, out
}

func TestTrapsToSnmptrapd(t *testing.T) {
	a, cfg := startAgent(t, "")
	trapd, out := startTrapd(t, a.EngineID())
	for _, tc := range []struct {
		name string
		host TrapHost
		ev   TrapEvent
		want []string
	}{
		{"v2c real down", TrapHost{Addr: trapd, Version: TrapV2c, Community: "traps-c"},
			TrapEvent{Kind: TrapRealServerDown, Real: "sip2", Addr: netip.MustParseAddr("192.0.2.12")},
			[]string{".1.3.6.1.6.3.1.1.4.1.0 = OID: .1.3.6.1.4.1.1991.0.22", `.1.3.6.1.4.1.1991.1.1.4.13.2.0 = STRING: "sip2"`, ".1.3.6.1.4.1.1991.1.1.4.13.1.0 = IpAddress: 192.0.2.12"}},
		{"v3 authPriv port up", TrapHost{Addr: trapd, Version: TrapV3, User: userSHA},
			TrapEvent{Kind: TrapRealServerPortUp, Real: "sip9", Addr: netip.MustParseAddr("192.0.2.19"), Port: 5080},
			[]string{".1.3.6.1.6.3.1.1.4.1.0 = OID: .1.3.6.1.4.1.1991.0.23", `.1.3.6.1.4.1.1991.1.1.4.13.2.0 = STRING: "sip9"`, ".1.3.6.1.4.1.1991.1.1.4.13.3.0 = INTEGER: 5080"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := cfg
			c.TrapsEnabled = true
			c.TrapHosts = []TrapHost{tc.host}
			if err := a.Configure(c); err != nil {
				t.Fatal(err)
			}
			if err := a.Notify(tc.ev); err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !waitFor(out, w, 10*time.Second) {
					t.Fatalf("snmptrapd did not log %q:\n%s", w, out.String())
				}
			}
		})
	}
	if got := a.Stats().OutTraps.Load(); got != 2 {
		t.Errorf("snmpOutTraps = %d, want 2", got)
	}
	// The first varbind is sysUpTime.0, then snmpTrapOID.0.
	s := out.String()
	if i, j := strings.Index(s, ".1.3.6.1.2.1.1.3.0 = Timeticks"), strings.Index(s, ".1.3.6.1.6.3.1.1.4.1.0"); i < 0 || j < i {
		t.Errorf("sysUpTime.0 must come first:\n%s", s)
	}
}

func TestNotifyDisabled(t *testing.T) {
	a, cfg := startAgent(t, "")
	cfg.TrapHosts = []TrapHost{{Addr: netip.MustParseAddrPort("127.88.251.1:16162"), Version: TrapV2c, Community: "c"}}
	if err := a.Configure(cfg); err != nil {
		t.Fatal(err)
	}
	if err := a.Notify(TrapEvent{Kind: TrapRealServerUp, Real: "x"}); err != nil || a.Stats().OutTraps.Load() != 0 {
		t.Errorf("traps disabled: err=%v sent=%d", err, a.Stats().OutTraps.Load())
	}
}
