package ssh

import (
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"sipslb/e2e/internal/harness"
)

// notifySocket is a NOTIFY_SOCKET of the test's own that records every
// datagram with the time it arrived.
type notifySocket struct {
	path string
	conn *net.UnixConn
	mu   sync.Mutex
	msgs []notifyMsg
}

type notifyMsg struct {
	at   time.Time
	text string
}

func listenNotify(t *testing.T) *notifySocket {
	t.Helper()
	n := &notifySocket{path: filepath.Join(t.TempDir(), "notify.sock")}
	var err error
	n.conn, err = net.ListenUnixgram("unixgram", &net.UnixAddr{Name: n.path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.conn.Close() })
	go func() {
		buf := make([]byte, 4096)
		for {
			k, _, err := n.conn.ReadFromUnix(buf)
			if err != nil {
				return
			}
			n.mu.Lock()
			n.msgs = append(n.msgs, notifyMsg{time.Now(), string(buf[:k])})
			n.mu.Unlock()
		}
	}()
	return n
}

func (n *notifySocket) all() []notifyMsg {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]notifyMsg(nil), n.msgs...)
}

// waitFor returns the index of the first message at or after from that
// contains want.
func (n *notifySocket) waitFor(t *testing.T, from int, want string) int {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ms := n.all()
		for i := from; i < len(ms); i++ {
			if strings.Contains(ms[i].text, want) {
				return i
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q after message %d; got %v", want, from, ms)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// count counts messages containing want that arrived in [from, to).
func (n *notifySocket) count(want string, from, to time.Time) int {
	c := 0
	for _, m := range n.all() {
		if strings.Contains(m.text, want) && !m.at.Before(from) && m.at.Before(to) {
			c++
		}
	}
	return c
}

// TestNotify: the sd_notify sequence as systemd would see it.
func TestNotify(t *testing.T) {
	users(t)
	port := freePort(t, serverIP)
	ns := listenNotify(t)
	text := startupConfig(port, "server real rs1 127.41.8.1", " port sip", " no port sip keepalive", "server virtual v1 127.41.8.100", " port sip", " bind sip rs1 sip")
	// WATCHDOG_PID is left out: go-systemd then takes the watchdog as ours.
	d := boot(t, "", text, port, "NOTIFY_SOCKET="+ns.path, "WATCHDOG_USEC=1000000", "SIPSLB_TEST_WEDGE=control")

	// READY comes once, after startup-config is applied and SSH listens,
	// with a status line.
	ready := ns.waitFor(t, 0, "READY=1")
	log := d.Log()
	contains(t, "daemon log at READY", log, "startup-config applied", "ssh: listening")
	msg := ns.all()[ready].text
	contains(t, "READY message", msg, "STATUS=1 VIPs, ", " real ports up, ssh on "+serverIP+":"+strconv.Itoa(port))
	// The health of the one real port (keepalive off: trusted up) shows in
	// READY's status or in a STATUS= soon after it.
	ns.waitFor(t, ready, "1/1 real ports up")
	for _, m := range ns.all()[:ready] {
		if strings.Contains(m.text, "WATCHDOG=1") {
			t.Errorf("WATCHDOG before READY: %q", m.text)
		}
	}

	// Healthy: a ping every quarter period (250 ms).
	time.Sleep(3 * time.Second)
	now := time.Now()
	if n := ns.count("WATCHDOG=1", now.Add(-3*time.Second), now); n < 7 || n > 16 {
		t.Errorf("%d WATCHDOG=1 in 3s at WATCHDOG_USEC=1s, want about 12", n)
	}

	// SIGHUP: RELOADING=1, then READY=1 again.
	from := len(ns.all())
	d.Cmd.Process.Signal(syscall.SIGHUP)
	rl := ns.waitFor(t, from, "RELOADING=1")
	if !strings.Contains(ns.all()[rl].text, "MONOTONIC_USEC=") {
		t.Errorf("RELOADING without MONOTONIC_USEC: %q", ns.all()[rl].text)
	}
	ns.waitFor(t, rl+1, "READY=1")

	// Wedge the control loop: the pings stop.
	d.Cmd.Process.Signal(syscall.SIGUSR1)
	time.Sleep(time.Second) // a check in flight, then the grace (500 ms)
	start := time.Now()
	time.Sleep(3 * time.Second)
	if n := ns.count("WATCHDOG=1", start, time.Now()); n != 0 {
		t.Errorf("%d WATCHDOG=1 while the control loop was wedged", n)
	}
	contains(t, "daemon log", d.Log(), "watchdog: health check failing", "command interpreter busy")

	// SIGTERM: STOPPING=1.
	from = len(ns.all())
	d.Cmd.Process.Signal(syscall.SIGTERM)
	ns.waitFor(t, from, "STOPPING=1")
	select {
	case <-d.Exited():
	case <-time.After(10 * time.Second):
		t.Error("daemon did not exit on SIGTERM while wedged")
	}
}

// TestNotifyWorkerWedged: the watchdog check covers the data path. With
// one proxy worker wedged (SIPSLB_TEST_WEDGE=worker + SIGUSR1) the pings
// stop although the control loop still answers, and the daemon logs which
// worker it is; SIGTERM still stops the daemon.
func TestNotifyWorkerWedged(t *testing.T) {
	users(t)
	port := freePort(t, serverIP)
	ns := listenNotify(t)
	text := startupConfig(port, "server real rs1 127.41.9.1", " port sip", " no port sip keepalive", "server virtual v1 127.41.9.100", " port sip", " bind sip rs1 sip")
	d := boot(t, "", text, port, "NOTIFY_SOCKET="+ns.path, "WATCHDOG_USEC=1000000", "SIPSLB_TEST_WEDGE=worker")
	ns.waitFor(t, 0, "READY=1")

	// Healthy and idle (no SIP traffic at all): the workers wake to beat,
	// so the pings flow, about one per 250 ms.
	time.Sleep(3 * time.Second)
	now := time.Now()
	if n := ns.count("WATCHDOG=1", now.Add(-3*time.Second), now); n < 7 || n > 16 {
		t.Errorf("%d WATCHDOG=1 in 3s while idle at WATCHDOG_USEC=1s, want about 12", n)
	}

	d.Cmd.Process.Signal(syscall.SIGUSR1)
	harness.WaitFor(t, 15*time.Second, "the watchdog check to fail", func() bool {
		return strings.Contains(d.Log(), "watchdog: health check failing")
	})
	harness.WaitFor(t, 15*time.Second, "the pings to be withheld", func() bool {
		return strings.Contains(d.Log(), "pings withheld")
	})
	time.Sleep(300 * time.Millisecond) // a ping in flight
	start := time.Now()
	time.Sleep(3 * time.Second)
	if n := ns.count("WATCHDOG=1", start, time.Now()); n != 0 {
		t.Errorf("%d WATCHDOG=1 while a data path worker was wedged", n)
	}
	log := d.Log()
	contains(t, "daemon log", log, "test hook: data path worker wedged on purpose",
		"data path: proxy worker ", " of 127.41.9.100:5060 has not run for ")
	if strings.Contains(log, "command interpreter busy") {
		t.Errorf("the control loop was reported, not the data path:\n%s", log)
	}
	// The control loop is fine: a command still runs.
	if out, err := exec.Command(bin, "cli", "--state-dir", d.Dir, "-c", "show version").CombinedOutput(); err != nil {
		t.Errorf("show version while a worker is wedged: %v\n%s", err, out)
	}

	from := len(ns.all())
	d.Cmd.Process.Signal(syscall.SIGTERM)
	ns.waitFor(t, from, "STOPPING=1")
	select {
	case <-d.Exited():
	case <-time.After(10 * time.Second):
		t.Error("daemon did not exit on SIGTERM with a wedged worker")
	}
}
