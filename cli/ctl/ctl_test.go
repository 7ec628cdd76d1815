package ctl

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sipslb/cli/commands"
	"sipslb/slb/config"
	"sipslb/slb/status"
)

// testBackend is a daemon without a data path.
type testBackend struct{}

func (testBackend) Apply(*config.Config) error { return nil }
func (testBackend) Status() *status.Snapshot   { return &status.Snapshot{} }
func (testBackend) SIPHash(string, string) ([]status.HashRoute, error) {
	return nil, errors.New("no data path")
}
func (testBackend) LocalizeSNMPKey(string, string) ([]byte, error) {
	return nil, errors.New("no agent")
}
func (testBackend) SaveStartup([]byte) error     { return nil }
func (testBackend) LoadStartup() ([]byte, error) { return nil, errors.New("none") }
func (testBackend) EraseStartup() error          { return nil }
func (testBackend) Version() string              { return "test" }

// startServer serves a control socket in a temporary directory.
func startServer(t testing.TB, hello time.Duration) (*Server, string) {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "s.sock")
	ln, err := Listen(sock, "")
	if err != nil {
		t.Fatal(err)
	}
	srv := &Server{In: commands.New(testBackend{}, nil), Log: slog.New(slog.DiscardHandler), helloTimeout: hello}
	go srv.Serve(ln)
	t.Cleanup(func() { ln.Close() })
	return srv, sock
}

// readReply reads one reply line (bounded by a deadline).
func readReply(t *testing.T, c net.Conn) Response {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(c).ReadBytes('\n')
	if err != nil {
		t.Fatalf("no reply: %v", err)
	}
	var r Response
	if err := json.Unmarshal(line, &r); err != nil {
		t.Fatalf("reply %q: %v", line, err)
	}
	return r
}

// TestLongLineCutOff: a client that sends more than MaxLine bytes without
// a newline gets an error reply and is disconnected; the server reads at
// most MaxLine plus a buffer. (The server used to read until a newline:
// 400 MB grew the daemon by 670 MB.)
func TestLongLineCutOff(t *testing.T) {
	srv, sock := startServer(t, 0)
	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sent := 0
	chunk := []byte(strings.Repeat("A", 32<<10))
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.SetWriteDeadline(time.Now().Add(5 * time.Second))
		for sent < 16<<20 {
			n, err := c.Write(chunk)
			sent += n
			if err != nil {
				return
			}
		}
	}()
	r := readReply(t, c)
	<-done
	if r.Err == nil || !strings.Contains(r.Err.Msg, "request longer than") {
		t.Fatalf("reply %+v, want a too-long error", r)
	}
	if sent >= 16<<20 {
		t.Fatalf("the server read all %d bytes", sent)
	}
	if st := srv.Stats(); st.TooLong != 1 {
		t.Fatalf("stats %+v, want TooLong 1", st)
	}
}

// TestPendingConnectionsCapped: connections that never say hello hold at
// most MaxPending slots; the next one is refused with a reply saying why,
// and counted; a connection gets its slot back when one closes; a silent
// connection is closed after the hello timeout.
func TestPendingConnectionsCapped(t *testing.T) {
	srv, sock := startServer(t, 0)
	// Unprivileged peers holding all their slots do not lock root out.
	srv.pending[1].Store(MaxPending)
	srv.sessions[1].Store(MaxSessions)
	if cl, err := Dial(sock, ""); err != nil {
		t.Fatalf("root locked out by other peers' slots: %v", err)
	} else {
		cl.Close()
	}
	var idle []net.Conn
	for range MaxPending {
		c, err := net.Dial("unix", sock)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		idle = append(idle, c)
	}
	deadline := time.Now().Add(3 * time.Second)
	for srv.pending[0].Load() < MaxPending && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	r := readReply(t, c)
	c.Close()
	if r.Err == nil || !strings.Contains(r.Err.Msg, "too many connections") {
		t.Fatalf("reply %+v, want too many connections", r)
	}
	if st := srv.Stats(); st.Busy != 1 {
		t.Fatalf("stats %+v, want Busy 1", st)
	}
	idle[0].Close()
	deadline = time.Now().Add(3 * time.Second)
	for srv.pending[0].Load() >= MaxPending && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cl, err := Dial(sock, "")
	if err != nil {
		t.Fatalf("a slot freed, but: %v", err)
	}
	if cl.Priv != commands.PrivSuper {
		t.Fatalf("root got privilege %d", cl.Priv)
	}
	cl.Close()
}

// TestHelloTimeout: a connection that says nothing is closed, with a
// reply, after the hello timeout.
func TestHelloTimeout(t *testing.T) {
	srv, sock := startServer(t, 200*time.Millisecond)
	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := readReply(t, c)
	if r.Err == nil || !strings.Contains(r.Err.Msg, "no hello") {
		t.Fatalf("reply %+v", r)
	}
	if _, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("connection still open: %v", err)
	}
	if srv.Stats().HelloTimeout != 1 || srv.pending[0].Load() != 0 {
		t.Fatalf("stats %+v pending %d", srv.Stats(), srv.pending[0].Load())
	}
}

// TestSocketMode: the socket is not writable by other users (connecting
// needs write permission), so only root and the group may connect.
func TestSocketMode(t *testing.T) {
	_, sock := startServer(t, 0)
	fi, err := osStat(sock)
	if err != nil {
		t.Fatal(err)
	}
	if m := fi.Mode().Perm(); m != SocketMode {
		t.Fatalf("socket mode %o, want %o", m, SocketMode)
	}
}
