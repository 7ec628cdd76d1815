package dsr

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// inNetns runs f on a thread switched into namespace ns; sockets f makes
// stay in that namespace after the thread switches back.
func inNetns(ns string, f func() error) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	orig, err := os.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()))
	if err != nil {
		return err
	}
	defer orig.Close()
	target, err := os.Open("/run/netns/" + ns)
	if err != nil {
		return err
	}
	defer target.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		return err
	}
	ferr := f()
	if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
		panic("cannot return to the original network namespace: " + err.Error())
	}
	return ferr
}

// BenchmarkForward measures datagrams per second through sipslb in the
// lb namespace, DSR mode versus proxy mode, same topology and machine: a
// client socket sends SIP INVITEs (distinct Call-IDs) as fast as it can to
// the VIP; a socket in rs1 (the only bound server) counts what arrives.
// One op is one datagram sent; fwd/s is datagrams received per second, and
// lost% what never arrived (queue overflows when the sender outruns the
// path).
func BenchmarkForward(b *testing.B) {
	needs(b, "ip")
	tp := upTopology(b)
	l := startLB(b, tp)
	const pvip = "198.51.100.101"
	if out, err := tp.In("lb", "ip", "addr", "add", pvip+"/32", "dev", "eth0").CombinedOutput(); err != nil {
		b.Fatalf("%v %s", err, out)
	}
	l.Configure(b,
		"ip data-interface eth0", "ip address "+lbIP+" 255.255.255.0",
		"server real rs1 198.51.100.21", "port sip", "no port sip keepalive", "exit",
		"server virtual dsr "+vip, "port sip dsr", "bind sip rs1 sip", "exit",
		"server virtual proxy "+pvip, "port sip", "bind sip rs1 sip", "exit")
	var rx *net.UDPConn
	if err := inNetns(tp.NS("rs1"), func() (err error) {
		rx, err = net.ListenUDP("udp4", &net.UDPAddr{Port: 5060})
		return err
	}); err != nil {
		b.Fatal(err)
	}
	defer rx.Close()
	rx.SetReadBuffer(8 << 20)
	var got atomic.Int64
	go func() {
		buf := make([]byte, 65536)
		for {
			if _, err := rx.Read(buf); err != nil {
				return
			}
			got.Add(1)
		}
	}()
	var tx *net.UDPConn
	if err := inNetns(tp.NS("client"), func() (err error) {
		tx, err = net.ListenUDP("udp4", &net.UDPAddr{IP: net.ParseIP(clientIP), Port: 5061})
		return err
	}); err != nil {
		b.Fatal(err)
	}
	defer tx.Close()
	for _, mode := range []struct{ name, vip string }{{"dsr", vip}, {"proxy", pvip}} {
		b.Run(mode.name, func(b *testing.B) {
			to := netip.MustParseAddrPort(mode.vip + ":5060")
			msgs := make([][]byte, 1024)
			for i := range msgs {
				msgs[i] = fmt.Appendf(nil, "INVITE sip:svc@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s:5061;branch=z9hG4bK%d\r\nMax-Forwards: 70\r\n"+
					"From: <sip:a@x>;tag=1\r\nTo: <sip:svc@x>\r\nCall-ID: bench-%d@client\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
					mode.vip, clientIP, i, i)
			}
			// Warm up: ARP on every hop.
			tx.WriteToUDPAddrPort(msgs[0], to)
			time.Sleep(200 * time.Millisecond)
			got.Store(0)
			b.ResetTimer()
			start := time.Now()
			for i := range b.N {
				tx.WriteToUDPAddrPort(msgs[i%len(msgs)], to)
			}
			// Wait for the tail; stop once nothing arrived for 50ms (the
			// rest was lost), and time up to the last arrival.
			last, lastAt := got.Load(), time.Now()
			for got.Load() < int64(b.N) && time.Since(lastAt) < 50*time.Millisecond {
				time.Sleep(time.Millisecond)
				if n := got.Load(); n != last {
					last, lastAt = n, time.Now()
				}
			}
			el := lastAt.Sub(start)
			b.StopTimer()
			n := got.Load()
			b.ReportMetric(float64(n)/el.Seconds(), "fwd/s")
			b.ReportMetric(100*float64(int64(b.N)-n)/float64(b.N), "lost%")
		})
	}
}
