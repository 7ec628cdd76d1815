package snmp

import (
	"errors"
	"fmt"
	"net/netip"
)

// Config is the agent's live configuration; Agent.Configure swaps it
// atomically. The zero Config is a disabled agent.
type Config struct {
	Enabled bool
	// Addr is the UDP listen address (the appliance uses :161).
	Addr        netip.AddrPort
	Communities []Community
	Users       []User
	// TrapsEnabled gates Notify; TrapHosts receive every notification.
	TrapsEnabled bool
	TrapHosts    []TrapHost

	// The MIB-II system group. ObjectID empty means ProductOID.
	Descr, ObjectID, Contact, Name, Location string

	// MaxMessageSize bounds every response (and v3 msgMaxSize further
	// lowers it per request). 0 means DefaultMaxMessageSize.
	MaxMessageSize int
}

// DefaultMaxMessageSize keeps a response in one Ethernet frame.
const DefaultMaxMessageSize = 1472

// minMessageSize is the smallest size every SNMP engine must accept
// (RFC 3417 section 3.2).
const minMessageSize = 484

// Community is a read-only community string. Allow limits the manager
// source addresses; empty allows any source.
type Community struct {
	Name  string
	Allow []netip.Prefix
}

// SecLevel is the minimum USM security level a user must use.
type SecLevel uint8

// Security levels (RFC 3411 SnmpSecurityLevel numbering).
const (
	NoAuthNoPriv SecLevel = iota + 1
	AuthNoPriv
	AuthPriv
)

func (l SecLevel) String() string {
	switch l {
	case NoAuthNoPriv:
		return "noAuthNoPriv"
	case AuthNoPriv:
		return "authNoPriv"
	case AuthPriv:
		return "authPriv"
	}
	return fmt.Sprintf("SecLevel(%d)", uint8(l))
}

// AuthProto is a USM authentication protocol.
type AuthProto uint8

// Authentication protocols.
const (
	AuthNone   AuthProto = iota
	AuthSHA1             // usmHMACSHAAuthProtocol, HMAC-SHA-96 (RFC 3414)
	AuthSHA256           // usmHMAC192SHA256AuthProtocol (RFC 7860)
)

// PrivProto is a USM privacy protocol.
type PrivProto uint8

// Privacy protocols.
const (
	PrivNone   PrivProto = iota
	PrivAES128           // usmAesCfb128Protocol (RFC 3826)
)

// User is a USM user. Keys are localized to the agent's engine ID
// (RFC 3414 A.2); a key, when set, wins over the passphrase, so the
// running-config never needs to hold a passphrase (see docs/snmp.md).
type User struct {
	Name           string
	Level          SecLevel
	Auth           AuthProto
	AuthKey        []byte
	AuthPassphrase string
	Priv           PrivProto
	PrivKey        []byte
	PrivPassphrase string
}

// TrapVersion selects the notification message format.
type TrapVersion uint8

// Notification versions.
const (
	TrapV2c TrapVersion = iota + 2
	TrapV3
)

// TrapHost is a notification receiver. V2c uses Community; V3 uses the
// configured User of that name at the user's security level.
type TrapHost struct {
	Addr      netip.AddrPort
	Version   TrapVersion
	Community string
	User      string
}

var errConfig = errors.New("invalid snmp config")

// Validate returns every problem found, joined.
func (c *Config) Validate() error {
	var errs []error
	bad := func(f string, a ...any) { errs = append(errs, fmt.Errorf("%w: "+f, append([]any{errConfig}, a...)...)) }
	if c.Enabled && !c.Addr.IsValid() {
		bad("listen address missing")
	}
	if c.MaxMessageSize != 0 && c.MaxMessageSize < minMessageSize {
		bad("max message size %d below %d", c.MaxMessageSize, minMessageSize)
	}
	if c.ObjectID != "" {
		if _, err := ParseOID(c.ObjectID); err != nil {
			bad("sysObjectID %q", c.ObjectID)
		}
	}
	for _, cm := range c.Communities {
		// gosnmp writes the community length as a single byte.
		if cm.Name == "" || len(cm.Name) > 127 {
			bad("community length %d not in 1..127", len(cm.Name))
		}
	}
	users := map[string]*User{}
	for i := range c.Users {
		u := &c.Users[i]
		if err := u.validate(); err != nil {
			errs = append(errs, err)
		}
		if users[u.Name] != nil {
			bad("user %q defined twice", u.Name)
		}
		users[u.Name] = u
	}
	for _, h := range c.TrapHosts {
		if !h.Addr.IsValid() {
			bad("trap host without address")
		}
		switch h.Version {
		case TrapV2c:
			if h.Community == "" || len(h.Community) > 127 {
				bad("trap host %v: community length %d not in 1..127", h.Addr, len(h.Community))
			}
		case TrapV3:
			if users[h.User] == nil {
				bad("trap host %v: unknown user %q", h.Addr, h.User)
			}
		default:
			bad("trap host %v: version %d", h.Addr, h.Version)
		}
	}
	return errors.Join(errs...)
}

func (u *User) validate() error {
	var errs []error
	bad := func(f string, a ...any) {
		errs = append(errs, fmt.Errorf("%w: user %q: "+f, append([]any{errConfig, u.Name}, a...)...))
	}
	if u.Name == "" || len(u.Name) > 32 {
		bad("name length %d not in 1..32", len(u.Name))
	}
	switch u.Level {
	case NoAuthNoPriv, AuthNoPriv, AuthPriv:
	default:
		bad("security level %d", u.Level)
	}
	if u.Level >= AuthNoPriv && u.Auth == AuthNone {
		bad("level %v needs an auth protocol", u.Level)
	}
	if u.Level == AuthPriv && u.Priv == PrivNone {
		bad("level %v needs a priv protocol", u.Level)
	}
	if u.Priv != PrivNone && u.Auth == AuthNone {
		bad("privacy without authentication")
	}
	if u.Auth > AuthSHA256 || u.Priv > PrivAES128 {
		bad("unsupported protocol")
	}
	if u.Auth != AuthNone {
		if len(u.AuthKey) == 0 && len(u.AuthPassphrase) < 8 {
			bad("auth passphrase shorter than 8 (RFC 3414 11.2) and no localized key")
		}
		if len(u.AuthKey) != 0 && len(u.AuthKey) != u.Auth.keyLen() {
			bad("auth key is %d bytes, want %d", len(u.AuthKey), u.Auth.keyLen())
		}
	}
	if u.Priv != PrivNone {
		if len(u.PrivKey) == 0 && len(u.PrivPassphrase) < 8 {
			bad("priv passphrase shorter than 8 and no localized key")
		}
		if len(u.PrivKey) != 0 && len(u.PrivKey) < 16 {
			bad("priv key is %d bytes, want at least 16", len(u.PrivKey))
		}
	}
	return errors.Join(errs...)
}
