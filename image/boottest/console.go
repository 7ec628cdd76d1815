package main

import (
	"bytes"
	"fmt"
	"net"
	"regexp"
	"strings"
	"sync"
	"time"
)

// ansi matches the escape sequences the CLI line editor and systemd's
// status lines put around text (CSI ... final byte, and OSC).
var ansi = regexp.MustCompile(`\x1b\[[0-9;?<=> ]*[@-~]|\x1b\][^\x07]*\x07|\x1b[()][0-9A-Za-z]|\x1b[=>78DEHM]`)

// dsr is the cursor position query the CLI line editor sends before each
// redraw; it blocks until the terminal answers.
var dsr = []byte("\x1b[6n")

// Console is the guest's serial port, reached through qemu's chardev socket.
// A reader goroutine keeps everything that arrives and answers cursor
// position queries, as a terminal emulator would.
type Console struct {
	conn  net.Conn
	mu    sync.Mutex
	buf   []byte // everything read since connect, raw
	mark  int    // Expect searches buf[mark:]
	dsrs  int    // cursor position queries answered
	dsrAt int    // offset in buf just after the last query
	done  chan struct{}
}

func dialConsole(path string, within time.Duration) (*Console, error) {
	deadline := time.Now().Add(within)
	for {
		conn, err := net.Dial("unix", path)
		if err == nil {
			c := &Console{conn: conn, done: make(chan struct{})}
			go c.read()
			return c, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("serial socket %s: %w", path, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (c *Console) read() {
	defer close(c.done)
	b := make([]byte, 4096)
	for {
		n, err := c.conn.Read(b)
		if n > 0 {
			c.mu.Lock()
			before := bytes.Count(c.buf[max(0, len(c.buf)-len(dsr)+1):], dsr)
			c.buf = append(c.buf, b[:n]...)
			after := bytes.Count(c.buf[max(0, len(c.buf)-n-len(dsr)+1):], dsr)
			c.mu.Unlock()
			for i := before; i < after; i++ {
				c.conn.Write([]byte("\x1b[1;1R"))
			}

		}
		if err != nil {
			return
		}
	}
}

// Close drops the connection; the guest keeps running.
func (c *Console) Close() { c.conn.Close(); <-c.done }

// Send writes raw bytes to the serial port.
func (c *Console) Send(s string) error {
	c.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, err := c.conn.Write([]byte(s))
	return err
}

// Text is what arrived since the mark, escapes removed.
func (c *Console) Text() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return clean(c.buf[c.mark:])
}

func clean(b []byte) string {
	s := ansi.ReplaceAllString(string(b), "")
	return strings.ReplaceAll(s, "\r", "")
}

// Expect waits until re matches the text that arrived since the mark, then
// moves the mark past everything read so far. It returns the text up to and
// including the match.
func (c *Console) Expect(re *regexp.Regexp, within time.Duration) (string, error) {
	deadline := time.Now().Add(within)
	for {
		c.mu.Lock()
		text := clean(c.buf[c.mark:])
		if loc := re.FindStringIndex(text); loc != nil {
			c.mark = len(c.buf)
			c.mu.Unlock()
			return text[:loc[1]], nil
		}
		c.mu.Unlock()
		select {
		case <-c.done:
			return text, fmt.Errorf("serial console closed while waiting for /%s/", re)
		default:
		}
		if time.Now().After(deadline) {
			return text, fmt.Errorf("no /%s/ on the serial console within %s", re, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// prompt matches the CLI prompt at the end of the output: sipslb>, sipslb#,
// sipslb(config)#, sipslb(config-rs-x)#.
var prompt = regexp.MustCompile(`(?m)[A-Za-z0-9][A-Za-z0-9.-]*(\([a-z0-9-]+\))?[>#] ?$`)

// Cmd types one CLI line and returns its output (the text between the
// echoed line and the next prompt).
func (c *Console) Cmd(line string, within time.Duration) (string, error) {
	c.mu.Lock()
	c.mark = len(c.buf)
	c.mu.Unlock()
	if err := c.Type(line); err != nil {
		return "", err
	}
	if err := c.Send("\r"); err != nil {
		return "", err
	}
	// The line editor redraws the prompt and the line on each key; Enter
	// ends the echo with a newline, and the output ends with a new prompt.
	out, err := c.Expect(regexp.MustCompile(regexp.QuoteMeta(line)+`[^\n]*\n(?s:.*?)`+prompt.String()), within)
	if err != nil {
		return out, fmt.Errorf("%q: %w", line, err)
	}
	return out, nil
}

// Quiet waits until nothing has arrived for the given time (bounded by
// within): boot messages must not interleave with CLI output.
func (c *Console) Quiet(quiet, within time.Duration) error {
	deadline := time.Now().Add(within)
	c.mu.Lock()
	n := len(c.buf)
	c.mu.Unlock()
	since := time.Now()
	for time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		c.mu.Lock()
		m := len(c.buf)
		c.mu.Unlock()
		if m != n {
			n, since = m, time.Now()
			continue
		}
		if time.Since(since) >= quiet {
			return nil
		}
	}
	return fmt.Errorf("the serial console did not go quiet for %s within %s", quiet, within)
}

// Type sends a line one key at a time, as a person types: each key waits
// until the line editor has redrawn the line with it and the output has
// been quiet for a moment (bounded). The editor may ask for the cursor
// position after each key (ESC[6n, answered by the reader); a key that
// arrives together with that answer is dropped by reeflective/readline,
// which is why pasting into the console at line speed loses characters
// unless /etc/inputrc turns the probe off (rootfs/etc/inputrc does).
func (c *Console) Type(line string) error {
	for i := 0; i < len(line); i++ {
		c.mu.Lock()
		from := len(c.buf)
		c.mu.Unlock()
		if err := c.Send(line[i : i+1]); err != nil {
			return err
		}
		want := line[:i+1]
		last, since := from, time.Now()
		for t := time.Now(); time.Since(t) < 2*time.Second; time.Sleep(5 * time.Millisecond) {
			c.mu.Lock()
			n := len(c.buf)
			echoed := strings.Contains(clean(c.buf[from:]), want)
			c.mu.Unlock()
			if n != last {
				last, since = n, time.Now()
				continue
			}
			if echoed && time.Since(since) >= 20*time.Millisecond {
				break
			}
		}
	}
	return nil
}
