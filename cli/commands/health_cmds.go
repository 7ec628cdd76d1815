package commands

import (
	"sipslb/cli/parse"
	"sipslb/slb/config"
)

// healthEdit runs f on the global defaults (o == nil) or on one port's
// overrides (h == nil).
type healthEdit func(m *parse.Match, f func(h *config.HealthParams, o *config.HealthOverride)) error

// healthNodes is the keepalive grammar shared by "server sip-keepalive" and
// "port sip keepalive": the same words set a global default or a per-port
// override. "no" restores the default, or drops the override so the port
// inherits the global value again.
func healthNodes(apply healthEdit) []*parse.Node {
	def := config.DefaultHealth()
	set := func(assign func(m *parse.Match, h *config.HealthParams, o *config.HealthOverride)) parse.Handler {
		return func(m *parse.Match) error {
			return apply(m, func(h *config.HealthParams, o *config.HealthOverride) { assign(m, h, o) })
		}
	}
	method := set(func(m *parse.Match, h *config.HealthParams, o *config.HealthOverride) {
		v := config.MethodOptions
		if m.Has("register") {
			v = config.MethodRegister
		}
		switch {
		case o != nil && m.Negated:
			o.Method = nil
		case o != nil:
			o.Method = &v
		case m.Negated:
			h.Method = def.Method
		default:
			h.Method = v
		}
	})
	dur := func(get func(*config.HealthParams) *config.Duration, getO func(*config.HealthOverride) **config.Duration, dflt config.Duration) parse.Handler {
		return set(func(m *parse.Match, h *config.HealthParams, o *config.HealthOverride) {
			d, _ := config.ParseDuration(m.Arg("SECONDS|Nms"))
			switch {
			case o != nil && m.Negated:
				*getO(o) = nil
			case o != nil:
				*getO(o) = &d
			case m.Negated:
				*get(h) = dflt
			default:
				*get(h) = d
			}
		})
	}
	count := func(get func(*config.HealthParams) *int, getO func(*config.HealthOverride) **int, dflt int) parse.Handler {
		return set(func(m *parse.Match, h *config.HealthParams, o *config.HealthOverride) {
			n := atoi(m.Arg("COUNT"))
			switch {
			case o != nil && m.Negated:
				*getO(o) = nil
			case o != nil:
				*getO(o) = &n
			case m.Negated:
				*get(h) = dflt
			default:
				*get(h) = n
			}
		})
	}
	codes := set(func(m *parse.Match, h *config.HealthParams, o *config.HealthOverride) {
		cs, _ := config.ParseCodes(m.Arg("CODES"))
		switch {
		case o != nil && m.Negated:
			o.Codes = nil
		case o != nil:
			o.Codes = cs
		case m.Negated:
			h.Codes = def.Codes
		default:
			h.Codes = cs
		}
	})
	aor := set(func(m *parse.Match, h *config.HealthParams, o *config.HealthOverride) {
		v := m.Arg("URI")
		switch {
		case o != nil && m.Negated:
			o.AoR = nil
		case o != nil:
			o.AoR = &v
		case m.Negated:
			h.AoR = def.AoR
		default:
			h.AoR = v
		}
	})
	challenge := set(func(m *parse.Match, h *config.HealthParams, o *config.HealthOverride) {
		v := !m.Negated
		if o != nil {
			o.ChallengeHealthy = &v
		} else {
			h.ChallengeHealthy = v
		}
	})
	return []*parse.Node{
		K("method", "SIP request sent as the health check",
			K("options", "OPTIONS (default)").Do(method),
			K("register", "REGISTER to the register-aor").Do(method)).Undo(method),
		K("interval", "Time between two probes of one port",
			A(durationArg, "seconds, or milliseconds with ms").Do(dur(
				func(h *config.HealthParams) *config.Duration { return &h.Interval },
				func(o *config.HealthOverride) **config.Duration { return &o.Interval }, def.Interval))).
			Undo(dur(func(h *config.HealthParams) *config.Duration { return &h.Interval },
				func(o *config.HealthOverride) **config.Duration { return &o.Interval }, def.Interval)),
		K("timeout", "Time to wait for the answer to one probe (shorter than interval)",
			A(durationArg, "seconds, or milliseconds with ms").Do(dur(
				func(h *config.HealthParams) *config.Duration { return &h.Timeout },
				func(o *config.HealthOverride) **config.Duration { return &o.Timeout }, def.Timeout))).
			Undo(dur(func(h *config.HealthParams) *config.Duration { return &h.Timeout },
				func(o *config.HealthOverride) **config.Duration { return &o.Timeout }, def.Timeout)),
		K("retries", "Failed probes in a row before the port is down",
			A(intArg("COUNT", 1, 10), "count").Do(count(
				func(h *config.HealthParams) *int { return &h.Retries },
				func(o *config.HealthOverride) **int { return &o.Retries }, def.Retries))).
			Undo(count(func(h *config.HealthParams) *int { return &h.Retries },
				func(o *config.HealthOverride) **int { return &o.Retries }, def.Retries)),
		K("rise", "Good probes in a row before a down port is up again",
			A(intArg("COUNT", 1, 10), "count").Do(count(
				func(h *config.HealthParams) *int { return &h.Rise },
				func(o *config.HealthOverride) **int { return &o.Rise }, def.Rise))).
			Undo(count(func(h *config.HealthParams) *int { return &h.Rise },
				func(o *config.HealthOverride) **int { return &o.Rise }, def.Rise)),
		K("status-codes", "Status codes that count as healthy",
			A(codesArg, "list with ranges, e.g. 200-299,401").Do(codes)).Undo(codes),
		K("register-aor", "Address-of-record used in REGISTER probes",
			A(uriArg, "e.g. sip:keepalive@example.com").Do(aor)).Undo(aor),
		K("challenge-healthy", "REGISTER answered 401/407 counts as healthy (default on)").Do(challenge).Undo(challenge),
	}
}
