package ctl

import (
	"bufio"
	"encoding/json"
	"log/slog"
	"net"
	"testing"
	"time"

	"sipslb/cli/commands"
)

// FuzzProtocol feeds arbitrary bytes to one control-socket connection of
// a read-only peer. The server must not panic, must answer only with whole
// JSON replies, must end the connection within its limits, and must never
// raise the session above privilege 5 (no byte sequence bypasses the peer
// identity or the enable secret, of which none is configured).
func FuzzProtocol(f *testing.F) {
	for _, s := range []string{
		`{"op":"hello"}` + "\n" + `{"op":"exec","line":"show version"}` + "\n",
		`{"op":"hello"}` + "\n" + `{"op":"exec","line":"enable x"}` + "\n" + `{"op":"exec","line":"configure terminal"}` + "\n",
		`{"op":"hello","token":"00"}` + "\n",
		`{"op":"exec","line":"configure terminal"}` + "\n",
		`{"op":"hello"}` + "\n" + `{"op":"help","line":"sh"}` + "\n" + `{"op":"complete","line":"show r"}` + "\n",
		`{"op":"hello"}` + "\n" + `{"op":"exec","line":"snmp-server location \"a\nb\""}` + "\n",
		"{\"op\":\"hello\"}\n{\"op\":\"exec\",\"line\":\"show users\"}\n{\"op\":\"exec\",\"line\":\"exit\"}\n",
		"garbage\n", "\n", `{"op":"hello"`, `{"op":"hello"}` + "\n" + `{"op":"nope"}` + "\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		srv := &Server{In: commands.New(testBackend{}, nil), Log: slog.New(slog.DiscardHandler), helloTimeout: 100 * time.Millisecond}
		cl, sv := net.Pipe()
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer sv.Close()
			srv.pending[1].Add(1)
			srv.serve(sv, Identity{User: "fuzz", Priv: commands.PrivReadOnly, From: "fuzz"})
		}()
		go func() {
			cl.SetWriteDeadline(time.Now().Add(2 * time.Second))
			cl.Write(data)
			// End an open session, so the exchange ends without waiting
			// for a deadline (a pipe has no half-close).
			cl.Write([]byte("\n{\"op\":\"exec\",\"line\":\"end\"}\n{\"op\":\"exec\",\"line\":\"exit\"}\n"))
		}()
		cl.SetReadDeadline(time.Now().Add(5 * time.Second))
		r := bufio.NewReader(cl)
		for {
			line, err := readLine(r, MaxReply)
			if err != nil {
				break
			}
			var resp Response
			if err := json.Unmarshal(line, &resp); err != nil {
				t.Fatalf("reply is not JSON: %q", line)
			}
			if resp.User != "" && resp.Priv != commands.PrivReadOnly { // the hello reply
				t.Fatalf("a read-only peer got privilege %d", resp.Priv)
			}
			for _, s := range srv.In.Sessions() {
				if s.Priv == commands.PrivSuper {
					t.Fatalf("session %+v reached privilege 0", s)
				}
			}
		}
		cl.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("the server did not end the connection")
		}
		if srv.pending[1].Load() != 0 {
			t.Fatalf("pending slot leaked: %d", srv.pending[1].Load())
		}
	})
}
