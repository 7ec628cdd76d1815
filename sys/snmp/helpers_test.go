package snmp

import (
	"bytes"
	"context"
	"net/netip"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"sipslb/slb/reason"
	"sipslb/slb/sip"
	"sipslb/slb/status"
)

// testAddrSeq hands each test its own loopback address: packages run in
// parallel and 127.88.0.0/16 is this package's.
var testAddrSeq atomic.Uint32

func testAddr(t *testing.T) netip.AddrPort {
	t.Helper()
	n := testAddrSeq.Add(1)
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 88, byte(n >> 8), byte(n)}), 16161)
}

const (
	testCommunity = "s3cr3t-ro"
	userSHA       = "opsha1"
	userSHA256    = "opsha256"
	userAuthOnly  = "opauth"
	authPass      = "auth-pass-123"
	privPass      = "priv-pass-456"
)

// dsrDrops are fakeView's dsr frame drops: 3 no-vport, 1 send-error.
var dsrDrops = func() (d [reason.NumFrames]uint64) {
	d[reason.FrameNoVPort], d[reason.FrameSendError] = 3, 1
	return d
}()

func fakeView() *View {
	vp := VirtualPort{Port: 5060, AdminUp: true, CurDialogs: 3, Dialogs: 42, PeakDialog: 9}
	vp.Drops[reason.NoServer] = 5
	vp.Drops[reason.BadMaxForwards] = 1
	vp.Requests[sip.MethodInvite] = 100
	vp.Requests[sip.MethodRegister] = 7
	vp.Responses[1] = 90 // 2xx
	vp.Responses[3] = 4  // 4xx
	return &View{
		Reals: []Real{
			{Name: "sip1", Addr: netip.MustParseAddr("192.0.2.11"), AdminUp: true, Health: status.Up, Weight: 10, Role: RoleProxy,
				Ports:    []RealPort{{Port: 5060, AdminUp: true, State: status.Up, Requests: 60, Responses: 58, CurDialogs: 2, Dialogs: 30}},
				Requests: 60, Responses: 58, CurDialogs: 2, Dialogs: 30, PeakDialog: 5},
			{Name: "sip2", Addr: netip.MustParseAddr("192.0.2.12"), AdminUp: true, Health: status.Down, Weight: 10, Role: RoleBoth,
				Ports: []RealPort{{Port: 5060, AdminUp: true, State: status.Down}}},
			{Name: "reg6", Addr: netip.MustParseAddr("2001:db8::6"), AdminUp: true, Health: status.Failing, Role: RoleRegistrar,
				Requests: 1 << 40},
		},
		Virtuals: []Virtual{{Name: "vip1", Addr: netip.MustParseAddr("198.51.100.100"), AdminUp: true, Ports: []VirtualPort{vp}}},
		Binds: []Bind{
			{Virtual: "vip1", VPort: 5060, Real: "sip2", RPort: 5060},
			{Virtual: "vip1", VPort: 5060, Real: "sip1", RPort: 5060},
		},
		DSR: status.DSR{Drops: dsrDrops, Fragments: 11},
	}
}

func testConfig(addr netip.AddrPort) Config {
	return Config{
		Enabled: true,
		Addr:    addr,
		Communities: []Community{
			{Name: testCommunity},
			{Name: "nobody-allowed", Allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}},
		},
		Users: []User{
			{Name: userSHA, Level: AuthPriv, Auth: AuthSHA1, AuthPassphrase: authPass, Priv: PrivAES128, PrivPassphrase: privPass},
			{Name: userSHA256, Level: AuthPriv, Auth: AuthSHA256, AuthPassphrase: authPass, Priv: PrivAES128, PrivPassphrase: privPass},
			{Name: userAuthOnly, Level: AuthNoPriv, Auth: AuthSHA1, AuthPassphrase: authPass},
		},
		Descr:    "sipslb test agent",
		Contact:  "noc@example.net",
		Name:     "lb1",
		Location: "lab",
	}
}

// startAgent runs an agent on its own address with the fake view.
func startAgent(t *testing.T, dir string) (*Agent, Config) {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	a, err := New(Options{StateDir: dir, Source: SourceFunc(fakeView)})
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(testAddr(t))
	if err := a.Configure(cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a, cfg
}

func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not installed (Debian packages snmp snmptrapd smitools; `make deps` or scripts/install-deps.sh installs them): this test needs the real peer", name)
	}
	return p
}

// run executes a net-snmp tool with a bounded time and no MIB loading
// (numeric output), returning stdout.
func run(t *testing.T, name string, args ...string) (string, error) {
	t.Helper()
	needTool(t, name)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(cmd.Environ(), "MIBS=", "MIBDIRS=/nonexistent", "SNMPCONFPATH=/nonexistent")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if err != nil {
		return out.String() + errb.String(), err
	}
	return out.String(), nil
}

func agentTarget(cfg Config) string {
	return "udp:" + cfg.Addr.String()
}

func hasLine(out, want string) bool {
	for _, l := range strings.Split(out, "\n") {
		if strings.TrimSpace(l) == want {
			return true
		}
	}
	return false
}
