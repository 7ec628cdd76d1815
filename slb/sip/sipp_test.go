package sip

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/netip"
	"os/exec"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"sipslb/slb/reason"
)

// TestSIPpThroughRewrites puts a real SIP stack on both sides of the
// rewriters: a SIPp UAC calls through a minimal stateless relay built from
// Scan, AppendBranch, AppendForwardRequest and AppendForwardResponse to a
// SIPp UAS. SIPp copies our Via into its responses and checks what comes
// back, so a call that completes proves the rewrites interoperate, and
// that our branch MAC and sent-by verify on what a real UAS sends back.
func TestSIPpThroughRewrites(t *testing.T) {
	sipp, err := exec.LookPath("sipp")
	if err != nil {
		t.Fatal("sipp not installed (Debian package sip-tester; `make deps` or scripts/install-deps.sh installs it): the rewrites cannot be checked against a real SIP stack")
	}
	if testing.Short() {
		t.Skip("runs SIPp")
	}
	const calls = 3
	lbAddr := netip.MustParseAddr("127.83.1.1")
	uasIP, uacIP := "127.83.1.2", "127.83.1.3"

	lb, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(lbAddr, 0)))
	if err != nil {
		t.Fatalf("cannot bind %v (no 127/8 loopback?): %v", lbAddr, err)
	}
	defer lb.Close()
	lbPort := lb.LocalAddr().(*net.UDPAddr).Port
	lbAP := netip.AddrPortFrom(lbAddr, uint16(lbPort))
	uasPort := freeUDPPort(t, uasIP)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	uas := exec.CommandContext(ctx, sipp, "-sn", "uas", "-i", uasIP, "-p", strconv.Itoa(uasPort), "-nostdin")
	var uasOut bytes.Buffer
	uas.Stdout, uas.Stderr = &uasOut, &uasOut
	if err := uas.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = uas.Process.Kill(); _ = uas.Wait() }()

	server := netip.MustParseAddrPort(uasIP + ":" + strconv.Itoa(uasPort))
	var requests, responses, drops atomic.Int64
	relayDone := make(chan struct{})
	go func() {
		defer close(relayDone)
		buf := make([]byte, MaxSize)
		out := make([]byte, 0, MaxSize+512)
		branch := make([]byte, 0, 64)
		var m Msg
		for ctx.Err() == nil {
			_ = lb.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
			n, src, err := lb.ReadFromUDPAddrPort(buf)
			if err != nil {
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					continue
				}
				return
			}
			b := buf[:n]
			if Scan(b, &m) != reason.OK {
				drops.Add(1)
				continue
			}
			if m.Request {
				f := Forward{Host: []byte(lbAddr.String()), Port: lbPort, Source: src}
				branch = AppendBranch(branch[:0], b, &m, &testKey, Hop{Leg: LegToFarm, Ours: lbAP, Next: m.Via[0].ReplyTarget(src)})
				f.Branch = branch
				fwd, r := AppendForwardRequest(out[:0], b, &m, &f)
				if r != reason.OK {
					drops.Add(1)
					continue
				}
				requests.Add(1)
				_, _ = lb.WriteToUDPAddrPort(fwd, server)
				continue
			}
			hop, ok := m.NextHop(b)
			if _, mine := VerifyBranch(m.Via[0].Branch.Bytes(b), &testKey, lbAP, hop); !ok || !mine || !m.Via[0].SentBy(b, []byte(lbAddr.String()), lbPort) {
				drops.Add(1)
				continue
			}
			back, r := AppendForwardResponse(out[:0], b, &m)
			if !ok || r != reason.OK {
				drops.Add(1)
				continue
			}
			// The UAC must get its own Via back on top.
			var cm Msg
			if Scan(back, &cm) != reason.OK || IsOurBranch(cm.Via[0].Branch.Bytes(back)) || string(cm.Via[0].Host.Bytes(back)) != uacIP {
				drops.Add(1)
				continue
			}
			responses.Add(1)
			_, _ = lb.WriteToUDPAddrPort(back, hop)
		}
	}()

	time.Sleep(300 * time.Millisecond) // let the UAS bind
	uac := exec.CommandContext(ctx, sipp, "-sn", "uac", "-i", uacIP, "-p", strconv.Itoa(freeUDPPort(t, uacIP)),
		"-m", strconv.Itoa(calls), "-r", "10", "-nostdin", "-timeout", "30s", "-timeout_error",
		net.JoinHostPort(lbAddr.String(), strconv.Itoa(lbPort)))
	uacOut, err := uac.CombinedOutput()
	cancel()
	<-relayDone
	if err != nil {
		t.Fatalf("SIPp UAC failed: %v\n%s\nUAS:\n%s", err, tail(uacOut), tail(uasOut.Bytes()))
	}
	t.Logf("relayed %d requests and %d responses", requests.Load(), responses.Load())
	// Each call is INVITE, ACK, BYE one way and 180, 200, 200 the other.
	if requests.Load() < 3*calls || responses.Load() < 3*calls || drops.Load() != 0 {
		t.Errorf("relayed %d requests, %d responses, dropped %d; want >= %d, >= %d, 0",
			requests.Load(), responses.Load(), drops.Load(), 3*calls, 3*calls)
	}
}

func freeUDPPort(t *testing.T, ip string) int {
	t.Helper()
	c, err := net.ListenPacket("udp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatalf("cannot bind %s: %v", ip, err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

func tail(b []byte) []byte {
	if len(b) > 3000 {
		return b[len(b)-3000:]
	}
	return b
}
