package config

import (
	"net/netip"
	"slices"
	"time"
)

// Defaults that the CLI leaves out of running-config. They live here so the
// renderer, the validator, the data path and the docs agree on one value.
const (
	DefaultHostname = "sipslb"
	SIPPort         = 5060 // the port the keyword "sip" stands for
	DefaultWeight   = 1
	MaxWeight       = 65000 // snL4RealServerWeight's range
	MaxMaxConn      = 1000000

	DefaultDialogMaxEntries = 1 << 20
	DefaultDialogTTL        = 2 * time.Hour
)

// Config is the whole running configuration.
type Config struct {
	Hostname string
	// Users, EnableHash and SSH are the admin access settings (users.go).
	Users      []*User // in creation order
	EnableHash string  // bcrypt hash of the enable secret; "" = none
	SSH        SSHParams
	Health     HealthParams // global health-check defaults (server sip-keepalive ...)
	Dialog     DialogParams
	SNMP       SNMP
	HTTP       HTTPParams       // the management HTTP server (http.go)
	DataIf     DataInterface    // ip data-interface, ip address (dataif.go)
	InsideIf   DataInterface    // ip inside-interface, ip inside-address: inline mode's inside leg (inline.go)
	Reals      []*RealServer    // in creation order, which is the render order
	Virtuals   []*VirtualServer // in creation order
}

// DialogParams bound the dialog table (server sip-dialog ...).
type DialogParams struct {
	MaxEntries int
	TTL        time.Duration
}

// RealServer is one SIP server of the farm (server real NAME IP).
type RealServer struct {
	Name     string
	Addr     netip.Addr
	Weight   int // 0 drains: no new Call-IDs, established dialogs finish
	MaxConn  int // concurrent dialogs; 0 = no limit
	Disabled bool
	Ports    []*RealPort
}

// Role says which SIP methods a real port receives.
type Role uint8

const (
	RoleProxy     Role = 1 << iota // INVITE and every method but REGISTER
	RoleRegistrar                  // REGISTER
	RoleBoth      = RoleProxy | RoleRegistrar
)

func (r Role) String() string {
	switch r {
	case RoleProxy:
		return "proxy"
	case RoleRegistrar:
		return "registrar"
	case RoleBoth:
		return "proxy+registrar"
	}
	return "none"
}

// RealPort is a SIP port of a real server (port sip | port N).
type RealPort struct {
	Port        uint16
	Role        Role // default RoleBoth
	NoKeepalive bool // health checks are on unless turned off
	Health      HealthOverride
}

// VirtualServer is a VIP (server virtual NAME IP).
type VirtualServer struct {
	Name     string
	Addr     netip.Addr
	Disabled bool
	Ports    []*VirtualPort
}

// VirtualPort is a SIP port of a VIP with its bindings.
type VirtualPort struct {
	Port        uint16
	NoSIPSwitch bool // true: hash the client address, no Call-ID or method switching
	DSR         bool
	Inline      bool // port NAME inline: VIP<->real translation as the servers' gateway (docs/inline.md)
	Stateless   bool // pure Call-ID hash, no dialog table (ServerIron stateless)
	RecordRoute bool
	Binds       []Bind
}

// Bind ties a virtual port to one real server port.
type Bind struct {
	Real string
	Port uint16
}

// New returns the factory-default configuration.
func New() *Config {
	return &Config{
		Hostname: DefaultHostname,
		SSH:      DefaultSSH(),
		Health:   DefaultHealth(),
		Dialog:   DialogParams{MaxEntries: DefaultDialogMaxEntries, TTL: DefaultDialogTTL},
		SNMP:     SNMP{Port: DefaultSNMPPort},
		HTTP:     DefaultHTTP(),
	}
}

// Clone returns a deep copy that may be edited freely.
func (c *Config) Clone() *Config {
	n := *c
	n.Health = c.Health.clone()
	n.Users = cloneUsers(c.Users)
	n.SNMP = c.SNMP.clone()
	n.Reals = make([]*RealServer, len(c.Reals))
	for i, r := range c.Reals {
		rc := *r
		rc.Ports = make([]*RealPort, len(r.Ports))
		for j, p := range r.Ports {
			pc := *p
			pc.Health = p.Health.clone()
			rc.Ports[j] = &pc
		}
		n.Reals[i] = &rc
	}
	n.Virtuals = make([]*VirtualServer, len(c.Virtuals))
	for i, v := range c.Virtuals {
		vc := *v
		vc.Ports = make([]*VirtualPort, len(v.Ports))
		for j, p := range v.Ports {
			pc := *p
			pc.Binds = slices.Clone(p.Binds)
			vc.Ports[j] = &pc
		}
		n.Virtuals[i] = &vc
	}
	return &n
}

// Real returns the real server called name, or nil.
func (c *Config) Real(name string) *RealServer {
	for _, r := range c.Reals {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// Virtual returns the virtual server called name, or nil.
func (c *Config) Virtual(name string) *VirtualServer {
	for _, v := range c.Virtuals {
		if v.Name == name {
			return v
		}
	}
	return nil
}

// RemoveReal deletes a real server and reports whether it existed.
func (c *Config) RemoveReal(name string) bool {
	n := len(c.Reals)
	c.Reals = slices.DeleteFunc(c.Reals, func(r *RealServer) bool { return r.Name == name })
	return len(c.Reals) != n
}

// RemoveVirtual deletes a virtual server and reports whether it existed.
func (c *Config) RemoveVirtual(name string) bool {
	n := len(c.Virtuals)
	c.Virtuals = slices.DeleteFunc(c.Virtuals, func(v *VirtualServer) bool { return v.Name == name })
	return len(c.Virtuals) != n
}

// Port returns the real port numbered p, or nil.
func (r *RealServer) Port(p uint16) *RealPort {
	for _, rp := range r.Ports {
		if rp.Port == p {
			return rp
		}
	}
	return nil
}

// Port returns the virtual port numbered p, or nil.
func (v *VirtualServer) Port(p uint16) *VirtualPort {
	for _, vp := range v.Ports {
		if vp.Port == p {
			return vp
		}
	}
	return nil
}

// EffectiveHealth merges a port's overrides over the global defaults.
func (c *Config) EffectiveHealth(p *RealPort) HealthParams {
	return p.Health.Apply(c.Health)
}

// BoundTo lists the virtual ports that bind real server name, as "VS port".
func (c *Config) BoundTo(name string) []BindRef {
	var out []BindRef
	for _, v := range c.Virtuals {
		for _, vp := range v.Ports {
			for _, b := range vp.Binds {
				if b.Real == name {
					out = append(out, BindRef{Virtual: v.Name, VPort: vp.Port, RPort: b.Port})
				}
			}
		}
	}
	return out
}

// BindRef names one binding from the real server's side.
type BindRef struct {
	Virtual string
	VPort   uint16
	RPort   uint16
}
