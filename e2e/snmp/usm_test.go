package snmp

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// The agent's own counters (numeric: SNMP-USER-BASED-SM-MIB and the
// SNMPv2-MIB snmp group are not among the modules we load).
var usmCounters = map[string]string{
	"unsupportedSecLevels": ".1.3.6.1.6.3.15.1.1.1.0",
	"notInTimeWindows":     ".1.3.6.1.6.3.15.1.1.2.0",
	"unknownUserNames":     ".1.3.6.1.6.3.15.1.1.3.0",
	"unknownEngineIDs":     ".1.3.6.1.6.3.15.1.1.4.0",
	"wrongDigests":         ".1.3.6.1.6.3.15.1.1.5.0",
	"decryptionErrors":     ".1.3.6.1.6.3.15.1.1.6.0",
	"badCommunityNames":    ".1.3.6.1.2.1.11.4.0",
}

const (
	oidSysName      = ".1.3.6.1.2.1.1.5.0"
	oidEngineID     = ".1.3.6.1.6.3.10.2.1.1.0"
	oidEngineBoots  = ".1.3.6.1.6.3.10.2.1.2.0"
	oidEngineTime   = ".1.3.6.1.6.3.10.2.1.3.0"
	wantSysNameLine = oidSysName + ` = STRING: "sipslb"`
)

// counters reads every usmStats counter and snmpInBadCommunityNames over
// v2c (which touches none of them).
func counters(t *testing.T, m *manager) map[string]uint64 {
	t.Helper()
	var oids []string
	for _, o := range usmCounters {
		oids = append(oids, o)
	}
	got := varMap(parseVars(m.must(t, "snmpget", append([]string{"-On"}, v2c...), oids...)))
	out := map[string]uint64{}
	for name, o := range usmCounters {
		n, ok := number(got[o])
		if !ok {
			t.Fatalf("%s (%s): %q", name, o, got[o])
		}
		out[name] = n
	}
	return out
}

// engine reads snmpEngineID, snmpEngineBoots and snmpEngineTime.
func engine(t *testing.T, m *manager) (id []byte, boots, secs uint64) {
	t.Helper()
	got := varMap(parseVars(m.must(t, "snmpget", append([]string{"-On"}, v2c...), oidEngineID, oidEngineBoots, oidEngineTime)))
	id, ok1 := hexOctets(got[oidEngineID])
	boots, ok2 := number(got[oidEngineBoots])
	secs, ok3 := number(got[oidEngineTime])
	if !ok1 || !ok2 || !ok3 || len(id) < 5 {
		t.Fatalf("engine objects: %v", got)
	}
	return id, boots, secs
}

// delta checks that between two counter readings exactly the named
// counters moved, each by its given amount.
func delta(t *testing.T, step string, before, after map[string]uint64, want map[string]uint64) {
	t.Helper()
	for name := range usmCounters {
		if d := after[name] - before[name]; d != want[name] {
			t.Errorf("%s: %s went up by %d, want %d", step, name, d, want[name])
		}
	}
}

// v3 builds v3 arguments for user at level with the given secrets ("" =
// not given).
func v3(user, level, authKey, privKey string, extra ...string) []string {
	a := []string{"-On", "-v3", "-l", level, "-u", user, "-r0", "-t2"}
	if authKey != "" {
		a = append(a, "-a", "SHA", "-A", authKey)
	}
	if privKey != "" {
		a = append(a, "-x", "AES", "-X", privKey)
	}
	return append(a, extra...)
}

// refused runs an snmpget that must get no data and must print want.
func refused(t *testing.T, m *manager, step string, args []string, want string) {
	t.Helper()
	out, errs, err := m.run(t, "snmpget", args, oidSysName)
	if err == nil || strings.Contains(out, oidSysName) || !strings.Contains(errs, want) {
		t.Errorf("%s: want no data and %q; got err=%v\n%s%s", step, want, err, out, errs)
	}
}

// TestUSM drives the agent's USM and community checks with net-snmp:
// every refusal counts where RFC 3414 says and returns no data, time
// windows resync, and engine boots survive a restart.
func TestUSM(t *testing.T) {
	needTools(t)
	t.Parallel()
	const n = 2
	dir := t.TempDir()
	l := startLB(t, dir)
	l.Configure(t, agentLines(ip(n, 100))...)
	m := newManager(t, fmt.Sprintf("%s:%d", ip(n, 100), snmpPort))
	waitAgent(t, m)

	// Discovery: a fresh net-snmp process first probes with an empty
	// engine ID (a Report of usmStatsUnknownEngineIDs), then sends the
	// real request: two packets each way, one counted probe.
	c0 := counters(t, m)
	out, errs, err := m.run(t, "snmpget", append([]string{"-On", "-d"}, v3Priv...), oidSysName)
	if err != nil || !strings.Contains(out, wantSysNameLine) {
		t.Fatalf("v3 authPriv get: %v\n%s%s", err, out, errs)
	}
	if s, r := strings.Count(out+errs, "\nSending "), strings.Count(out+errs, "\nReceived "); s != 2 || r != 2 {
		t.Errorf("discovery: %d packets sent, %d received; want 2 and 2 (probe, request)\n%s", s, r, errs)
	}
	c1 := counters(t, m)
	delta(t, "discovery", c0, c1, map[string]uint64{"unknownEngineIDs": 1})

	// Not in time window: the manager is told the engine ID and a wrong
	// boots (or time); the authenticated Report resyncs it and the
	// request is sent again and answered.
	id, boots, secs := engine(t, m)
	eid := fmt.Sprintf("0x%X", id)
	for _, tc := range []struct{ name, z string }{
		{"wrong boots", fmt.Sprintf("%d,%d", boots+7, secs)},
		{"time 1000 s ahead", fmt.Sprintf("%d,%d", boots, secs+1000)},
	} {
		before := counters(t, m)
		out := m.must(t, "snmpget", v3(userPriv, "authPriv", authPass, privPass, "-e", eid, "-Z", tc.z), oidSysName)
		if !strings.Contains(out, wantSysNameLine) {
			t.Errorf("%s: no answer after resync:\n%s", tc.name, out)
		}
		after := counters(t, m)
		if d := after["notInTimeWindows"] - before["notInTimeWindows"]; d != 1 {
			t.Errorf("%s: usmStatsNotInTimeWindows went up by %d, want 1", tc.name, d)
		}
		if after["wrongDigests"] != before["wrongDigests"] || after["unsupportedSecLevels"] != before["unsupportedSecLevels"] {
			t.Errorf("%s: other counters moved: %v -> %v", tc.name, before, after)
		}
	}

	// Refusals: no data, one count each in the right counter (plus the
	// discovery probe of each fresh v3 process).
	for _, tc := range []struct {
		name, want string
		args       []string
		counts     map[string]uint64
	}{
		{"authPriv for an authNoPriv user", "Unsupported security level",
			v3(userAuth, "authPriv", auth2Pass, privPass), map[string]uint64{"unsupportedSecLevels": 1, "unknownEngineIDs": 1}},
		{"authNoPriv for an authPriv user", "Unsupported security level",
			v3(userPriv, "authNoPriv", authPass, ""), map[string]uint64{"unsupportedSecLevels": 1, "unknownEngineIDs": 1}},
		{"wrong auth key", "Authentication failure",
			v3(userPriv, "authPriv", "not-the-auth-pass", privPass), map[string]uint64{"wrongDigests": 1, "unknownEngineIDs": 1}},
		{"wrong priv key", "Decryption error",
			v3(userPriv, "authPriv", authPass, "not-the-priv-pass"), map[string]uint64{"decryptionErrors": 1, "unknownEngineIDs": 1}},
		{"unknown user", "Unknown user name",
			v3("nobody", "authPriv", authPass, privPass), map[string]uint64{"unknownUserNames": 1, "unknownEngineIDs": 1}},
		{"wrong community", "Timeout",
			[]string{"-On", "-v2c", "-c", "not-" + community, "-r0", "-t1"}, map[string]uint64{"badCommunityNames": 1}},
	} {
		before := counters(t, m)
		refused(t, m, tc.name, tc.args, tc.want)
		delta(t, tc.name, before, counters(t, m), tc.counts)
	}

	// snmpEngineBoots: +1 across a restart on the same state dir, same
	// engine ID, and the v3 keys saved as localized keys still work.
	l.CLI(t, "write memory")
	l.Stop(t)
	startLB(t, dir)
	waitAgent(t, m)
	id2, boots2, _ := engine(t, m)
	if boots2 != boots+1 {
		t.Errorf("snmpEngineBoots %d after a restart, was %d", boots2, boots)
	}
	if !bytes.Equal(id2, id) {
		t.Errorf("snmpEngineID changed across a restart: %X -> %X", id, id2)
	}
	if out := m.must(t, "snmpget", append([]string{"-On"}, v3Priv...), oidSysName); !strings.Contains(out, wantSysNameLine) {
		t.Errorf("v3 authPriv after restart:\n%s", out)
	}
	// A manager still holding the old boots is resynced, not refused.
	c := counters(t, m)
	out = m.must(t, "snmpget", v3(userPriv, "authPriv", authPass, privPass, "-e", eid, "-Z", fmt.Sprintf("%d,%d", boots, secs)), oidSysName)
	if !strings.Contains(out, wantSysNameLine) {
		t.Errorf("old boots after restart: no answer:\n%s", out)
	}
	if d := counters(t, m)["notInTimeWindows"] - c["notInTimeWindows"]; d != 1 {
		t.Errorf("old boots after restart: usmStatsNotInTimeWindows went up by %d, want 1", d)
	}
}
