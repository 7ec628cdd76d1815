package inline

import (
	"fmt"
	"net/netip"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"sipslb/e2e/internal/harness"
)

// TestInline: SIPp callers reach three SIPp servers through the VIP with
// no failed call; the servers see the caller's own address, the caller
// sees only the VIP (the servers' BYEs included), and every SIP payload
// arrives byte-identical both ways. A killed server's calls go to the
// other two.
func TestInline(t *testing.T) {
	needs(t, "ip", "sipp", "tcpdump")
	tp := upTopology(t)
	rs := map[string]*harness.SIPp{}
	for _, n := range []string{"rs1", "rs2", "rs3"} {
		rs[n] = startUAS(t, tp, n)
	}
	l := harness.StartLB(t, sipslbBin, harness.Options{Prefix: tp.Netns("lb")})
	l.Configure(t,
		"ip data-interface eth0",
		"ip address "+outIP+" 255.255.255.0",
		"ip inside-interface eth1",
		"ip inside-address "+inIP+" 255.255.255.0",
		"server sip-keepalive timeout 500ms",
		"server sip-keepalive interval 1",
		"server sip-keepalive retries 2",
		"server sip-keepalive rise 1",
		"server real rs1 "+realIP["rs1"], "port sip", "exit",
		"server real rs2 "+realIP["rs2"], "port sip", "exit",
		"server real rs3 "+realIP["rs3"], "port sip", "exit",
		"server virtual vip "+vip, "port sip inline", "bind sip rs1 sip rs2 sip rs3 sip",
	)
	run := l.CLI(t, "show running-config")
	for _, want := range []string{"ip inside-interface eth1", "ip inside-address " + inIP + " 255.255.255.0", "port sip inline"} {
		if !strings.Contains(run, want) {
			t.Errorf("running-config lacks %q:\n%s", want, run)
		}
	}
	// Health checks go from the inside address to each server's own.
	waitStates(t, l, map[string]string{"rs1": "ACT", "rs2": "ACT", "rs3": "ACT"}, 20*time.Second)
	if out := l.CLI(t, "show server virtual vip"); !strings.Contains(out, "inline") {
		t.Errorf("show server virtual does not say inline:\n%s", out)
	}

	client := netip.MustParseAddrPort(clientIP + ":5061")
	vipPort := netip.MustParseAddrPort(vip + ":5060")
	caps := map[string]*capture{}
	for _, ns := range []string{"client", "rs1", "rs2", "rs3"} {
		caps[ns] = startCapture(t, tp, ns)
	}
	time.Sleep(500 * time.Millisecond) // tcpdump attaches its filter

	const calls = 600
	st := uac(t, tp, "uac_uasbye.xml", calls, 100)
	if st["SuccessfulCall(C)"] != calls || st["FailedCall(C)"] != 0 {
		t.Fatalf("uac: successful %d of %d, failed %d", st["SuccessfulCall(C)"], calls, st["FailedCall(C)"])
	}
	got := map[string][]dgram{}
	for ns, c := range caps {
		got[ns] = c.stop(t)
	}

	t.Run("the caller sees only the VIP", func(t *testing.T) {
		byes := 0
		for _, d := range got["client"] {
			if d.dst != client {
				continue
			}
			if d.src != vipPort {
				t.Fatalf("a datagram to the caller from %v:\n%.200s", d.src, d.payload)
			}
			if strings.HasPrefix(d.payload, "BYE ") {
				byes++
			}
		}
		if byes < calls {
			t.Errorf("%d BYEs from the VIP for %d calls", byes, calls)
		}
	})

	t.Run("the servers see the caller's address, each call on one server", func(t *testing.T) {
		serverOf := map[string]string{}
		per := map[string]int{}
		for _, n := range []string{"rs1", "rs2", "rs3"} {
			own := netip.MustParseAddrPort(realIP[n] + ":5060")
			for _, d := range got[n] {
				if d.dst != own || d.src.Addr() == netip.MustParseAddr(inIP) {
					continue // health checks come from the inside address
				}
				if d.src != client {
					t.Fatalf("%s got a datagram from %v, want the caller %v", n, d.src, client)
				}
				if !strings.HasPrefix(d.payload, "INVITE ") && !strings.HasPrefix(d.payload, "ACK ") {
					continue
				}
				id := callID(d.payload)
				if s, ok := serverOf[id]; ok && s != n {
					t.Fatalf("call %s on %s and %s", id, s, n)
				}
				if _, ok := serverOf[id]; !ok {
					per[n]++
				}
				serverOf[id] = n
			}
		}
		if len(serverOf) != calls {
			t.Errorf("%d calls reached the servers, want %d", len(serverOf), calls)
		}
		for n, c := range per {
			if c < calls/5 {
				t.Errorf("%s took %d of %d calls: %v", n, c, calls, per)
			}
		}
	})

	t.Run("payloads byte-identical both ways", func(t *testing.T) {
		// What the caller sent == what the servers received from it, and
		// what the servers sent it == what it received.
		var sent, recv, srvSent, cliRecv []string
		for _, d := range got["client"] {
			if d.src == client {
				sent = append(sent, d.payload)
			}
			if d.dst == client {
				cliRecv = append(cliRecv, d.payload)
			}
		}
		for _, n := range []string{"rs1", "rs2", "rs3"} {
			for _, d := range got[n] {
				if d.src == client {
					recv = append(recv, d.payload)
				}
				if d.dst == client {
					srvSent = append(srvSent, d.payload)
				}
			}
		}
		sameSet(t, "caller -> servers", sent, recv)
		sameSet(t, "servers -> caller", srvSent, cliRecv)
	})

	t.Run("fragments both ways", func(t *testing.T) {
		// The INVITE (in) and the servers' responses and BYEs (out) are
		// fragmented by their senders' kernels; each reaches the other side
		// whole, and every fragment the caller gets comes from the VIP.
		frags := harness.Start(t, "tcpdump client fragments", tp.In("client", "tcpdump", "-i", "eth0", "-n", "-l",
			"ip[6:2] & 0x3fff != 0 and not src host "+clientIP))
		time.Sleep(500 * time.Millisecond)
		before := map[string]int{}
		for _, n := range []string{"client", "rs1", "rs2", "rs3"} {
			before[n] = tp.ReasmOKs(t, n)
		}
		const big = 30
		st := uac(t, tp, "uac_big.xml", big, 10)
		if st["SuccessfulCall(C)"] != big || st["FailedCall(C)"] != 0 {
			t.Fatalf("uac: successful %d of %d, failed %d", st["SuccessfulCall(C)"], big, st["FailedCall(C)"])
		}
		servers := 0
		for _, n := range []string{"rs1", "rs2", "rs3"} {
			servers += tp.ReasmOKs(t, n) - before[n]
		}
		// At least the INVITE and the ACK of every call.
		if servers < 2*big {
			t.Errorf("servers reassembled %d datagrams for %d calls", servers, big)
		}
		// At least the 180, the 200 and the BYE of every call.
		if got := tp.ReasmOKs(t, "client") - before["client"]; got < 3*big {
			t.Errorf("the caller reassembled %d datagrams for %d calls", got, big)
		}
		time.Sleep(300 * time.Millisecond)
		frags.Stop()
		lines := 0
		for _, line := range strings.Split(strings.TrimSpace(frags.Output()), "\n") {
			f := strings.Fields(line)
			if len(f) < 4 || f[1] != "IP" {
				continue
			}
			lines++
			if f[2] != vip && !strings.HasPrefix(f[2], vip+".") {
				t.Fatalf("a fragment to the caller from %s: %s", f[2], line)
			}
		}
		if lines < 6*big {
			t.Errorf("%d fragments from the VIP for %d calls:\n%s", lines, big, harness.Tail(frags.Output(), 10))
		}
		// The appliance counted the later fragments it translated.
		stats := l.CLI(t, "show sip statistics")
		for dir, least := range map[string]int{"to the servers": 2 * big, "from the servers": 3 * big} {
			m := regexp.MustCompile(`Fragments translated ` + dir + `: (\d+)`).FindStringSubmatch(stats)
			n := -1
			if m != nil {
				n, _ = strconv.Atoi(m[1])
			}
			if n < least {
				t.Errorf("fragments translated %s: %d, want at least %d:\n%s", dir, n, least, stats)
			}
		}
	})

	t.Run("a server's other port passes untranslated and is counted", func(t *testing.T) {
		// rs1 calls the client from port 5070: the kernel forwards it as it
		// is (the client routes the inside subnet to the appliance), the
		// appliance counts it, and the client's answers come straight back.
		dump := harness.Start(t, "tcpdump client 5070", tp.In("client", "tcpdump", "-i", "eth0", "-n", "-l", "udp port 5070"))
		time.Sleep(500 * time.Millisecond)
		harness.StartSIPpIn(t, "client uas", tp.Netns("client"), "-sn", "uas", "-i", clientIP, "-p", "5062", "-aa")
		time.Sleep(500 * time.Millisecond)
		const n = 20
		u := harness.StartSIPpIn(t, "rs1 uac", tp.Netns("rs1"), "-sn", "uac", "-i", realIP["rs1"], "-p", "5070",
			"-m", strconv.Itoa(n), "-r", "10", "-timeout", "30s", clientIP+":5062")
		if u.Wait(t, 40*time.Second) < 0 {
			t.FailNow()
		}
		st := u.Stats(t)
		if st["SuccessfulCall(C)"] != n || st["FailedCall(C)"] != 0 {
			t.Fatalf("rs1 uac: successful %d of %d, failed %d", st["SuccessfulCall(C)"], n, st["FailedCall(C)"])
		}
		time.Sleep(300 * time.Millisecond)
		dump.Stop()
		from := 0
		for _, line := range strings.Split(dump.Output(), "\n") {
			f := strings.Fields(line)
			if len(f) < 3 || f[1] != "IP" {
				continue
			}
			if strings.HasPrefix(f[2], vip+".") {
				t.Fatalf("a datagram from port 5070 was translated: %s", line)
			}
			if f[2] == realIP["rs1"]+".5070" {
				from++
			}
		}
		if from < 3*n { // INVITE, ACK, BYE of every call
			t.Errorf("%d datagrams from %s:5070 reached the client, want at least %d", from, realIP["rs1"], 3*n)
		}
		stats := l.CLI(t, "show sip statistics")
		m := regexp.MustCompile(`Untranslated from other server ports: (\d+)`).FindStringSubmatch(stats)
		got := -1
		if m != nil {
			got, _ = strconv.Atoi(m[1])
		}
		if got < 3*n {
			t.Errorf("untranslated count %d, want at least %d:\n%s", got, 3*n, stats)
		}
	})

	t.Run("a killed server's calls go to the others", func(t *testing.T) {
		rs["rs3"].Kill()
		waitStates(t, l, map[string]string{"rs1": "ACT", "rs2": "ACT", "rs3": "FAL"}, 10*time.Second)
		c3 := startCapture(t, tp, "rs3")
		time.Sleep(500 * time.Millisecond)
		const more = 200
		st := uac(t, tp, "uac_uasbye.xml", more, 100)
		if st["SuccessfulCall(C)"] != more || st["FailedCall(C)"] != 0 {
			t.Fatalf("uac: successful %d of %d, failed %d", st["SuccessfulCall(C)"], more, st["FailedCall(C)"])
		}
		for _, d := range c3.stop(t) {
			if d.src == client {
				t.Fatalf("the dead server got a datagram from the caller:\n%.200s", d.payload)
			}
		}
	})

	t.Log(l.CLI(t, "show sip statistics"))
}

// sameSet fails unless a and b hold the same distinct payloads.
func sameSet(t *testing.T, what string, a, b []string) {
	t.Helper()
	as, bs := map[string]bool{}, map[string]bool{}
	for _, p := range a {
		as[p] = true
	}
	for _, p := range b {
		bs[p] = true
	}
	var onlyA, onlyB []string
	for p := range as {
		if !bs[p] {
			onlyA = append(onlyA, p)
		}
	}
	for p := range bs {
		if !as[p] {
			onlyB = append(onlyB, p)
		}
	}
	sort.Strings(onlyA)
	sort.Strings(onlyB)
	if len(as) == 0 || len(onlyA) > 0 || len(onlyB) > 0 {
		t.Errorf("%s: %d distinct payloads sent, %d received; %d only sent, %d only received; first differences:\n%s",
			what, len(as), len(bs), len(onlyA), len(onlyB), fmt.Sprint(first(onlyA), "\n---\n", first(onlyB)))
	}
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}
