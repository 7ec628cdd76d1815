package commands

import (
	"fmt"
	"slices"
	"strings"

	"sipslb/cli/parse"
	"sipslb/slb/config"
)

// Render prints c as running-config: one canonical line per setting that
// differs from its default, in a fixed order, so replaying the text yields
// an identical config and rendering that yields identical bytes.
func Render(c *config.Config) string {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	p("!")
	p("hostname %s", c.Hostname)
	renderAccess(p, c)
	renderDataIf(p, c)
	renderInsideIf(p, c)
	def := config.DefaultHealth()
	for _, l := range healthLines(c.Health, def) {
		p("%s", neg(l, "server sip-keepalive "))
	}
	for _, l := range snmpLines(c.SNMP) {
		p("%s", l)
	}
	for _, l := range httpLines(c.HTTP) {
		p("%s", l)
	}
	if c.Dialog.MaxEntries != config.DefaultDialogMaxEntries {
		p("server sip-dialog max-entries %d", c.Dialog.MaxEntries)
	}
	if c.Dialog.TTL != config.DefaultDialogTTL {
		p("server sip-dialog ttl %s", config.FormatDuration(c.Dialog.TTL))
	}
	for _, r := range c.Reals {
		p("!")
		p("server real %s %s", r.Name, r.Addr)
		for _, rp := range r.Ports {
			pn := config.PortName(rp.Port)
			p(" port %s", pn)
			switch rp.Role {
			case config.RoleProxy:
				p(" port %s sip-server-type proxy", pn)
			case config.RoleRegistrar:
				p(" port %s sip-server-type registrar", pn)
			}
			if rp.NoKeepalive {
				p(" no port %s keepalive", pn)
			}
			for _, l := range overrideLines(rp.Health, c.Health) {
				p(" %s", neg(l, "port "+pn+" keepalive "))
			}
		}
		if r.Weight != config.DefaultWeight {
			p(" weight %d", r.Weight)
		}
		if r.MaxConn != 0 {
			p(" max-conn %d", r.MaxConn)
		}
		if r.Disabled {
			p(" disable")
		}
	}
	for _, v := range c.Virtuals {
		p("!")
		p("server virtual %s %s", v.Name, v.Addr)
		for _, vp := range v.Ports {
			pn := config.PortName(vp.Port)
			p(" port %s", pn)
			if vp.NoSIPSwitch {
				p(" no port %s sip-switch", pn)
			}
			if vp.DSR {
				p(" port %s dsr", pn)
			}
			if vp.Inline {
				p(" port %s inline", pn)
			}
			if vp.Stateless {
				p(" port %s stateless", pn)
			}
			if vp.RecordRoute {
				p(" port %s record-route", pn)
			}
			if len(vp.Binds) > 0 {
				var w strings.Builder
				for _, bd := range vp.Binds {
					fmt.Fprintf(&w, " %s %s", bd.Real, config.PortName(bd.Port))
				}
				p(" bind %s%s", pn, w.String())
			}
		}
		if v.Disabled {
			p(" disable")
		}
	}
	p("!")
	p("end")
	return b.String()
}

// healthLines lists the global keepalive settings that differ from def.
func healthLines(h, def config.HealthParams) []string {
	var out []string
	if h.Method != def.Method {
		out = append(out, "method "+h.Method.String())
	}
	var iv, to *config.Duration
	if h.Interval != def.Interval {
		iv = &h.Interval
	}
	if h.Timeout != def.Timeout {
		to = &h.Timeout
	}
	out = append(out, timing(iv, to, def)...)
	if h.Retries != def.Retries {
		out = append(out, fmt.Sprintf("retries %d", h.Retries))
	}
	if h.Rise != def.Rise {
		out = append(out, fmt.Sprintf("rise %d", h.Rise))
	}
	if h.Codes.String() != def.Codes.String() {
		out = append(out, "status-codes "+h.Codes.String())
	}
	if h.AoR != def.AoR {
		out = append(out, "register-aor "+parse.Quote(h.AoR))
	}
	if h.ChallengeHealthy != def.ChallengeHealthy {
		// only "false" can differ from the default
		out = append(out, "!challenge-healthy")
	}
	return out
}

func overrideLines(o config.HealthOverride, base config.HealthParams) []string {
	var out []string
	if o.Method != nil {
		out = append(out, "method "+o.Method.String())
	}
	out = append(out, timing(o.Interval, o.Timeout, base)...)
	if o.Retries != nil {
		out = append(out, fmt.Sprintf("retries %d", *o.Retries))
	}
	if o.Rise != nil {
		out = append(out, fmt.Sprintf("rise %d", *o.Rise))
	}
	if o.Codes != nil {
		out = append(out, "status-codes "+o.Codes.String())
	}
	if o.AoR != nil {
		out = append(out, "register-aor "+parse.Quote(*o.AoR))
	}
	if o.ChallengeHealthy != nil {
		if *o.ChallengeHealthy {
			out = append(out, "challenge-healthy")
		} else {
			out = append(out, "!challenge-healthy")
		}
	}
	return out
}

// neg prefixes a setting line; a leading "!" marks a negated setting that
// prints as a "no" line.
func neg(setting, prefix string) string {
	if rest, ok := strings.CutPrefix(setting, "!"); ok {
		return "no " + prefix + rest
	}
	return prefix + setting
}

// timing orders the interval and timeout lines so that each one is valid
// when replayed on top of base: the timeout goes first when it is already
// shorter than the inherited interval, else the interval goes first. One of
// the two orders always works because the final pair is valid.
func timing(interval, timeout *config.Duration, base config.HealthParams) []string {
	var iv, to string
	if interval != nil {
		iv = "interval " + config.FormatDuration(*interval)
	}
	if timeout != nil {
		to = "timeout " + config.FormatDuration(*timeout)
	}
	var out []string
	if timeout != nil && *timeout < base.Interval {
		out = append(out, to, iv)
	} else {
		out = append(out, iv, to)
	}
	return slices.DeleteFunc(out, func(s string) bool { return s == "" })
}
