package snmp

import (
	"strings"
	"testing"
)

func v3Args(user, auth string) []string {
	return []string{"-v3", "-l", "authPriv", "-u", user, "-a", auth, "-A", authPass, "-x", "AES", "-X", privPass}
}

// TestNetSNMPTools drives the agent with net-snmp's own tools, v2c and
// v3 authPriv with both auth protocols.
func TestNetSNMPTools(t *testing.T) {
	a, cfg := startAgent(t, "")
	target := agentTarget(cfg)
	creds := []struct {
		name string
		args []string
	}{
		{"v2c", []string{"-v2c", "-c", testCommunity}},
		{"v3-sha-aes", v3Args(userSHA, "SHA")},
		{"v3-sha256-aes", v3Args(userSHA256, "SHA-256")},
	}
	for _, c := range creds {
		t.Run(c.name, func(t *testing.T) {
			common := append(append([]string{}, c.args...), "-On", "-r1", "-t3", target)
			out, err := run(t, "snmpget", append(common, ".1.3.6.1.2.1.1.5.0", ".1.3.6.1.2.1.1.2.0", ".1.3.6.1.2.1.1.9.0")...)
			if err != nil {
				t.Fatalf("snmpget: %v\n%s", err, out)
			}
			for _, want := range []string{
				`.1.3.6.1.2.1.1.5.0 = STRING: "lb1"`,
				`.1.3.6.1.2.1.1.2.0 = OID: .1.3.6.1.4.1.32473.3.1`,
				`.1.3.6.1.2.1.1.9.0 = No Such Object available on this agent at this OID`,
			} {
				if !hasLine(out, want) {
					t.Errorf("snmpget: missing %q in\n%s", want, out)
				}
			}
			walk, err := run(t, "snmpwalk", append(common, ".1.3.6.1.4.1.1991.1.1.4.23")...)
			if err != nil {
				t.Fatalf("snmpwalk: %v\n%s", err, walk)
			}
			bulk, err := run(t, "snmpbulkwalk", append(common, "-Cr7", ".1.3.6.1.4.1.1991.1.1.4.23")...)
			if err != nil {
				t.Fatalf("snmpbulkwalk: %v\n%s", err, bulk)
			}
			if walk != bulk {
				t.Errorf("walk and bulkwalk differ:\n%s\n---\n%s", walk, bulk)
			}
			for _, want := range []string{
				`.1.3.6.1.4.1.1991.1.1.4.23.1.1.2.192.0.2.11 = STRING: "sip1"`,
				`.1.3.6.1.4.1.1991.1.1.4.23.1.1.8.192.0.2.11 = INTEGER: 6`,
				`.1.3.6.1.4.1.1991.1.1.4.23.1.1.8.192.0.2.12 = INTEGER: 2`,
				`.1.3.6.1.4.1.1991.1.1.4.23.1.1.4.192.0.2.11 = Counter32: 60`,
			} {
				if !hasLine(walk, want) {
					t.Errorf("walk: missing %q in\n%s", want, walk)
				}
			}
			if n := strings.Count(walk, "\n"); n != 26 { // 13 columns x 2 IPv4 servers
				t.Errorf("walk returned %d lines, want 26:\n%s", n, walk)
			}
		})
	}
	if a.Stats().UsmWrongDigests.Load() != 0 || a.Stats().InASNParseErrs.Load() != 0 {
		t.Errorf("clean runs counted errors: wrongDigests=%d parseErrs=%d",
			a.Stats().UsmWrongDigests.Load(), a.Stats().InASNParseErrs.Load())
	}
}

// TestNetSNMPByName resolves our objects by name through the MIB files.
func TestNetSNMPByName(t *testing.T) {
	base := baseMIBDir(t)
	_, cfg := startAgent(t, "")
	mibs := []string{"-M", base + ":" + mibDir(t), "-m", strings.Join(ourModules, ":")}
	out, err := run(t, "snmpwalk", append(mibs, "-v2c", "-c", testCommunity, "-r1", "-t3", agentTarget(cfg), "SIPSLB-SIP-MIB::sipslbRealTable")...)
	if err != nil {
		t.Fatalf("snmpwalk: %v\n%s", err, out)
	}
	for _, want := range []string{
		`SIPSLB-SIP-MIB::sipslbRealHealth."sip1" = INTEGER: up(2)`,
		`SIPSLB-SIP-MIB::sipslbRealHealth."sip2" = INTEGER: down(3)`,
		`SIPSLB-SIP-MIB::sipslbRealRole."reg6" = INTEGER: registrar(2)`,
		`SIPSLB-SIP-MIB::sipslbRealAddr."reg6" = Hex-STRING: 20 01 0D B8 00 00 00 00 00 00 00 00 00 00 00 06`,
		`SIPSLB-SIP-MIB::sipslbRealRequests."reg6" = Counter64: 1099511627776`,
	} {
		if !hasLine(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	out, err = run(t, "snmpwalk", append(mibs, "-v2c", "-c", testCommunity, "-r1", "-t3", agentTarget(cfg), "SIPSLB-SIP-MIB::sipslbVportMethodRequests")...)
	if err != nil || !hasLine(out, `SIPSLB-SIP-MIB::sipslbVportMethodRequests."vip1".5060.invite = Counter64: 100`) {
		t.Errorf("method table: %v\n%s", err, out)
	}
	out, err = run(t, "snmpget", append(mibs, "-v2c", "-c", testCommunity, "-r1", "-t3", agentTarget(cfg),
		`SIPSLB-SIP-MIB::sipslbVportDropReasonName."vip1".5060.16`)...)
	if err != nil || !hasLine(out, `SIPSLB-SIP-MIB::sipslbVportDropReasonName."vip1".5060.16 = STRING: bad-max-forwards`) {
		t.Errorf("drop reason: %v\n%s", err, out)
	}
	// The dsr data interface: total, fragments, and the per-reason table
	// (no-vport is reason.FrameNoVPort = 6, code 7; ok is never listed).
	out, err = run(t, "snmpwalk", append(mibs, "-v2c", "-c", testCommunity, "-r1", "-t3", agentTarget(cfg), "SIPSLB-SIP-MIB::sipslbDsr")...)
	if err != nil {
		t.Fatalf("snmpwalk sipslbDsr: %v\n%s", err, out)
	}
	for _, want := range []string{
		`SIPSLB-SIP-MIB::sipslbDsrDrops.0 = Counter64: 4`,
		`SIPSLB-SIP-MIB::sipslbDsrFragments.0 = Counter64: 11`,
		`SIPSLB-SIP-MIB::sipslbDsrDropReasonName.7 = STRING: no-vport`,
		`SIPSLB-SIP-MIB::sipslbDsrDropCount.7 = Counter64: 3`,
		`SIPSLB-SIP-MIB::sipslbDsrDropReasonName.9 = STRING: send-error`,
		`SIPSLB-SIP-MIB::sipslbDsrDropCount.9 = Counter64: 1`,
		`SIPSLB-SIP-MIB::sipslbDsrDropCount.2 = Counter64: 0`,
	} {
		if !hasLine(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "sipslbDsrDropReasonName.1 ") {
		t.Errorf("the ok frame verdict is listed as a drop:\n%s", out)
	}
}

// TestNetSNMPv1 checks the RFC 3584 rules: no Counter64 and noSuchName.
func TestNetSNMPv1(t *testing.T) {
	_, cfg := startAgent(t, "")
	common := []string{"-v1", "-c", testCommunity, "-On", "-r1", "-t3", agentTarget(cfg)}
	out, _ := run(t, "snmpget", append(common, ".1.3.6.1.4.1.32473.1.1.1.1.7.4.118.105.112.49.5060")...)
	if !strings.Contains(out, "noSuchName") {
		t.Errorf("v1 get of a Counter64: want noSuchName, got\n%s", out)
	}
	out, err := run(t, "snmpwalk", append(common, ".1.3.6.1.4.1.32473.1.1.1")...)
	if err != nil {
		t.Fatalf("v1 walk: %v\n%s", err, out)
	}
	if strings.Contains(out, "Counter64") || !hasLine(out, ".1.3.6.1.4.1.32473.1.1.1.1.10.4.118.105.112.49.5060 = Gauge32: 3") {
		t.Errorf("v1 walk must skip Counter64 and keep the rest:\n%s", out)
	}
}

func TestNetSNMPSetRefused(t *testing.T) {
	_, cfg := startAgent(t, "")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"v2c", []string{"-v2c", "-c", testCommunity}, "notWritable"},
		{"v1", []string{"-v1", "-c", testCommunity}, "noSuchName"},
		{"v3", v3Args(userSHA, "SHA"), "notWritable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append([]string{}, tc.args...), "-On", "-r1", "-t3", agentTarget(cfg), ".1.3.6.1.2.1.1.5.0", "s", "evil")
			out, err := run(t, "snmpset", args...)
			if err == nil || !strings.Contains(out, tc.want) {
				t.Errorf("snmpset %s: err=%v, want %q in\n%s", tc.name, err, tc.want, out)
			}
		})
	}
}

func TestNetSNMPBadCredentials(t *testing.T) {
	a, cfg := startAgent(t, "")
	st := a.Stats()
	out, err := run(t, "snmpget", "-v2c", "-c", "wrong", "-On", "-r0", "-t1", agentTarget(cfg), ".1.3.6.1.2.1.1.5.0")
	if err == nil || !strings.Contains(out, "Timeout") {
		t.Errorf("wrong community answered: %v\n%s", err, out)
	}
	out, err = run(t, "snmpget", "-v2c", "-c", "nobody-allowed", "-On", "-r0", "-t1", agentTarget(cfg), ".1.3.6.1.2.1.1.5.0")
	if err == nil {
		t.Errorf("community outside its ACL answered:\n%s", out)
	}
	if got := st.InBadCommunityNames.Load(); got != 2 {
		t.Errorf("snmpInBadCommunityNames = %d, want 2", got)
	}
	if got := st.ACLDenied.Load(); got != 1 {
		t.Errorf("ACL denials = %d, want 1", got)
	}

	// Wrong auth key: net-snmp gets a wrongDigests Report.
	args := []string{"-v3", "-l", "authPriv", "-u", userSHA, "-a", "SHA", "-A", "not-the-pass", "-x", "AES", "-X", privPass,
		"-On", "-r0", "-t2", agentTarget(cfg), ".1.3.6.1.2.1.1.5.0"}
	out, err = run(t, "snmpget", args...)
	if err == nil || !strings.Contains(out, "Authentication failure") {
		t.Errorf("wrong key: want an authentication failure report, got %v\n%s", err, out)
	}
	if st.UsmWrongDigests.Load() == 0 {
		t.Error("usmStatsWrongDigests did not increase")
	}

	// authNoPriv request for an authPriv user.
	args = []string{"-v3", "-l", "authNoPriv", "-u", userSHA, "-a", "SHA", "-A", authPass, "-On", "-r0", "-t2", agentTarget(cfg), ".1.3.6.1.2.1.1.5.0"}
	out, err = run(t, "snmpget", args...)
	if err == nil || !strings.Contains(out, "Unsupported security level") {
		t.Errorf("low level: want an unsupported security level report, got %v\n%s", err, out)
	}
	if st.UsmUnsupportedSecLevels.Load() != 1 {
		t.Errorf("usmStatsUnsupportedSecLevels = %d, want 1", st.UsmUnsupportedSecLevels.Load())
	}

	// Unknown user.
	args = []string{"-v3", "-l", "authPriv", "-u", "mallory", "-a", "SHA", "-A", authPass, "-x", "AES", "-X", privPass, "-On", "-r0", "-t2", agentTarget(cfg), ".1.3.6.1.2.1.1.5.0"}
	out, err = run(t, "snmpget", args...)
	if err == nil || !strings.Contains(out, "Unknown user name") {
		t.Errorf("unknown user: want a report, got %v\n%s", err, out)
	}

	// The counters are served.
	out, err = run(t, "snmpget", "-v2c", "-c", testCommunity, "-On", "-r1", "-t3", agentTarget(cfg), ".1.3.6.1.2.1.11.4.0", ".1.3.6.1.6.3.15.1.1.1.0")
	if err != nil || !hasLine(out, ".1.3.6.1.2.1.11.4.0 = Counter32: 2") || !hasLine(out, ".1.3.6.1.6.3.15.1.1.1.0 = Counter32: 1") {
		t.Errorf("counters: %v\n%s", err, out)
	}
}
