package engine

import (
	"errors"
	"fmt"
	"net/netip"

	"sipslb/slb/config"
	"sipslb/slb/health"
)

// buildChecks makes one health check per bound real port with keepalive
// on, from the effective (global + per-port) settings. Every problem is
// reported, and nothing is applied if there is one.
func buildChecks(c *config.Config) (map[health.Key]health.Check, error) {
	bound := map[health.Key]bool{}
	for _, v := range c.Virtuals {
		for _, p := range v.Ports {
			for _, b := range p.Binds {
				bound[health.Key{Real: b.Real, Port: b.Port}] = true
			}
		}
	}
	checks := map[health.Key]health.Check{}
	var errs []error
	for _, r := range c.Reals {
		for _, rp := range r.Ports {
			k := health.Key{Real: r.Name, Port: rp.Port}
			if rp.NoKeepalive || !bound[k] {
				continue
			}
			// A disabled server is still probed: it drains, and if it dies its
			// remaining dialogs must move like those of any dead server.
			ch := checkOf(c.EffectiveHealth(rp), netip.AddrPortFrom(r.Addr.Unmap(), rp.Port))
			if err := ch.Validate(); err != nil {
				errs = append(errs, fmt.Errorf("server real %s port %s keepalive: %w", r.Name, config.PortName(rp.Port), err))
				continue
			}
			checks[k] = ch
		}
	}
	return checks, errors.Join(errs...)
}

func checkOf(h config.HealthParams, target netip.AddrPort) health.Check {
	ch := health.Check{
		Target:           target,
		Method:           health.MethodOptions,
		Interval:         h.Interval,
		Timeout:          h.Timeout,
		Fall:             h.Retries,
		Rise:             h.Rise,
		AoR:              h.AoR,
		ChallengeHealthy: h.ChallengeHealthy,
	}
	if h.Method == config.MethodRegister {
		ch.Method = health.MethodRegister
	}
	for _, r := range h.Codes {
		for code := r[0]; code <= r[1]; code++ {
			ch.Accept.Add(code)
		}
	}
	return ch
}
