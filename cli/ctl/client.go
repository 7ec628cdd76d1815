package ctl

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"syscall"
	"time"
)

// MaxReply is the longest reply the client reads (a running-config of
// thousands of servers is a few MB).
const MaxReply = 64 << 20

// Client is one CLI session on the daemon.
type Client struct {
	conn   net.Conn
	r      *bufio.Reader
	Prompt string
	User   string
	Priv   int
}

// Dial opens a session on the daemon's socket. token is empty for a local
// caller identified by its uid.
func Dial(sock, token string) (*Client, error) {
	conn, err := net.DialTimeout("unix", sock, 5*time.Second)
	if errors.Is(err, syscall.EACCES) {
		return nil, fmt.Errorf("%w (the control socket admits root, and members of group %s read-only)", err, DefaultGroup)
	}
	if err != nil {
		return nil, err
	}
	c := &Client{conn: conn, r: bufio.NewReader(conn)}
	resp, err := c.call(Request{Op: "hello", Token: token})
	if err != nil {
		conn.Close()
		return nil, err
	}
	if resp.Err != nil {
		conn.Close()
		return nil, fmt.Errorf("daemon refused the session: %s", resp.Err.Msg)
	}
	c.User, c.Priv = resp.User, resp.Priv
	return c, nil
}

func (c *Client) call(req Request) (*Response, error) {
	b, _ := json.Marshal(req)
	// A daemon that refuses a connection answers why and closes, maybe
	// before the request is written: read its answer even then.
	_, werr := c.conn.Write(append(b, '\n'))
	line, err := readLine(c.r, MaxReply)
	if err != nil && werr != nil {
		return nil, werr
	}
	if err != nil {
		return nil, fmt.Errorf("daemon closed the session: %w", err)
	}
	var resp Response
	if err := json.Unmarshal(line, &resp); err != nil {
		return nil, err
	}
	c.Prompt = resp.Prompt
	return &resp, nil
}

// Exec runs one line.
func (c *Client) Exec(line string) (*Response, error) { return c.call(Request{Op: "exec", Line: line}) }

// Help answers "?" at the end of line.
func (c *Client) Help(line string) (*Response, error) { return c.call(Request{Op: "help", Line: line}) }

// Complete returns Tab completions for the last word of line.
func (c *Client) Complete(line string) (*Response, error) {
	return c.call(Request{Op: "complete", Line: line})
}

// Close ends the session.
func (c *Client) Close() error { return c.conn.Close() }
