package commands

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"sipslb/cli/parse"
	"sipslb/slb/config"
	"sipslb/slb/dialog"
	"sipslb/slb/latency"
	"sipslb/slb/reason"
	"sipslb/slb/sip"
	"sipslb/slb/stats"
	"sipslb/slb/status"
)

type showTrees struct{ user, exec *parse.Node }

// showTree builds "show" for user exec (no configuration text) and for
// privileged exec (everything).
func (in *Interp) showTree(realNames, virtNames func() []string) showTrees {
	common := func() []*parse.Node {
		return []*parse.Node{
			K("server", "Server load balancing state",
				K("real", "Real servers: health, counters, dialogs",
					A(nameArg("REAL", realNames), "one real server").Do(showReal)).Do(showReal),
				K("virtual", "Virtual servers",
					A(nameArg("VIRTUAL", virtNames), "one virtual server").Do(showVirtual)).Do(showVirtual),
				K("bind", "Bindings of virtual ports to real ports").Do(showBind)),
			K("sip", "SIP load balancing",
				K("statistics", "Requests by method, responses by class, drops by reason, per VIP").Do(showSIPStats),
				K("server", "SIP sessions per real server (ServerIron layout)").Do(showSIPServer),
				showHashNode(virtNames)),
			K("users", "CLI sessions").Do(showUsers),
			K("version", "Software version and uptime").Do(showVersion),
		}
	}
	user := K("show", "Show running system information", common()...)
	exec := K("show", "Show running system information", append(common(),
		K("log", "Configuration events and startup-config errors").Do(showLog),
		K("running-config", "The running configuration").Do(func(m *parse.Match) error {
			c := env(m)
			io.WriteString(c.out, c.visible(Render(c.in.cfg)))
			return nil
		}),
		K("startup-config", "The saved configuration",
			K("errors", "Lines of startup-config that failed at the last load").Do(showLoadErrors)).Do(showStartup),
	)...)
	return showTrees{user: user, exec: exec}
}

func snapshot(c *call) *status.Snapshot {
	if s := c.in.be.Status(); s != nil {
		return s
	}
	return &status.Snapshot{}
}

func showVersion(m *parse.Match) error {
	c := env(m)
	st := snapshot(c)
	fmt.Fprintf(c.out, "sipslb SIP server load balancer, version %s\n", c.in.be.Version())
	if !st.Started.IsZero() {
		fmt.Fprintf(c.out, "Uptime: %s\n", time.Since(st.Started).Truncate(time.Second))
	}
	fmt.Fprintf(c.out, "Hostname: %s\n", c.in.cfg.Hostname)
	if st.CPUs > 0 {
		fmt.Fprintf(c.out, "CPUs: %d, data path workers per VIP port: %d, scheduler processors in use: %d\n", st.CPUs, st.Workers, st.Procs)
	}
	if r := st.Runs; r.Starts > 0 {
		fmt.Fprintf(c.out, "Restarts after an unclean exit: %d (starts on this state directory: %d)\n", r.Unclean, r.Starts)
		if r.LastExit != "" {
			fmt.Fprintf(c.out, "Last exit: %s\n", r.LastExit)
		}
	}
	return nil
}

func realPortStatus(st *status.Snapshot, real string, port uint16) *status.RealPort {
	if r := st.Reals[real]; r != nil {
		if p := r.Ports[port]; p != nil {
			return p
		}
	}
	return &status.RealPort{}
}

func showReal(m *parse.Match) error {
	c := env(m)
	name := m.Arg("REAL")
	if name != "" && c.cfg.Real(name) == nil {
		return m.ArgErr("REAL", "real server %s does not exist", name)
	}
	st := snapshot(c)
	fmt.Fprintln(c.out, "Real Servers Info")
	fmt.Fprintln(c.out, "State - ACT:active, UNK:not probed yet, FAL:failed, TST:answers but failing, DIS:disabled")
	for _, r := range c.cfg.Reals {
		if name != "" && r.Name != name {
			continue
		}
		admin := "enabled"
		if r.Disabled {
			admin = "disabled (draining)"
		}
		fmt.Fprintf(c.out, "\nName: %-16s IP: %-16s Admin: %s  Wt: %d  Max-conn: %d\n", r.Name, r.Addr, admin, r.Weight, r.MaxConn)
		tw := tabwriter.NewWriter(c.out, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "Port\tSt\tRole\tCheck\tLast\tChanged\tFails\tRequests\tResponses\tDialogs")
		var dialogs int
		var total, drops uint64
		for _, rp := range r.Ports {
			ps := realPortStatus(st, r.Name, rp.Port)
			dialogs, total, drops = dialogs+ps.Dialogs, total+ps.Placed, drops+ps.Drops
			check := "off"
			if !rp.NoKeepalive {
				h := c.cfg.EffectiveHealth(rp)
				check = fmt.Sprintf("%s/%s", h.Method, config.FormatDuration(h.Interval))
			}
			changed := "-"
			if !ps.LastChange.IsZero() {
				changed = ps.LastChange.Format("15:04:05")
			}
			last := ps.LastResult
			if last == "" {
				last = "-"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\n", config.PortName(rp.Port), ps.Health.Abbrev(),
				rp.Role, check, last, changed, ps.ConsecFails, ps.Requests, ps.Responses, ps.Dialogs)
		}
		tw.Flush()
		peak := 0
		if sr := st.Reals[r.Name]; sr != nil {
			peak = sr.PeakDialogs
		}
		// The whole server, as ServerIron's "Server" row: dialogs now, the
		// most at once, placed since start, messages for it not sent.
		fmt.Fprintf(c.out, "Server: Dialogs %d  Peak %d  Total %d  Drops %d\n", dialogs, peak, total, drops)
	}
	return nil
}

func showVirtual(m *parse.Match) error {
	c := env(m)
	name := m.Arg("VIRTUAL")
	if name != "" && c.cfg.Virtual(name) == nil {
		return m.ArgErr("VIRTUAL", "virtual server %s does not exist", name)
	}
	st := snapshot(c)
	fmt.Fprintln(c.out, "Virtual Servers Info")
	for _, v := range c.cfg.Virtuals {
		if name != "" && v.Name != name {
			continue
		}
		state := "enabled"
		if v.Disabled {
			state = "disabled"
		}
		fmt.Fprintf(c.out, "\nName: %-16s State: %-9s IP: %s\n", v.Name, state, v.Addr)
		tw := tabwriter.NewWriter(c.out, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "Port\tMode\tSwitch\tDialogs\tPeak\tTotal\tListening\tRequests\tResponses\tDrops\tBound")
		for _, vp := range v.Ports {
			var ps status.VirtualPort
			if sv := st.Virtuals[v.Name]; sv != nil && sv.Ports[vp.Port] != nil {
				ps = *sv.Ports[vp.Port]
			}
			mode := "proxy"
			if vp.DSR {
				mode = "dsr"
			}
			if vp.Inline {
				mode = "inline"
			}
			sw := "call-id"
			switch {
			case vp.NoSIPSwitch:
				sw = "client-addr"
			case vp.Stateless:
				sw = "call-id/stateless"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%s\t%d\t%d\t%d\t%d\n", config.PortName(vp.Port), mode, sw,
				ps.Dialogs, ps.PeakDialogs, ps.Placed,
				yesNo(ps.Listening), sum(ps.Requests[:]), sum(ps.Responses[:]), sum(ps.Drops[:]), len(vp.Binds))
		}
		tw.Flush()
	}
	return nil
}

func showBind(m *parse.Match) error {
	c := env(m)
	st := snapshot(c)
	fmt.Fprintln(c.out, "Bind info")
	for _, v := range c.cfg.Virtuals {
		state := "enabled"
		if v.Disabled {
			state = "disabled"
		}
		fmt.Fprintf(c.out, "\nVirtual server: %s   Status: %s   IP: %s\n", v.Name, state, v.Addr)
		for _, vp := range v.Ports {
			for i, b := range vp.Binds {
				lead := fmt.Sprintf("   %-6s ------->", config.PortName(vp.Port))
				if i > 0 {
					lead = strings.Repeat(" ", len(lead))
				}
				r := c.cfg.Real(b.Real)
				ps := realPortStatus(st, b.Real, b.Port)
				word := map[status.Health]string{status.Unknown: "Unknown", status.Up: "Active", status.Down: "Failed",
					status.Failing: "Test", status.Disabled: "Disabled", status.NoCheck: "Active"}[ps.Health]
				if r.Disabled {
					word = "Disabled"
				}
				fmt.Fprintf(c.out, "%s %s: %s, %s (%s)\n", lead, b.Real, r.Addr, config.PortName(b.Port), word)
			}
		}
	}
	return nil
}

func showSIPStats(m *parse.Match) error {
	c := env(m)
	st := snapshot(c)
	for _, v := range c.cfg.Virtuals {
		for _, vp := range v.Ports {
			var ps status.VirtualPort
			if sv := st.Virtuals[v.Name]; sv != nil && sv.Ports[vp.Port] != nil {
				ps = *sv.Ports[vp.Port]
			}
			fmt.Fprintf(c.out, "Virtual server %s %s port %s\n", v.Name, v.Addr, config.PortName(vp.Port))
			printCounts[sip.Method](c.out, "Requests", ps.Requests[:])
			printCounts[stats.Class](c.out, "Responses", ps.Responses[:])
			printCounts[reason.Reason](c.out, "Drops", ps.Drops[:])
			printCounts[stats.Answer](c.out, "Answered by the balancer", ps.Answers[:])
			fmt.Fprintf(c.out, "  Dialogs: %d\n", ps.Dialogs)
			fmt.Fprintf(c.out, "  Dialogs peak: %d\n", ps.PeakDialogs)
			fmt.Fprintf(c.out, "  Dialogs total: %d\n", ps.Placed)
			printLatency(c.out, &ps.Latency)
		}
	}
	// Frames the dsr data path dropped before they had a VIP port are
	// counted on the data interface, not on any port above.
	if c.cfg.DataIf.Configured() {
		fmt.Fprintf(c.out, "DSR data interface %s\n", c.cfg.DataIf.Name)
		printCounts[reason.Frame](c.out, "Frames dropped", st.DSR.Drops[:])
		fmt.Fprintf(c.out, "  Fragments forwarded: %d\n", st.DSR.Fragments)
	}
	// The inline path counts the same way, per direction.
	if c.cfg.InsideIf.Configured() {
		fmt.Fprintf(c.out, "Inline inside interface %s\n", c.cfg.InsideIf.Name)
		for _, d := range []struct {
			name string
			c    *status.DSR
		}{{"to the servers", &st.Inline.In}, {"from the servers", &st.Inline.Out}} {
			printCounts[reason.Frame](c.out, "Frames dropped "+d.name, d.c.Drops[:])
			fmt.Fprintf(c.out, "  Fragments translated %s: %d\n", d.name, d.c.Fragments)
		}
		fmt.Fprintf(c.out, "  Untranslated from other server ports: %d\n", st.Inline.Untranslated)
	}
	return nil
}

// printLatency prints how long datagrams spent inside the balancer (the
// batch's receive to the send call): the count and three quantiles, each
// the upper bound of its histogram bucket (slb/latency), in microseconds.
func printLatency(w io.Writer, l *latency.Counts) {
	us := func(q float64) int64 { return l.Quantile(q).Microseconds() }
	fmt.Fprintf(w, "  Latency inside the balancer: %d datagrams, p50 %dus p99 %dus p99.9 %dus\n",
		l.Count(), us(0.5), us(0.99), us(0.999))
}

// printCounts prints the total of counters indexed by K and each one that
// is not zero, under K's name for its index.
func printCounts[K interface {
	~uint8
	String() string
}](w io.Writer, title string, cs []uint64) {
	fmt.Fprintf(w, "  %s: %d\n", title, sum(cs))
	for i, n := range cs {
		if n > 0 {
			fmt.Fprintf(w, "    %-22s %d\n", K(i).String(), n)
		}
	}
}

func showSIPServer(m *parse.Match) error {
	c := env(m)
	st := snapshot(c)
	dialogs := 0
	for _, r := range st.Reals {
		for _, p := range r.Ports {
			dialogs += p.Dialogs
		}
	}
	// ServerIron's line, then what the numbers mean: the dialog table has
	// 4/3 slots per entry of max-entries, so it may hold more than
	// max-entries (slb/dialog doc.go).
	maxEntries := c.cfg.Dialog.MaxEntries
	slots := maxEntries * dialog.SlotsPerEntryNum / dialog.SlotsPerEntryDen
	fmt.Fprintf(c.out, "Avail. SIP sessions = %d  Used SIP sessions = %d\n", max(maxEntries-dialogs, 0), dialogs)
	fmt.Fprintf(c.out, "Dialog table: %d entries of max-entries %d; about %d slots (%d/%d per entry, %d%% full at max-entries)\n",
		dialogs, maxEntries, slots, dialog.SlotsPerEntryNum, dialog.SlotsPerEntryDen, 100*dialog.SlotsPerEntryDen/dialog.SlotsPerEntryNum)
	if dialogs > maxEntries {
		fmt.Fprintln(c.out, "  Above max-entries the table keeps taking dialogs in its spare slots; where a Call-ID's probe window is full, the entry that expires first is replaced.")
	}
	tw := tabwriter.NewWriter(c.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "Real\tIP\tPort\tRole\tState\tSessions\tPeak\tTotal\tRequests\tResponses\tDrops")
	for _, r := range c.cfg.Reals {
		for _, rp := range r.Ports {
			ps := realPortStatus(st, r.Name, rp.Port)
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\n", r.Name, r.Addr, config.PortName(rp.Port), rp.Role,
				ps.Health.Abbrev(), ps.Dialogs, ps.PeakDialogs, ps.Placed, ps.Requests, ps.Responses, ps.Drops)
		}
	}
	tw.Flush()
	return nil
}

func showUsers(m *parse.Match) error {
	c := env(m)
	tw := tabwriter.NewWriter(c.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUser\tPriv\tFrom\tMode\tIdle")
	for _, s := range c.in.sessionsLocked() {
		mark := " "
		if s.ID == c.s.ID {
			mark = "*"
		}
		fmt.Fprintf(tw, "%s%d\t%s\t%d\t%s\t%s\t%s\n", mark, s.ID, s.User, s.Priv, s.From, s.Mode, time.Since(s.LastCmd).Truncate(time.Second))
	}
	tw.Flush()
	c.in.printControlStats(c.out)
	return nil
}

func showLog(m *parse.Match) error {
	c := env(m)
	for _, e := range c.in.events {
		fmt.Fprintln(c.out, e)
	}
	return nil
}

func showLoadErrors(m *parse.Match) error {
	c := env(m)
	if len(c.in.loadErrs) == 0 {
		fmt.Fprintln(c.out, "No errors in the last load of startup-config.")
	}
	for _, e := range c.in.loadErrs {
		fmt.Fprintln(c.out, parse.Printable(e.String())) // the file's bytes, not the terminal's
	}
	return nil
}

func showStartup(m *parse.Match) error {
	c := env(m)
	text, err := c.in.be.LoadStartup()
	if err != nil {
		return &parse.Error{Kind: parse.ErrRejected, Msg: err.Error()}
	}
	io.WriteString(c.out, printableLines(c.visible(string(text))))
	return nil
}

// printableLines shows a text file whose bytes the daemon did not write
// itself (startup-config may have been edited by hand): each line as
// parse.Printable makes it, so an escape sequence in the file is shown,
// not played on the operator's terminal.
func printableLines(text string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = parse.Printable(l)
	}
	return strings.Join(lines, "\n")
}

// visible is config text as this session may see it: whole at privilege
// 0, with every secret masked (maskSecrets) for a read-only session.
func (c *call) visible(text string) string {
	if c.s.Priv == PrivSuper {
		return text
	}
	return maskSecrets(text)
}

func sum(cs []uint64) uint64 {
	var n uint64
	for _, x := range cs {
		n += x
	}
	return n
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
