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

	mu   sync.Mutex
	addr string // "" when stopped
	srv  *http.Server
	ln   net.Listener
	done chan struct{}
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
	return &Server{log: log, handler: a.wrap(mux), auth: a}
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
// move from ":80" to "127.0.0.1:80" must not collide with itself); if the
// new address cannot be bound the old one is reopened and the error
// returned, so the caller can refuse the config and keep the server as it
// was.
func (s *Server) Configure(addr string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if addr == s.addr {
		return nil
	}
	old := s.addr
	s.stopLocked()
	if addr == "" {
		return nil
	}
	if err := s.startLocked(addr); err != nil {
		if old != "" {
			if err2 := s.startLocked(old); err2 != nil {
				s.log.Error("http server: cannot return to its previous address", "addr", old, "err", err2)
			}
		}
		return fmt.Errorf("ip http: %w", err)
	}
	return nil
}

func (s *Server) startLocked(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
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
			s.log.Error("http server stopped", "addr", addr, "err", err)
		}
	}()
	s.addr, s.srv, s.ln, s.done = addr, srv, ln, done
	s.log.Info("http server listening", "addr", ln.Addr().String())
	return nil
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
	s.log.Info("http server stopped", "addr", s.addr)
	s.addr, s.srv, s.ln, s.done = "", nil, nil, nil
}

// Close stops the server.
func (s *Server) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked()
}
