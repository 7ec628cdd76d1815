package ctl

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os/user"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"sipslb/cli/commands"
)

// Server serves the control socket.
type Server struct {
	In  *commands.Interp
	Log *slog.Logger

	mu     sync.Mutex
	tokens map[string]Identity
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

// Serve accepts connections until ln is closed.
func (s *Server) Serve(ln *net.UnixListener) error {
	for {
		c, err := ln.AcceptUnix()
		if err != nil {
			return err
		}
		go s.handle(c)
	}
}

// peer identifies a local caller by uid: root gets full privilege, any
// other account read-only.
func peer(c *net.UnixConn) (Identity, error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return Identity{}, err
	}
	var cred *unix.Ucred
	var cerr error
	raw.Control(func(fd uintptr) { cred, cerr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED) })
	if cerr != nil {
		return Identity{}, cerr
	}
	name := strconv.Itoa(int(cred.Uid))
	if u, err := user.LookupId(name); err == nil {
		name = u.Username
	}
	id := Identity{User: name, Priv: commands.PrivReadOnly, From: fmt.Sprintf("local uid %d pid %d", cred.Uid, cred.Pid)}
	if cred.Uid == 0 {
		id.Priv = commands.PrivSuper
	}
	return id, nil
}

func (s *Server) handle(c *net.UnixConn) {
	defer c.Close()
	id, err := peer(c)
	if err != nil {
		s.Log.Warn("control socket: no peer credentials", "err", err)
		return
	}
	r := bufio.NewReader(c)
	enc := json.NewEncoder(c)
	var sess *commands.Session
	defer func() {
		if sess != nil {
			s.In.Close(sess)
		}
	}()
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			return
		}
		var req Request
		if err := json.Unmarshal(line, &req); err != nil {
			enc.Encode(Response{Err: &Error{Msg: "bad request: " + err.Error()}})
			return
		}
		if sess == nil {
			if req.Op != "hello" {
				enc.Encode(Response{Err: &Error{Msg: "say hello first"}})
				return
			}
			if req.Token != "" {
				tid, ok := s.takeToken(req.Token)
				if !ok {
					enc.Encode(Response{Err: &Error{Kind: 4, Msg: "session token refused"}})
					return
				}
				id = tid
			}
			sess = s.In.Open(id.User, id.Priv, id.From)
			s.Log.Info("cli session opened", "user", id.User, "priv", id.Priv, "from", id.From, "session", sess.ID)
			enc.Encode(Response{Prompt: s.In.Prompt(sess), User: id.User, Priv: id.Priv})
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
		if err := enc.Encode(resp); err != nil || resp.Closed {
			return
		}
	}
}
