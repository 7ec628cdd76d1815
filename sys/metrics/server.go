package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"sipslb/slb/status"
)

// Bounds of the management HTTP server. A scrape answers in milliseconds;
// these only stop a slow or hostile client from holding resources.
const (
	maxInFlight       = 4 // concurrent /metrics requests; more get 503
	readHeaderTimeout = 5 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 60 * time.Second
	maxHeaderBytes    = 8 << 10
)

// Server is the management HTTP server. Configure starts, moves and stops
// it; it serves /metrics from its own registry: the appliance's collector,
// the Go runtime and the process.
type Server struct {
	log     *slog.Logger
	handler http.Handler
	auth    *auth

	retryEvery time.Duration // RetryBind; shorter in tests

	mu      sync.Mutex
	want    string // the configured address, "" when off
	srv     *http.Server
	ln      net.Listener
	done    chan struct{}
	retry   *time.Timer // the next bind attempt, while want is not bound
	bindErr error
	closed  bool
}

// NewServer returns a stopped server whose /metrics reads snapshot and
// labels sipslb_build_info with version.
func NewServer(snapshot func() *status.Snapshot, version string, log *slog.Logger) *Server {
	reg := newRegistry(snapshot, version)
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog:            slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		ErrorHandling:       promhttp.ContinueOnError,
		MaxRequestsInFlight: maxInFlight,
		Timeout:             writeTimeout / 2,
	}))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "sipslb: metrics at /metrics")
	})
	a := newAuth()
	return &Server{log: log, handler: a.wrap(mux), auth: a, retryEvery: RetryBind}
}

// SetUsers makes every request log in with one of users (name → bcrypt
// hash, as config.Config.HTTPUsers gives them), or asks no login when
// users is nil. Logins remembered from before are forgotten.
func (s *Server) SetUsers(users map[string]string) { s.auth.set(users) }

// newRegistry holds what /metrics serves: the appliance's collector, the
// Go runtime, the process and the build info.
func newRegistry(snapshot func() *status.Snapshot, version string) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		NewCollector(snapshot),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "sipslb_build_info", Help: "Always 1; the version label is the running sipslb.",
			ConstLabels: prometheus.Labels{"version": version},
		}, func() float64 { return 1 }),
	)
	return reg
}

// Addr is the address the server listens on, "" when stopped.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// Configure makes the server listen on addr (host:port, ":port" for every
// address), or stops it when addr is "". An unchanged addr keeps the
// listener. The old listener is closed before the new one is opened (a
// move from ":80" to "127.0.0.1:80" must not collide with itself).
//
// An address that cannot be bound (in use, or not on the box yet) is
// logged and retried every RetryBind; Configure never fails, as the SSH
// server never does: a management port must not keep the appliance from
// loading its config at boot, when the address may come up later.
func (s *Server) Configure(addr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || addr == s.want {
		return
	}
	s.want = addr
	s.stopLocked()
	s.bindLocked()
}

// RetryBind is how often an address that could not be bound is tried
// again.
const RetryBind = 5 * time.Second

func (s *Server) bindLocked() {
	if s.retry != nil {
		s.retry.Stop()
		s.retry = nil
	}
	s.bindErr = nil
	if s.want == "" {
		return
	}
	ln, err := net.Listen("tcp", s.want)
	if err != nil {
		s.bindErr = err
		s.log.Error("http server: cannot listen; retrying", "addr", s.want, "err", err, "every", s.retryEvery)
		s.retry = time.AfterFunc(s.retryEvery, func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			if !s.closed && s.srv == nil {
				s.bindLocked()
			}
		})
		return
	}
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readHeaderTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("http server stopped", "addr", ln.Addr().String(), "err", err)
		}
	}()
	s.srv, s.ln, s.done = srv, ln, done
	s.log.Info("http server listening", "addr", ln.Addr().String())
}

// Status is a few words for systemd's STATUS= line: "" when off (the
// default, not news), else where it listens or that it cannot.
func (s *Server) Status() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.want == "":
		return ""
	case s.ln != nil:
		return "http on " + s.ln.Addr().String()
	}
	return fmt.Sprintf("http NOT listening on %s (retrying)", s.want)
}

// BindError is why the configured address is not listened on, nil when
// it is (or the server is off).
func (s *Server) BindError() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bindErr
}

// stopLocked closes the listener and every connection, and waits for
// Serve to return, so the port is free when it returns.
func (s *Server) stopLocked() {
	if s.srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if s.srv.Shutdown(ctx) != nil {
		s.srv.Close()
	}
	<-s.done
	s.log.Info("http server stopped", "addr", s.ln.Addr().String())
	s.srv, s.ln, s.done = nil, nil, nil
}

// Close stops the server and its retries for good.
func (s *Server) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.retry != nil {
		s.retry.Stop()
		s.retry = nil
	}
	s.stopLocked()
}
