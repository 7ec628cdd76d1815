package commands

import (
	"fmt"
	"text/tabwriter"

	"sipslb/cli/parse"
	"sipslb/slb/config"
)

// showHashNode is `show sip hash CALL-ID [VIRTUAL]`: which real server the
// data path picks for a Call-ID on each VIP port, and why.
func showHashNode(virtNames func() []string) *parse.Node {
	return K("hash", "Which real server a Call-ID goes to, and why",
		A(&parse.Arg{Name: "CALL-ID"}, "the Call-ID value, as on the wire",
			A(nameArg("VIRTUAL", virtNames), "only this virtual server").Do(showHash)).Do(showHash))
}

func showHash(m *parse.Match) error {
	c := env(m)
	callID, virtual := m.Arg("CALL-ID"), m.Arg("VIRTUAL")
	if virtual != "" && c.cfg.Virtual(virtual) == nil {
		return m.ArgErr("VIRTUAL", "virtual server %s does not exist", virtual)
	}
	routes, err := c.in.be.SIPHash(callID, virtual)
	if err != nil {
		return &parse.Error{Kind: parse.ErrRejected, Msg: err.Error()}
	}
	if len(routes) == 0 {
		fmt.Fprintln(c.out, "No virtual server port is configured.")
		return nil
	}
	drop := ""
	for _, r := range routes {
		if r.Drop != "" {
			drop = r.Drop
		}
	}
	if drop != "" {
		// Quoted: the value may be empty or hold control bytes, which are
		// never echoed raw to a terminal.
		fmt.Fprintf(c.out, "Call-ID %q  dropped by the data path (%s)\n", callID, drop)
	} else {
		fmt.Fprintf(c.out, "Call-ID %s  key %016x\n", callID, routes[0].Key)
	}
	tw := tabwriter.NewWriter(c.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "Virtual\tPort\tGroup\tBy\tReal\tAddress\tShare\tNote")
	for _, r := range routes {
		real, share, addr := "-", "-", "-"
		if r.Real != "" {
			real = r.Real + ":" + config.PortName(r.RealPort)
			share = fmt.Sprintf("%.1f%%", 100*r.Share)
			addr = r.Addr
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Virtual, config.PortName(r.Port), r.Group, r.Via, real, addr, share, r.Note)
	}
	tw.Flush()
	return nil
}
