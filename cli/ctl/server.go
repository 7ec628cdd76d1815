package ctl

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"sipslb/cli/commands"
)

// Limits of the control socket. A request is one line of JSON holding one
// CLI line; the longest real one (a username ssh-key line with an RSA-4096
// key) is under 1 KiB.
const (
	// MaxLine is the longest request line the server reads; a longer one
	// gets an error reply and the connection is closed.
	MaxLine = 64 << 10
	// MaxPending is how many connections may be open without a session
	// (before their hello); more are refused with an error reply. Root
	// and other peers each have this many (and MaxSessions).
	MaxPending = 16
	// MaxSessions is how many control-socket sessions may be open at once.
	MaxSessions = 64
	// HelloTimeout is how long a connection may take to say hello.
	HelloTimeout = 5 * time.Second
	// WriteTimeout bounds each reply: a client that stops reading is cut off.
	WriteTimeout = 10 * time.Second
)

// Server serves the control socket.
type Server struct {
	In  *commands.Interp
	Log *slog.Logger
	// Group names the group whose members may connect with privilege 5
	// (read-only); root always may, with privilege 0. Empty: DefaultGroup.
	Group string

	mu     sync.Mutex
	tokens map[string]Identity

	// Limits are kept per class of peer, root and the rest, so that
	// unprivileged clients filling their slots never lock root out.
	pending, sessions [2]atomic.Int64       // index: class
	helloTimeout      time.Duration         // 0: HelloTimeout (tests shorten it)
	stats             commands.ControlStats // its fields are updated atomically
}

// class of a peer for the limits: 0 root, 1 anyone else.
func class(id Identity) int {
	if id.Priv == commands.PrivSuper {
		return 0
	}
	return 1
}

// Identity is who a session is.
type Identity struct {
	User string
	Priv int
	From string
}

// IssueToken registers a one-time token for a CLI process the daemon
// starts on behalf of an authenticated user (an SSH login).
func (s *Server) IssueToken(id Identity) string {
	b := make([]byte, 16)
	rand.Read(b)
	t := hex.EncodeToString(b)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tokens == nil {
		s.tokens = map[string]Identity{}
	}
	s.tokens[t] = id
	return t
}

func (s *Server) takeToken(t string) (Identity, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.tokens[t]
	delete(s.tokens, t)
	return id, ok
}

// Stats returns the socket's counters (show users prints them).
func (s *Server) Stats() commands.ControlStats {
	return commands.ControlStats{
		Sessions:     s.sessions[0].Load() + s.sessions[1].Load(),
		NotAllowed:   atomic.LoadUint64(&s.stats.NotAllowed),
		Busy:         atomic.LoadUint64(&s.stats.Busy),
		TooLong:      atomic.LoadUint64(&s.stats.TooLong),
		BadRequest:   atomic.LoadUint64(&s.stats.BadRequest),
		HelloTimeout: atomic.LoadUint64(&s.stats.HelloTimeout),
	}
}

// Serve accepts connections until ln is closed.
func (s *Server) Serve(ln *net.UnixListener) error {
	s.In.SetControlStats(s.Stats)
	for {
		c, err := ln.AcceptUnix()
		if errors.Is(err, net.ErrClosed) {
			return err
		}
		if err != nil {
			// Out of descriptors and the like: keep serving once it passes.
			s.Log.Warn("control socket: accept failed", "err", err)
			time.Sleep(50 * time.Millisecond)
			continue
		}
		go s.accept(c)
	}
}

func (s *Server) accept(c *net.UnixConn) {
	defer c.Close()
	id, err := s.peer(c)
	if err != nil {
		atomic.AddUint64(&s.stats.NotAllowed, 1)
		s.Log.Warn("control socket: connection refused", "err", err)
		s.refuse(c, err.Error())
		return
	}
	if s.pending[class(id)].Add(1) > MaxPending {
		s.pending[class(id)].Add(-1)
		atomic.AddUint64(&s.stats.Busy, 1)
		s.refuse(c, fmt.Sprintf("too many connections waiting to log in (%d); try again", MaxPending))
		return
	}
	s.serve(c, id)
}

// refuse answers a connection that gets no session, if it listens.
func (s *Server) refuse(c net.Conn, msg string) {
	c.SetWriteDeadline(time.Now().Add(time.Second))
	json.NewEncoder(c).Encode(Response{Err: &Error{Kind: errDenied, Msg: msg}})
}

// errDenied is parse.ErrDenied on the wire.
const errDenied = 4

var errTooLong = errors.New("line too long")

// readLine reads one line of at most max bytes (errTooLong past that), so
// a peer that never sends a newline costs at most max bytes.
func readLine(r *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		frag, err := r.ReadSlice('\n')
		if len(line)+len(frag) > max {
			return nil, errTooLong
		}
		line = append(line, frag...)
		if err != bufio.ErrBufferFull {
			return line, err
		}
	}
}

// serve runs one connection whose peer is id (before a token replaces it).
// It holds a pending slot of id's class until hello.
func (s *Server) serve(c net.Conn, id Identity) {
	pending, peerClass := true, class(id)
	done := func() {
		if pending {
			pending = false
			s.pending[peerClass].Add(-1)
		}
	}
	defer done()
	hello := s.helloTimeout
	if hello == 0 {
		hello = HelloTimeout
	}
	c.SetReadDeadline(time.Now().Add(hello))
	r := bufio.NewReaderSize(c, 4096)
	enc := json.NewEncoder(c)
	reply := func(resp Response) error {
		c.SetWriteDeadline(time.Now().Add(WriteTimeout))
		return enc.Encode(resp)
	}
	var sess *commands.Session
	defer func() {
		if sess != nil {
			s.In.Close(sess)
			s.sessions[peerClass].Add(-1)
		}
	}()
	for {
		line, err := readLine(r, MaxLine)
		switch {
		case errors.Is(err, errTooLong):
			atomic.AddUint64(&s.stats.TooLong, 1)
			s.Log.Warn("control socket: request too long; connection closed", "from", id.From, "max", MaxLine)
			reply(Response{Err: &Error{Msg: fmt.Sprintf("request longer than %d bytes; connection closed", MaxLine)}})
			return
		case sess == nil && errors.Is(err, io.EOF) && len(line) == 0:
			return
		case sess == nil && errors.Is(err, os.ErrDeadlineExceeded):
			atomic.AddUint64(&s.stats.HelloTimeout, 1)
			reply(Response{Err: &Error{Msg: fmt.Sprintf("no hello within %s; connection closed", hello)}})
			return
		case err != nil:
			return
		}
		var req Request
		if err := json.Unmarshal(line, &req); err != nil {
			atomic.AddUint64(&s.stats.BadRequest, 1)
			reply(Response{Err: &Error{Msg: "bad request: " + err.Error()}})
			return
		}
		if sess == nil {
			if req.Op != "hello" {
				atomic.AddUint64(&s.stats.BadRequest, 1)
				reply(Response{Err: &Error{Msg: "say hello first"}})
				return
			}
			if req.Token != "" {
				tid, ok := s.takeToken(req.Token)
				if !ok {
					atomic.AddUint64(&s.stats.NotAllowed, 1)
					reply(Response{Err: &Error{Kind: errDenied, Msg: "session token refused"}})
					return
				}
				id = tid
			}
			if s.sessions[peerClass].Add(1) > MaxSessions {
				s.sessions[peerClass].Add(-1)
				atomic.AddUint64(&s.stats.Busy, 1)
				reply(Response{Err: &Error{Kind: errDenied, Msg: fmt.Sprintf("too many CLI sessions (%d); close one first", MaxSessions)}})
				return
			}
			sess = s.In.Open(id.User, id.Priv, id.From)
			done()
			c.SetReadDeadline(time.Time{}) // a session may sit idle at its prompt
			s.Log.Info("cli session opened", "user", id.User, "priv", id.Priv, "from", id.From, "session", sess.ID)
			if reply(Response{Prompt: s.In.Prompt(sess), User: id.User, Priv: id.Priv}) != nil {
				return
			}
			continue
		}
		var resp Response
		switch req.Op {
		case "exec":
			var out strings.Builder
			err := s.In.Exec(sess, req.Line, &out)
			resp.Out, resp.Err = out.String(), toWire(err)
		case "help":
			h, err := s.In.Help(sess, req.Line)
			resp.Out, resp.Err = h, toWire(err)
		case "complete":
			resp.Items = s.In.Complete(sess, req.Line)
		default:
			resp.Err = &Error{Msg: "unknown op " + req.Op}
		}
		resp.Closed = sess.Mode == commands.ModeClosed
		resp.Prompt = s.In.Prompt(sess)
		if err := reply(resp); err != nil || resp.Closed {
			return
		}
	}
}
