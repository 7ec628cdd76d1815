package inline

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"sipslb/e2e/internal/harness"
)

// The address plan lives inside the test's namespaces only.
const (
	vip      = "192.0.2.100"
	outIP    = "192.0.2.2" // lb on the outside leg
	inIP     = "10.0.0.1"  // lb on the inside leg: the servers' gateway
	clientIP = "192.0.2.10"
)

var realIP = map[string]string{"rs1": "10.0.0.11", "rs2": "10.0.0.12", "rs3": "10.0.0.13"}

var sipslbBin string

func TestMain(m *testing.M) {
	if os.Geteuid() != 0 {
		os.Exit(m.Run()) // every test skips (not root); no build needed
	}
	harness.Main(m, "inline", &sipslbBin)
}

func needs(t testing.TB, tools ...string) {
	t.Helper()
	harness.NeedRoot(t, "the inline tests build network namespaces")
	harness.NeedTools(t, tools...)
}

// topo is this package's topology (scripts/netns-inline.sh).
type topo struct{ *harness.Topology }

func upTopology(t testing.TB) *topo { return &topo{harness.UpTopology(t, "netns-inline.sh", "inl")} }

// capture runs tcpdump on eth0 of ns, writing SIP datagrams (ports 5060,
// 5061) to a pcap file, flushed per packet.
type capture struct {
	p    *harness.Proc
	path string
}

func startCapture(t testing.TB, tp *topo, ns string) *capture {
	t.Helper()
	path := filepath.Join(t.TempDir(), ns+".pcap")
	c := &capture{path: path}
	c.p = harness.Start(t, "tcpdump "+ns, tp.In(ns, "tcpdump", "-i", "eth0", "-n", "-U", "-s", "0", "-w", path,
		"udp and (port 5060 or port 5061)"))
	return c
}

// dgram is one captured UDP datagram.
type dgram struct {
	src, dst netip.AddrPort
	payload  string
}

// stop ends the capture and reads it.
func (c *capture) stop(t testing.TB) []dgram {
	t.Helper()
	time.Sleep(300 * time.Millisecond) // the last datagrams reach the file
	c.p.Stop()
	b, err := os.ReadFile(c.path)
	if err != nil {
		t.Fatal(err)
	}
	return parsePcap(t, b)
}

// parsePcap reads a classic pcap file of Ethernet frames and returns its
// unfragmented IPv4/UDP datagrams.
func parsePcap(t testing.TB, b []byte) []dgram {
	t.Helper()
	if len(b) < 24 {
		t.Fatalf("pcap of %d bytes", len(b))
	}
	var bo binary.ByteOrder = binary.LittleEndian
	switch binary.LittleEndian.Uint32(b) {
	case 0xa1b2c3d4, 0xa1b23c4d:
	default:
		bo = binary.BigEndian
	}
	if bo.Uint32(b[20:]) != 1 {
		t.Fatalf("pcap link type %d, want Ethernet", bo.Uint32(b[20:]))
	}
	var out []dgram
	for p := b[24:]; len(p) >= 16; {
		n := int(bo.Uint32(p[8:]))
		if len(p) < 16+n {
			break // cut by the stop
		}
		fr := p[16 : 16+n]
		p = p[16+n:]
		if len(fr) < 14+20+8 || binary.BigEndian.Uint16(fr[12:]) != 0x0800 {
			continue
		}
		ip := fr[14:]
		ihl := int(ip[0]&0xf) * 4
		if ip[9] != 17 || binary.BigEndian.Uint16(ip[6:])&0x3fff != 0 || len(ip) < ihl+8 {
			continue
		}
		udp := ip[ihl:]
		ul := int(binary.BigEndian.Uint16(udp[4:]))
		if ul < 8 || ul > len(udp) {
			continue
		}
		out = append(out, dgram{
			src:     netip.AddrPortFrom(netip.AddrFrom4([4]byte(ip[12:16])), binary.BigEndian.Uint16(udp)),
			dst:     netip.AddrPortFrom(netip.AddrFrom4([4]byte(ip[16:20])), binary.BigEndian.Uint16(udp[2:])),
			payload: string(udp[8:ul]),
		})
	}
	return out
}

// callID is the Call-ID of a SIP message ("" if none).
func callID(msg string) string {
	for _, l := range strings.Split(msg, "\r\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && (strings.EqualFold(k, "Call-ID") || k == "i") {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func startUAS(t testing.TB, tp *topo, rs string) *harness.SIPp {
	t.Helper()
	u := harness.StartSIPpIn(t, rs+" uas", tp.Netns(rs), "-sf", harness.Scenario("uas_uasbye.xml"),
		"-i", realIP[rs], "-p", "5060", "-aa")
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, _ := tp.In(rs, "cat", "/proc/net/udp").Output()
		if strings.Contains(string(out), ":13C4 ") { // 5060
			return u
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: sipp uas not bound after 10s", rs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// uac runs the caller (testdata/scenario) in the client namespace,
// bounded in time, and returns its final statistics.
func uac(t testing.TB, tp *topo, scenario string, calls, rate int) map[string]int {
	t.Helper()
	limit := time.Duration(calls/rate+30) * time.Second
	u := harness.StartSIPpIn(t, "uac", tp.Netns("client"), "-sf", harness.Scenario(scenario),
		"-i", clientIP, "-p", "5061", "-m", strconv.Itoa(calls), "-r", strconv.Itoa(rate),
		"-timeout", strconv.Itoa(int(limit.Seconds()))+"s", vip+":5060")
	if u.Wait(t, limit+10*time.Second) < 0 {
		t.FailNow()
	}
	return u.Stats(t)
}

// realStates reads `show server real` into name → state word.
func realStates(t testing.TB, l *harness.LB) map[string]string {
	t.Helper()
	st := map[string]string{}
	name := ""
	for _, line := range strings.Split(l.CLI(t, "show server real"), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) >= 2 && f[0] == "Name:":
			name = f[1]
		case len(f) >= 2 && f[0] == "sip" && name != "":
			st[name] = f[1]
		}
	}
	return st
}

func waitStates(t testing.TB, l *harness.LB, want map[string]string, limit time.Duration) {
	t.Helper()
	harness.WaitFor(t, limit, fmt.Sprintf("real servers %v", want), func() bool {
		got := realStates(t, l)
		for k, v := range want {
			if got[k] != v {
				return false
			}
		}
		return true
	})
}
