package inlinenet

import (
	"fmt"
	"os"
	"strings"

	"sipslb/slb/config"
)

// Forwarding is the IPv4 forwarding switch of some interfaces, with the
// values found before Enable so Restore can put them back.
type Forwarding struct {
	prev map[string]string
}

func forwardingPath(ifname string) string {
	return "/proc/sys/net/ipv4/conf/" + ifname + "/forwarding"
}

// Enable switches forwarding on for packets received on each interface
// (net.ipv4.conf.IF.forwarding=1): the appliance routes between its legs.
func (f *Forwarding) Enable(ifnames ...string) error {
	if f.prev == nil {
		f.prev = map[string]string{}
	}
	for _, n := range ifnames {
		if !config.ValidIfName(n) {
			return fmt.Errorf("interface name %q", n)
		}
		p := forwardingPath(n)
		old, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("forwarding on %s: %w", n, err)
		}
		if _, ok := f.prev[n]; !ok {
			f.prev[n] = strings.TrimSpace(string(old))
		}
		if err := os.WriteFile(p, []byte("1\n"), 0o644); err != nil {
			return fmt.Errorf("forwarding on %s: %w", n, err)
		}
	}
	return nil
}

// Restore puts back the values Enable found.
func (f *Forwarding) Restore() error {
	var first error
	for n, v := range f.prev {
		if err := os.WriteFile(forwardingPath(n), []byte(v+"\n"), 0o644); err != nil && first == nil {
			first = fmt.Errorf("forwarding on %s: %w", n, err)
		}
	}
	f.prev = nil
	return first
}
