package commands

import (
	"crypto/ed25519"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/ssh"

	"sipslb/slb/config"
)

// genConfig builds a random valid config that exercises every setting.
func genConfig(r *rand.Rand) *config.Config {
	c := config.New()
	if r.IntN(2) == 0 {
		c.Hostname = fmt.Sprintf("lb-%d", r.IntN(1000))
	}
	genHealth := func(h *config.HealthParams) {
		if r.IntN(2) == 0 {
			h.Method = config.MethodRegister
		}
		h.Interval = []time.Duration{time.Second, 3 * time.Second, 1500 * time.Millisecond, 10 * time.Second}[r.IntN(4)]
		h.Timeout = h.Interval / time.Duration(2+r.IntN(3))
		h.Timeout -= h.Timeout % time.Millisecond
		h.Retries = 1 + r.IntN(10)
		h.Rise = 1 + r.IntN(10)
		h.Codes, _ = config.ParseCodes([]string{"200", "200-299,401", "200,202,480-486"}[r.IntN(3)])
		h.AoR = fmt.Sprintf("sip:probe%d@example.com", r.IntN(9))
		h.ChallengeHealthy = r.IntN(2) == 0
	}
	if r.IntN(2) == 0 {
		genHealth(&c.Health)
	}
	if r.IntN(3) == 0 {
		c.Dialog.MaxEntries = 1024 + r.IntN(100000)
		c.Dialog.TTL = time.Duration(1+r.IntN(7200)) * time.Second
	}
	if r.IntN(2) == 0 {
		genSNMP(r, &c.SNMP)
	}
	genAccess(r, c)
	genHTTP(r, &c.HTTP)
	nReal := r.IntN(6)
	for i := range nReal {
		addr := netip.AddrFrom4([4]byte{10, 0, byte(i), byte(1 + r.IntN(250))})
		if r.IntN(4) == 0 {
			addr = netip.MustParseAddr(fmt.Sprintf("2001:db8::%x", i+1))
		}
		rs := &config.RealServer{Name: fmt.Sprintf("rs%d", i), Addr: addr, Weight: r.IntN(20), MaxConn: r.IntN(3) * 500, Disabled: r.IntN(4) == 0}
		for j := range 1 + r.IntN(3) {
			p := &config.RealPort{Port: []uint16{5060, 5070, 5080}[j], Role: []config.Role{config.RoleBoth, config.RoleProxy, config.RoleRegistrar}[r.IntN(3)], NoKeepalive: r.IntN(4) == 0}
			if r.IntN(2) == 0 {
				var h config.HealthParams
				genHealth(&h)
				p.Health.Interval, p.Health.Timeout = &h.Interval, &h.Timeout
				if r.IntN(2) == 0 {
					p.Health.Method, p.Health.Retries, p.Health.Rise = &h.Method, &h.Retries, &h.Rise
					p.Health.Codes, p.Health.AoR, p.Health.ChallengeHealthy = h.Codes, &h.AoR, &h.ChallengeHealthy
				}
			}
			rs.Ports = append(rs.Ports, p)
		}
		c.Reals = append(c.Reals, rs)
	}
	for i := range r.IntN(4) {
		vs := &config.VirtualServer{Name: fmt.Sprintf("vip%d", i), Addr: netip.AddrFrom4([4]byte{192, 0, 2, byte(100 + i)}), Disabled: r.IntN(5) == 0}
		if r.IntN(4) == 0 {
			vs.Addr = netip.MustParseAddr(fmt.Sprintf("2001:db8::1:%x", i+1))
		}
		for j := range 1 + r.IntN(2) {
			vp := &config.VirtualPort{Port: []uint16{5060, 5061}[j], NoSIPSwitch: r.IntN(4) == 0, DSR: vs.Addr.Is4() && r.IntN(4) == 0,
				Stateless: r.IntN(4) == 0, RecordRoute: r.IntN(3) == 0}
			for _, rs := range c.Reals {
				// A VIP relays to servers of its own address family.
				if r.IntN(2) == 0 && rs.Addr.Is4() == vs.Addr.Is4() {
					vp.Binds = append(vp.Binds, config.Bind{Real: rs.Name, Port: rs.Ports[r.IntN(len(rs.Ports))].Port})
				}
			}
			vs.Ports = append(vs.Ports, vp)
		}
		c.Virtuals = append(c.Virtuals, vs)
	}
	return c
}

// TestRoundTrip: running-config replays to the same model and the same
// bytes, over many generated configs.
func TestRoundTrip(t *testing.T) {
	for seed := range uint64(500) {
		r := rand.New(rand.NewPCG(seed, 7))
		want := genConfig(r)
		if ps := want.Validate(); len(ps) > 0 {
			t.Fatalf("seed %d: generator made an invalid config: %v", seed, ps)
		}
		text := Render(want)
		got, errs := Check([]byte(text))
		if len(errs) > 0 {
			t.Fatalf("seed %d: replay errors %v\n%s", seed, errs, text)
		}
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty(), cmpopts.EquateComparable(netip.Addr{}, netip.Prefix{})); diff != "" {
			t.Fatalf("seed %d: model differs after replay (-want +got):\n%s\n%s", seed, diff, text)
		}
		if again := Render(got); again != text {
			t.Fatalf("seed %d: render not byte-identical:\n%s\n---\n%s", seed, text, again)
		}
	}
}

// TestBadLineSkipsItsBlock: a failed mode-entering line skips its block, so
// the block cannot edit the server before it; lines after it still load.
func TestBadLineSkipsItsBlock(t *testing.T) {
	text := `hostname lb
server real rs1 10.0.0.1
 port sip
 weight 3
server real rs3 10.0.0.300
 weight 9
 port 5070
server real rs4 10.0.0.4
 port sip
bogus command here
server virtual v 10.0.0.100
 bind sip rs1 sip rs4 sip
end
`
	cfg, errs := Check([]byte(text))
	lines := map[int]bool{}
	for _, e := range errs {
		lines[e.Line] = true
	}
	for _, want := range []int{5, 6, 7, 10} {
		if !lines[want] {
			t.Errorf("line %d not reported; errors: %v", want, errs)
		}
	}
	if len(errs) != 4 {
		t.Errorf("want 4 errors, got %v", errs)
	}
	if rs1 := cfg.Real("rs1"); rs1 == nil || rs1.Weight != 3 || len(rs1.Ports) != 1 {
		t.Errorf("rs1 was edited by the skipped block: %+v", rs1)
	}
	if cfg.Real("rs3") != nil || cfg.Real("rs4") == nil {
		t.Errorf("reals after load: %v", cfg.Reals)
	}
	if v := cfg.Virtual("v"); v == nil || len(v.Ports) != 1 || len(v.Ports[0].Binds) != 2 {
		t.Errorf("lines after the bad ones did not load: %+v", v)
	}
	if cfg.Hostname != "lb" {
		t.Errorf("hostname %q", cfg.Hostname)
	}
}

func genSNMP(r *rand.Rand, s *config.SNMP) {
	s.Disabled = r.IntN(4) == 0
	s.Contact = []string{"", "noc", "NOC team +1 555"}[r.IntN(3)]
	s.Location = []string{"", "rack-4", "Hall B row 2"}[r.IntN(3)]
	s.Port = []uint16{161, 1161}[r.IntN(2)]
	if r.IntN(2) == 0 {
		s.Listen = netip.MustParseAddr("192.0.2.9")
	}
	for i := range r.IntN(3) {
		c := config.Community{Name: fmt.Sprintf("comm%d", i)}
		if r.IntN(2) == 0 {
			c.Allow = []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("2001:db8::/32")}
		}
		s.Communities = append(s.Communities, c)
	}
	for i := range r.IntN(3) {
		u := config.SNMPUser{Name: fmt.Sprintf("user%d", i), Auth: "sha", AuthKey: make([]byte, 20)}
		if r.IntN(2) == 0 {
			u.Auth, u.AuthKey = "sha256", make([]byte, 32)
		}
		u.AuthKey[0] = byte(i + 1)
		if r.IntN(2) == 0 {
			u.Priv, u.PrivKey = "aes", make([]byte, len(u.AuthKey))
			u.PrivKey[1] = byte(i + 7)
		}
		s.Users = append(s.Users, u)
	}
	if len(s.Communities) > 0 {
		s.Hosts = append(s.Hosts, config.TrapHost{Addr: netip.MustParseAddr("192.0.2.50"), Port: 162, Version: "2c", Community: s.Communities[0].Name})
	}
	if len(s.Users) > 0 {
		s.Hosts = append(s.Hosts, config.TrapHost{Addr: netip.MustParseAddr("2001:db8::50"), Port: 1162, Version: "3", User: s.Users[0].Name})
	}
	s.TrapsEnabled = r.IntN(2) == 0
}

// Hashes made once at the cheapest cost: the round trip only needs them to
// be valid bcrypt text, and cost 10 would make 500 seeds take seconds.
var testHashes = func() []string {
	var out []string
	for _, pw := range []string{"a", "secret two", "x!$%&/"} {
		h, _ := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
		out = append(out, string(h))
	}
	return out
}()

func genAccess(r *rand.Rand, c *config.Config) {
	for i := range r.IntN(4) {
		u := &config.User{Name: fmt.Sprintf("user%d", i), Priv: []int{0, 5}[r.IntN(2)]}
		if r.IntN(3) > 0 {
			u.PasswordHash = testHashes[r.IntN(len(testHashes))]
		}
		for k := range r.IntN(3) {
			var seed [32]byte
			for j := range seed {
				seed[j] = byte(r.IntN(256))
			}
			pk, _ := ssh.NewPublicKey(ed25519.NewKeyFromSeed(seed[:]).Public())
			key := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pk)))
			key += []string{"", " admin@laptop", " two  blanks\tand tab"}[k]
			u.Keys = append(u.Keys, key)
		}
		c.Users = append(c.Users, u)
	}
	if r.IntN(2) == 0 {
		c.EnableHash = testHashes[r.IntN(len(testHashes))]
	}
	s := &c.SSH
	s.Disabled = r.IntN(4) == 0
	s.Port = []uint16{22, 2222}[r.IntN(2)]
	s.IdleTimeout = []time.Duration{0, time.Second, config.DefaultSSHIdleTimeout, time.Hour}[r.IntN(4)]
	switch r.IntN(3) {
	case 1:
		s.Listen = netip.MustParseAddr("192.0.2.1")
	case 2:
		s.Listen = netip.MustParseAddr("2001:db8::1")
	}
}
