package ssh

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	xssh "golang.org/x/crypto/ssh"

	"sipslb/slb/config"
)

// testServer is a Server on 127.77.4.200 (a free port) with one
// privilege-0 user "admin" whose password is pw.
func testServer(t *testing.T, pw string, grace time.Duration) (*Server, string) {
	t.Helper()
	s, err := New(Options{StateDir: t.TempDir(), Exe: os.Args[0]})
	if err != nil {
		t.Fatal(err)
	}
	s.grace = grace
	t.Cleanup(func() { s.Close() })
	h, err := config.HashSecret(pw)
	if err != nil {
		t.Fatal(err)
	}
	c := config.New()
	c.Users = append(c.Users, &config.User{Name: "admin", Priv: config.PrivSuper, PasswordHash: h})
	c.SSH.Listen = netip.MustParseAddr("127.77.4.200")
	c.SSH.Port = 0
	s.Configure(c)
	s.Start()
	addr := s.Addr()
	if addr == "" {
		t.Fatalf("not listening: %s", s.Status())
	}
	return s, addr
}

func dialFrom(t *testing.T, src, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// held reports whether the server kept c open: it sends its version line
// at once to a connection it serves, and closes one it refuses.
func held(t *testing.T, c net.Conn) bool {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	b := make([]byte, 64)
	n, err := c.Read(b)
	if n > 0 {
		return true
	}
	if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || isReset(err) {
		return false
	}
	t.Fatalf("read: %v", err)
	return false
}

func isReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && !op.Timeout()
}

// TestIdleConnectionsDoNotLockOut: 70 connections from one address that
// never send a banner get maxPreAuthPerSource slots and no more; the
// administrator logs in from another address meanwhile; the idle ones are
// closed when the login grace runs out, and all of it is counted.
func TestIdleConnectionsDoNotLockOut(t *testing.T) {
	const pw = "Adm1n-pw-preauth"
	s, addr := testServer(t, pw, 2*time.Second)
	var idle []net.Conn
	kept := 0
	for range 70 {
		c := dialFrom(t, "127.77.4.201", addr)
		if held(t, c) {
			kept++
			idle = append(idle, c)
		}
	}
	if kept != maxPreAuthPerSource {
		t.Errorf("%d idle connections from one address held, want %d", kept, maxPreAuthPerSource)
	}
	cfg := &xssh.ClientConfig{User: "admin", Auth: []xssh.AuthMethod{xssh.Password(pw)},
		HostKeyCallback: xssh.InsecureIgnoreHostKey(), Timeout: 5 * time.Second}
	raw := dialFrom(t, "127.77.4.202", addr)
	cc, _, _, err := xssh.NewClientConn(raw, addr, cfg)
	if err != nil {
		t.Fatalf("administrator locked out: %v", err)
	}
	cc.Close()
	if want := "(62 connections refused before authentication)"; !strings.Contains(s.Status(), want) {
		t.Errorf("Status() = %q, want it to say %s", s.Status(), want)
	}
	st := s.PreAuthStats()
	if st.RefusedPerSource != 70-maxPreAuthPerSource || st.Refused() != 70-maxPreAuthPerSource {
		t.Errorf("stats %+v, want %d refused per source", st, 70-maxPreAuthPerSource)
	}
	// The login grace closes the idle ones (2 s here, 20 s in the product).
	for _, c := range idle {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.ReadAll(c); err != nil && !isReset(err) {
			t.Fatalf("idle connection not closed by the grace: %v", err)
		}
	}
	deadline := time.Now().Add(2 * time.Second)
	for s.PreAuthStats().GraceExpired != uint64(kept) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := s.PreAuthStats().GraceExpired; got != uint64(kept) {
		t.Errorf("grace expiries counted %d, want %d", got, kept)
	}
	// Their slots are free again.
	if !held(t, dialFrom(t, "127.77.4.201", addr)) {
		t.Error("the address is still refused after its connections closed")
	}
}

// TestPreAuthLimits: the global limit holds across addresses, and a slot
// released is reusable.
func TestPreAuthLimits(t *testing.T) {
	p := newPreAuth()
	var got []netip.Addr
	for i := range maxPreAuth + 5 {
		a := netip.AddrFrom4([4]byte{192, 0, 2, byte(i / 4)}) // 4 per address
		if ok, _ := p.take(a); ok {
			got = append(got, a)
		}
	}
	if len(got) != maxPreAuth || p.stats().RefusedPreAuth != 5 {
		t.Fatalf("took %d, refused %+v", len(got), p.stats())
	}
	p.release(got[0])
	if ok, why := p.take(got[0]); !ok {
		t.Fatalf("released slot not reusable: %s", why)
	}
	for _, a := range got {
		p.release(a)
	}
	if p.n != 0 || len(p.per) != 0 {
		t.Errorf("after releasing everything: n=%d, %d addresses tracked", p.n, len(p.per))
	}
}
