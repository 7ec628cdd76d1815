package dsr

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"sipslb/e2e/internal/harness"
	"strconv"
)

// Health check timing for the test: a dead UAS is found within about
// interval × retries (plus the probe timeout); the ICMP port unreachable
// of a stopped UAS usually makes each failure immediate.
const (
	interval  = time.Second
	retries   = 2
	detection = interval*retries + time.Second
)

func TestDSR(t *testing.T) {
	needs(t, "ip", "sipp", "tcpdump")
	tp := upTopology(t)
	lbMAC := tp.mac(t, "lb")

	// Watch ARP on the client's link and, on lb's link, any SIP frame
	// from the VIP that is not a health-check answer to lb itself.
	arpDump := harness.Start(t, "tcpdump client arp", tp.In("client", "tcpdump", "-i", "eth0", "-n", "-l", "-e", "arp"))
	leakDump := harness.Start(t, "tcpdump lb leak", tp.In("lb", "tcpdump", "-i", "eth0", "-n", "-l",
		"udp and host "+vip+" and not host "+lbIP))
	time.Sleep(500 * time.Millisecond) // tcpdump attaches its filter

	rs := map[string]*uas{}
	for _, n := range []string{"rs1", "rs2", "rs3"} {
		rs[n] = startUAS(t, tp, n)
	}
	l := startLB(t, tp)
	l.Configure(t,
		"ip data-interface eth0",
		"ip address "+lbIP+" 255.255.255.0",
		"server sip-keepalive timeout 500ms",
		fmt.Sprintf("server sip-keepalive interval %d", int(interval.Seconds())),
		fmt.Sprintf("server sip-keepalive retries %d", retries),
		"server sip-keepalive rise 1",
		"server real rs1 198.51.100.21", "port sip", "exit",
		"server real rs2 198.51.100.22", "port sip", "exit",
		"server real rs3 198.51.100.23", "port sip", "exit",
		"server virtual vip "+vip, "port sip dsr", "bind sip rs1 sip rs2 sip rs3 sip",
	)
	run := l.CLI(t, "show running-config")
	for _, want := range []string{"ip data-interface eth0", "ip address " + lbIP + " 255.255.255.0", "port sip dsr"} {
		if !strings.Contains(run, want) {
			t.Errorf("running-config lacks %q:\n%s", want, run)
		}
	}
	// DSR health checks reach each UAS on the VIP through its MAC.
	waitStates(t, l, map[string]string{"rs1": "ACT", "rs2": "ACT", "rs3": "ACT"}, 20*time.Second)

	t.Run("gratuitous ARP on takeover", func(t *testing.T) {
		garp := regexp.MustCompile(`(?m)^.*` + regexp.QuoteMeta(lbMAC) + `.*Request who-has ` + regexp.QuoteMeta(vip) + ` (\(\S+\) )?tell ` + regexp.QuoteMeta(vip) + `,`)
		deadline := time.Now().Add(5 * time.Second)
		for !garp.MatchString(arpDump.Output()) {
			if time.Now().After(deadline) {
				t.Fatalf("no gratuitous ARP for %s from %s captured on the client:\n%s", vip, lbMAC, arpDump.Output())
			}
			time.Sleep(100 * time.Millisecond)
		}
	})

	const calls = 2000
	t.Run("2000 calls split across three servers", func(t *testing.T) {
		st := uac(t, tp, calls, 200, "-sn", "uac")
		if st["SuccessfulCall(C)"] != calls || st["FailedCall(C)"] != 0 {
			t.Fatalf("uac: successful %d of %d, failed %d", st["SuccessfulCall(C)"], calls, st["FailedCall(C)"])
		}
		seen := map[string]string{}
		total := 0
		for _, n := range []string{"rs1", "rs2", "rs3"} {
			msgs, inv := rs[n].calls(t)
			share := float64(len(inv)) / calls
			t.Logf("%s: %d calls (%.1f%%)", n, len(inv), 100*share)
			if share < 0.25 || share > 0.42 {
				t.Errorf("%s got %.1f%% of the calls, want 25-42%%", n, 100*share)
			}
			for id, k := range msgs {
				if other, dup := seen[id]; dup {
					t.Errorf("call %s reached both %s and %s", id, other, n)
				}
				seen[id] = n
				if k < 3 || inv[id] < 1 {
					t.Errorf("%s: call %s: %d requests (%d INVITE), want INVITE, ACK and BYE", n, id, k, inv[id])
				}
			}
			total += len(inv)
		}
		if total != calls {
			t.Errorf("the servers saw %d calls, want %d", total, calls)
		}
	})

	t.Run("client resolves the VIP to lb", func(t *testing.T) {
		out := tp.Run(t, "client", "ip", "neigh", "show", vip)
		if !strings.Contains(out, "lladdr "+lbMAC) {
			t.Errorf("client neighbour entry for %s: %q, want lladdr %s", vip, out, lbMAC)
		}
	})

	t.Run("fragmented 3 kB INVITE delivered whole to one server", func(t *testing.T) {
		before := map[string]int{}
		prev := map[string]map[string]int{}
		for _, n := range []string{"rs1", "rs2", "rs3"} {
			before[n] = tp.ReasmOKs(t, n)
			_, prev[n] = rs[n].calls(t)
		}
		fragsBefore := fragmentsForwarded(t, l)
		st := uac(t, tp, 5, 5, "-sf", harness.Scenario("uac_big.xml"))
		if st["SuccessfulCall(C)"] != 5 || st["FailedCall(C)"] != 0 {
			t.Fatalf("big INVITE calls: successful %d of 5, failed %d", st["SuccessfulCall(C)"], st["FailedCall(C)"])
		}
		got := 0
		for _, n := range []string{"rs1", "rs2", "rs3"} {
			_, inv := rs[n].calls(t)
			newCalls := 0
			for id := range inv {
				if prev[n][id] == 0 {
					newCalls++
				}
			}
			reasm := tp.ReasmOKs(t, n) - before[n]
			t.Logf("%s: %d big calls, %d datagrams reassembled", n, newCalls, reasm)
			if reasm < newCalls {
				t.Errorf("%s answered %d big INVITEs but reassembled only %d datagrams", n, newCalls, reasm)
			}
			got += newCalls
		}
		if got != 5 {
			t.Errorf("%d big calls reached the servers, want 5", got)
		}
		// The operator sees the later fragments the data interface
		// forwarded (at least one per big INVITE) in show sip statistics.
		if n := fragmentsForwarded(t, l) - fragsBefore; n < 5 {
			t.Errorf("show sip statistics counts %d fragments forwarded for 5 fragmented INVITEs", n)
		}
	})

	t.Run("server replies bypass lb", func(t *testing.T) {
		// The same capture sees the requests, so it was working.
		out := leakDump.Output()
		if n := strings.Count(out, "> "+vip+".5060:"); n < calls {
			t.Errorf("only %d requests to the VIP seen on lb's interface: the capture is not working", n)
		}
		if n := strings.Count(out, vip+".5060 >"); n != 0 {
			t.Errorf("%d UAS frames from the VIP seen on lb's interface:\n%s", n, harness.Tail(out, 2000))
		}
	})

	t.Run("failed server's share moves within detection time", func(t *testing.T) {
		_, before := rs["rs2"].calls(t)
		_, before1 := rs["rs1"].calls(t)
		_, before3 := rs["rs3"].calls(t)
		rs["rs2"].Kill()
		took := waitStates(t, l, map[string]string{"rs2": "FAL"}, 10*detection)
		t.Logf("rs2 marked down %v after its UAS was killed (detection time %v)", took, detection)
		if took > detection+2*time.Second { // margin for two noisy cores
			t.Errorf("rs2 down after %v, detection time is %v", took, detection)
		}
		st := uac(t, tp, 300, 150, "-sn", "uac")
		if st["SuccessfulCall(C)"] != 300 || st["FailedCall(C)"] != 0 {
			t.Errorf("after rs2 failed: successful %d of 300, failed %d", st["SuccessfulCall(C)"], st["FailedCall(C)"])
		}
		if _, after := rs["rs2"].calls(t); len(after) != len(before) {
			t.Errorf("rs2 received %d new calls while down", len(after)-len(before))
		}
		_, after1 := rs["rs1"].calls(t)
		_, after3 := rs["rs3"].calls(t)
		n1, n3 := len(after1)-len(before1), len(after3)-len(before3)
		t.Logf("after rs2 failed: rs1 %d, rs3 %d of 300 calls", n1, n3)
		if n1+n3 != 300 || n1 < 60 || n3 < 60 {
			t.Errorf("rs1 got %d and rs3 %d of 300 calls, want all, shared", n1, n3)
		}
	})

	t.Run("no server virtual releases the VIP", func(t *testing.T) {
		l.Configure(t, "no server virtual vip")
		mark := len(arpDump.Output())
		tp.Run(t, "client", "ip", "neigh", "flush", "dev", "eth0")
		// Any datagram to the VIP makes the client ARP for it.
		for range 3 {
			tp.Run(t, "client", "bash", "-c", "echo ping > /dev/udp/"+vip+"/5060 || true")
			time.Sleep(time.Second)
		}
		after := arpDump.Output()[mark:]
		if !strings.Contains(after, "who-has "+vip) {
			t.Fatalf("the client never asked for the VIP:\n%s", after)
		}
		if strings.Contains(after, vip+" is-at") {
			t.Errorf("someone still answers ARP for the released VIP:\n%s", after)
		}
		if out := tp.Run(t, "client", "ip", "neigh", "show", vip); strings.Contains(out, "lladdr") {
			t.Errorf("client still resolves the released VIP: %q", out)
		}
	})
}

// fragmentsForwarded reads the data interface's "Fragments forwarded" from
// show sip statistics.
func fragmentsForwarded(t *testing.T, l *harness.LB) int {
	t.Helper()
	out := l.CLI(t, "show sip statistics")
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, "  Fragments forwarded: "); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				t.Fatalf("show sip statistics: %q", line)
			}
			return n
		}
	}
	t.Fatalf("show sip statistics has no DSR data interface section:\n%s", out)
	return 0
}
