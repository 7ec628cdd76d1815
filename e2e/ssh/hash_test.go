package ssh

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"sipslb/e2e/internal/harness"
)

// TestPasswordHashLogin: a password typed once is saved only as its hash
// (`write memory`); after a restart the daemon knows the user from the
// `password-hash` line alone, and the same password logs in while a wrong
// one is still refused. Without this a saved box would lock its admins out.
func TestPasswordHashLogin(t *testing.T) {
	harness.NeedTools(t, "ssh")
	users(t)
	port := freePort(t, serverIP)
	dir := t.TempDir()
	d := boot(t, dir, startupConfig(port), port)
	d.CLI(t, "write memory")
	d.Stop(t)

	saved, err := os.ReadFile(filepath.Join(dir, "startup-config"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(saved), ro.password) || !strings.Contains(string(saved), "username ro privilege 5 password-hash $2a$") {
		t.Fatalf("saved startup-config should hold ro's hash, not the password:\n%s", saved)
	}

	d = boot(t, dir, "", port)
	if r := d.ssh(client{u: ro, password: ro.password}, "show version"); r.code != 0 || !strings.Contains(r.stdout, "lb1") {
		t.Errorf("ro's password against the replayed hash: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if r := d.ssh(client{u: ro, password: "not-" + ro.password}, "show version"); r.code != 255 {
		t.Errorf("a wrong password against the replayed hash: exit %d, want 255\n%s", r.code, r.stderr)
	}
}

// TestListenAddressOnly: with `ip ssh listen-address` the server answers on
// that address only; the same port on another loopback address is closed,
// so an appliance can keep SSH off its data-side addresses.
func TestListenAddressOnly(t *testing.T) {
	harness.NeedTools(t, "ssh")
	users(t)
	const other = "127.41.0.77"
	port := freePort(t, serverIP)
	// The port must be free on the other address too, or a refused dial
	// would prove nothing about us.
	if ln, err := net.Listen("tcp", net.JoinHostPort(other, strconv.Itoa(port))); err != nil {
		t.Fatalf("port %d on %s: %v", port, other, err)
	} else {
		ln.Close()
	}
	d := boot(t, "", startupConfig(port), port)
	if !d.accepts() {
		t.Fatalf("no SSH on %s:%d", serverIP, port)
	}
	c, err := net.DialTimeout("tcp", net.JoinHostPort(other, strconv.Itoa(port)), time.Second)
	if err == nil {
		c.Close()
		t.Fatalf("SSH answers on %s:%d although listen-address is %s", other, port, serverIP)
	}
}
