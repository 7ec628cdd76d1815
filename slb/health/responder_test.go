package health

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"testing"
	"time"
)

// request is one probe as a test responder received it.
type request struct {
	at  time.Time
	raw []byte
}

// header returns the value of the first header called name (long form).
func (r request) header(name string) string {
	_, rest := nextLine(r.raw)
	for len(rest) > 0 {
		var line []byte
		line, rest = nextLine(rest)
		if len(line) == 0 {
			break
		}
		n, v, _ := bytes.Cut(line, []byte(":"))
		if bytes.EqualFold(bytes.TrimSpace(n), []byte(name)) {
			return string(bytes.TrimSpace(v))
		}
	}
	return ""
}

func (r request) requestLine() string {
	line, _ := nextLine(r.raw)
	return string(line)
}

// answer builds a response with code to req, copying the headers that
// identify the transaction, as a UAS does (RFC 3261 §8.2.6.2).
func answer(req request, code int) []byte {
	var b []byte
	b = append(b, "SIP/2.0 "...)
	b = strconv.AppendInt(b, int64(code), 10)
	b = append(b, " Test\r\n"...)
	for _, h := range []string{"Via", "From", "To", "Call-ID", "CSeq"} {
		v := req.header(h)
		if h == "To" {
			v += ";tag=uas"
		}
		b = append(b, h+": "+v+"\r\n"...)
	}
	b = append(b, "Content-Length: 0\r\n\r\n"...)
	return b
}

// reply is one datagram a responder sends, delay after the request.
type reply struct {
	msg   []byte
	delay time.Duration
}

// policy decides the answers to the n-th request (from 0); history holds the
// requests before it.
type policy func(n int, req request, history []request) []reply

// responder is a UDP peer on its own loopback address that answers probes
// according to a policy and records when each arrived.
type responder struct {
	conn   *net.UDPConn
	addr   netip.AddrPort
	policy policy

	mu   sync.Mutex
	reqs []request
	wg   sync.WaitGroup
}

func newResponder(t *testing.T, addr string, pol policy) *responder {
	t.Helper()
	conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort(addr)))
	if err != nil {
		t.Fatalf("listen %s: %v", addr, err)
	}
	r := &responder{conn: conn, addr: conn.LocalAddr().(*net.UDPAddr).AddrPort(), policy: pol}
	r.wg.Add(1)
	go r.serve()
	t.Cleanup(r.close)
	return r
}

func (r *responder) serve() {
	defer r.wg.Done()
	buf := make([]byte, 65536)
	for {
		n, from, err := r.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		req := request{at: time.Now(), raw: bytes.Clone(buf[:n])}
		r.mu.Lock()
		history := r.reqs
		r.reqs = append(r.reqs, req)
		r.mu.Unlock()
		for _, rep := range r.policy(len(history), req, history) {
			if rep.delay == 0 {
				r.conn.WriteToUDPAddrPort(rep.msg, from)
				continue
			}
			r.wg.Add(1)
			time.AfterFunc(rep.delay, func() {
				defer r.wg.Done()
				r.conn.WriteToUDPAddrPort(rep.msg, from)
			})
		}
	}
}

// close stops the responder; its port then answers with ICMP unreachable.
func (r *responder) close() {
	r.conn.Close()
	r.wg.Wait()
}

func (r *responder) requests() []request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]request(nil), r.reqs...)
}

func always(code int) policy {
	return func(_ int, req request, _ []request) []reply {
		return []reply{{msg: answer(req, code)}}
	}
}

func silent(int, request, []request) []reply { return nil }

// alternate answers the n-th request with codes[n % len(codes)].
func alternate(codes ...int) policy {
	return func(n int, req request, _ []request) []reply {
		return []reply{{msg: answer(req, codes[n%len(codes)])}}
	}
}
