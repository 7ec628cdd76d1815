package snmp

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sipslb/e2e/internal/harness"
)

// trapd is one snmptrapd in the foreground, logging to stdout.
type trapd struct {
	addr string
	p    *harness.Proc
	s    scheme
}

// startTrapd runs snmptrapd on addr:16162 with conf as its only config
// file, for at most 90 s; symbolic loads our MIBs (and SNMPv2-MIB) so
// the trap is printed by name, otherwise it prints numeric OIDs.
func startTrapd(t *testing.T, addr, conf string, symbolic bool) *trapd {
	t.Helper()
	dir := t.TempDir()
	confPath := filepath.Join(dir, "snmptrapd.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "persist", "cert_indexes"), 0o700); err != nil {
		t.Fatal(err)
	}
	args := []string{"-f", "-Lo", "-C", "-c", confPath, "-n", "-M", baseMIBDir(t) + ":" + mibDir(t)}
	td := &trapd{addr: addr, s: numericScheme}
	if symbolic {
		args = append(args, "-m", "SNMPv2-MIB:SIPSLB-SMI:SIPSLB-SERVERIRON-COMPAT-MIB")
		td.s = symbolicScheme
	} else {
		args = append(args, "-m", "", "-On")
	}
	args = append(args, fmt.Sprintf("udp:%s:%d", addr, trapPort))
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	cmd := exec.CommandContext(ctx, "snmptrapd", args...)
	cmd.Env = append(os.Environ(), "SNMPCONFPATH="+filepath.Join(dir, "noconf"), "SNMP_PERSISTENT_DIR="+filepath.Join(dir, "persist"))
	td.p = harness.Start(t, "snmptrapd "+addr, cmd)
	t.Cleanup(cancel)
	if !harness.Eventually(10*time.Second, func() bool {
		return strings.Contains(td.p.Output(), "NET-SNMP version") && harness.UDPBound(addr, trapPort)
	}) {
		t.Fatalf("snmptrapd on %s did not start:\n%s", addr, td.p.Output())
	}
	return td
}

// scheme names the trap's varbinds as one receiver prints them.
type scheme struct {
	upTime, trapOID, ip, name, port string
	serverUp, serverDown            string
	portUp, portDown                string
	quoted                          bool // strings in quotes (no DisplayString hint without the MIB)
}

var numericScheme = scheme{
	upTime: ".1.3.6.1.2.1.1.3.0", trapOID: ".1.3.6.1.6.3.1.1.4.1.0",
	ip: ".1.3.6.1.4.1.1991.1.1.4.13.1.0", name: ".1.3.6.1.4.1.1991.1.1.4.13.2.0", port: ".1.3.6.1.4.1.1991.1.1.4.13.3.0",
	serverUp: "OID: .1.3.6.1.4.1.1991.0.21", serverDown: "OID: .1.3.6.1.4.1.1991.0.22",
	portUp: "OID: .1.3.6.1.4.1.1991.0.23", portDown: "OID: .1.3.6.1.4.1.1991.0.24",
	quoted: true,
}

var symbolicScheme = scheme{
	upTime: "SNMPv2-MIB::sysUpTime.0", trapOID: "SNMPv2-MIB::snmpTrapOID.0",
	ip: compMIB + "snL4TrapRealServerIP.0", name: compMIB + "snL4TrapRealServerName.0", port: compMIB + "snL4TrapRealServerPort.0",
	serverUp: "OID: " + compMIB + "snTrapL4RealServerUp", serverDown: "OID: " + compMIB + "snTrapL4RealServerDown",
	portUp: "OID: " + compMIB + "snTrapL4RealServerPortUp", portDown: "OID: " + compMIB + "snTrapL4RealServerPortDown",
}

// traps parses the notifications received so far: snmptrapd prints the
// varbinds of one notification on one line, separated by tabs.
func (td *trapd) traps() [][]varbind {
	var out [][]varbind
	for _, line := range strings.Split(td.p.Output(), "\n") {
		if !strings.Contains(line, td.s.trapOID+" = ") {
			continue
		}
		var vs []varbind
		for _, f := range strings.Split(line, "\t") {
			if oid, val, ok := strings.Cut(f, " = "); ok {
				vs = append(vs, varbind{strings.TrimSpace(oid), strings.TrimSpace(val)})
			}
		}
		out = append(out, vs)
	}
	return out
}

// wantTrap is one expected notification: its kind and, for port kinds,
// the port.
type wantTrap struct {
	kind string // "portDown", ...
	port int    // 0 for server traps
}

// check compares the received traps with want, for real server name at
// addr: snmpTrapOID, IP, name and port varbinds, sysUpTime first.
func (td *trapd) check(t *testing.T, name, addr string, want []wantTrap) bool {
	t.Helper()
	got := td.traps()
	if len(got) != len(want) {
		return false
	}
	for i, w := range want {
		vs := got[i]
		oid := map[string]string{"serverUp": td.s.serverUp, "serverDown": td.s.serverDown,
			"portUp": td.s.portUp, "portDown": td.s.portDown}[w.kind]
		m := varMap(vs)
		str := "STRING: " + name
		if td.s.quoted {
			str = fmt.Sprintf("STRING: %q", name)
		}
		ok := len(vs) >= 4 && vs[0].oid == td.s.upTime && strings.HasPrefix(vs[0].val, "Timeticks: ") &&
			vs[1].oid == td.s.trapOID && m[td.s.trapOID] == oid &&
			m[td.s.ip] == "IpAddress: "+addr && m[td.s.name] == str
		if w.port != 0 {
			ok = ok && len(vs) == 5 && m[td.s.port] == fmt.Sprintf("INTEGER: %d", w.port)
		} else {
			ok = ok && len(vs) == 4
		}
		if !ok {
			t.Errorf("snmptrapd %s: trap %d is not %s of %s %s port %d: %v", td.addr, i+1, w.kind, name, addr, w.port, vs)
		}
	}
	return true
}

// TestTrapsOnHealthChange: a real server that dies and comes back sends
// the ServerIron port and server traps to a v2c and a v3 authPriv
// receiver; the boot (unknown -> up) sends none.
func TestTrapsOnHealthChange(t *testing.T) {
	needTools(t)
	t.Parallel()
	const n = 3
	vip := ip(n, 100)
	u1 := uas(t, "uas1", ip(n, 11))
	uas(t, "uas2", ip(n, 12))
	l := startLB(t, t.TempDir())
	l.Configure(t, agentLines(vip)...)
	m := newManager(t, fmt.Sprintf("%s:%d", vip, snmpPort))
	waitAgent(t, m)
	id, _, _ := engine(t, m)

	// The v2c receiver takes any community and prints names from our MIB;
	// the v3 one knows our user keyed to the agent's engine ID and logs
	// only authPriv notifications from it.
	rx2 := startTrapd(t, ip(n, 200), "disableAuthorization yes\n", true)
	rx3 := startTrapd(t, ip(n, 201), fmt.Sprintf("createUser -e 0x%X %s SHA %s AES %s\nauthUser log %s priv\n",
		id, userPriv, authPass, privPass, userPriv), false)
	l.Configure(t,
		fmt.Sprintf("snmp-server host %s version 2c traps-e2e port %d", ip(n, 200), trapPort),
		fmt.Sprintf("snmp-server host %s version 3 %s port %d", ip(n, 201), userPriv, trapPort),
		"snmp-server enable traps",
		"server sip-keepalive timeout 400ms",
		"server sip-keepalive interval 1",
		"server sip-keepalive retries 2",
		"server sip-keepalive rise 2",
	)
	l.Configure(t, farmLines(n)...)

	states := func() string {
		var s []string
		for _, r := range parseShowReal(t, l.CLI(t, "show server real")) {
			s = append(s, r.name+"="+r.state)
		}
		return strings.Join(s, " ")
	}
	if !harness.Eventually(10*time.Second, func() bool { return states() == "rs1=ACT rs2=ACT" }) {
		t.Fatalf("real servers not both active after 10 s: %s", states())
	}
	time.Sleep(1500 * time.Millisecond) // a boot trap would be here by now
	for _, rx := range []*trapd{rx2, rx3} {
		if got := rx.traps(); len(got) != 0 {
			t.Errorf("snmptrapd %s: %d traps at boot (unknown -> up is not news): %v", rx.addr, len(got), got)
		}
	}

	// rs1 dies: port down, then server down (its only port).
	u1.Kill()
	down := []wantTrap{{"portDown", 5060}, {"serverDown", 0}}
	for _, rx := range []*trapd{rx2, rx3} {
		if !harness.Eventually(15*time.Second, func() bool { return len(rx.traps()) >= len(down) }) {
			t.Fatalf("snmptrapd %s: %d traps 15 s after rs1 died, want %d (show: %s)", rx.addr, len(rx.traps()), len(down), states())
		}
	}
	if s := states(); s != "rs1=FAL rs2=ACT" {
		t.Errorf("after the traps: %s, want rs1 failed", s)
	}

	// rs1 returns: port up, then server up.
	uas(t, "uas1-again", ip(n, 11))
	all := append(down, wantTrap{"portUp", 5060}, wantTrap{"serverUp", 0})
	for _, rx := range []*trapd{rx2, rx3} {
		if !harness.Eventually(15*time.Second, func() bool { return len(rx.traps()) >= len(all) }) {
			t.Fatalf("snmptrapd %s: %d traps 15 s after rs1 returned, want %d (show: %s)", rx.addr, len(rx.traps()), len(all), states())
		}
	}
	time.Sleep(1500 * time.Millisecond) // nothing more may follow
	for _, rx := range []*trapd{rx2, rx3} {
		if !rx.check(t, "rs1", ip(n, 11), all) {
			t.Errorf("snmptrapd %s: %d traps, want exactly %d: %v", rx.addr, len(rx.traps()), len(all), rx.traps())
		}
	}
}
