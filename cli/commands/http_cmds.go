package commands

import (
	"fmt"
	"net/netip"

	"sipslb/cli/parse"
	"sipslb/slb/config"
)

// httpTree is "ip http ..." in config mode: the management HTTP server
// that serves the Prometheus metrics (docs/metrics.md). IOS words: ip http
// server turns it on, ip http port moves it.
func httpTree() *parse.Node {
	return K("http", "The management HTTP server (Prometheus /metrics)",
		K("server", "Serve /metrics (off by default; no ip http server: turn it off)").Do(cmdIPHTTP).Undo(cmdIPHTTP),
		K("port", fmt.Sprintf("TCP port (default %d)", config.DefaultHTTPPort),
			A(intArg("PORT", 1, 65535), "port").Do(cmdIPHTTP)).Undo(cmdIPHTTP),
		K("listen-address", "Listen on one address only (default: every address)",
			A(ipArg, "local address").Do(cmdIPHTTP)).Undo(cmdIPHTTP),
		K("authentication", "Ask for a login (HTTP basic authentication)",
			K("local", "Check it against the configured users (username ... password)").Do(cmdIPHTTP)).Undo(cmdIPHTTP),
	)
}

func cmdIPHTTP(m *parse.Match) error {
	return env(m).edit(func(cfg *config.Config) error {
		h := &cfg.HTTP
		switch {
		case m.Has("port") && m.Negated:
			h.Port = config.DefaultHTTPPort
		case m.Has("port"):
			h.Port = uint16(atoi(m.Arg("PORT")))
		case m.Has("listen-address") && m.Negated:
			h.Listen = netip.Addr{}
		case m.Has("listen-address"):
			h.Listen = netip.MustParseAddr(m.Arg("A.B.C.D|X:X::X")).Unmap()
		case m.Has("authentication"):
			h.AuthLocal = !m.Negated
		default:
			h.Enabled = !m.Negated
		}
		return nil
	})
}

// httpLines renders the ip http settings that differ from the defaults.
func httpLines(h config.HTTPParams) []string {
	var out []string
	if h.Enabled {
		out = append(out, "ip http server")
	}
	if h.Port != config.DefaultHTTPPort {
		out = append(out, fmt.Sprintf("ip http port %d", h.Port))
	}
	if h.Listen.IsValid() {
		out = append(out, "ip http listen-address "+h.Listen.String())
	}
	if h.AuthLocal {
		out = append(out, "ip http authentication local")
	}
	return out
}
