package ssh

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"sipslb/e2e/internal/harness"
)

// repoRoot is two levels up from this package.
func repoRoot(t *testing.T) string {
	_, f, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(f), "..", "..")
}

// stageRoot builds a root like the image's: systemd's own units (from this
// machine's systemd package, as the image installs it), the rootfs/
// overlay, and the sipslb binary at its ExecStart path.
func stageRoot(t *testing.T, withBinary bool) string {
	t.Helper()
	root := t.TempDir()
	sysUnits := "/lib/systemd/system"
	if _, err := os.Stat(filepath.Join(sysUnits, "sysinit.target")); err != nil {
		t.Fatal("no systemd unit directory at " + sysUnits + " to stage (Debian package systemd; `make deps` installs it)")
	}
	for _, c := range [][]string{
		{"cp", "-a", filepath.Join(repoRoot(t), "rootfs") + "/.", root},
		{"mkdir", "-p", filepath.Join(root, "usr/lib/systemd"), filepath.Join(root, "usr/sbin"), filepath.Join(root, "bin")},
		{"cp", "-a", sysUnits, filepath.Join(root, "usr/lib/systemd/system")},
		{"cp", "/bin/kill", filepath.Join(root, "bin/kill")},
	} {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v %s", c, err, out)
		}
	}
	if withBinary {
		if out, err := exec.Command("install", "-m", "0755", bin, filepath.Join(root, "usr/sbin/sipslb")).CombinedOutput(); err != nil {
			t.Fatalf("install: %v %s", err, out)
		}
	}
	return root
}

func verify(t *testing.T, root string, units ...string) (string, error) {
	args := append([]string{"verify", "--man=no", "--generators=no", "--root=" + root}, units...)
	cmd := exec.Command("systemd-analyze", args...)
	cmd.Dir = "/"
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestUnitsVerify: systemd-analyze verify passes on the units in a staged
// root, and does catch what is wrong with them (no binary, a bad key).
func TestUnitsVerify(t *testing.T) {
	harness.NeedTools(t, "systemd-analyze")
	if _, err := os.Stat("/bin/kill"); err != nil {
		t.Fatal("/bin/kill (ExecReload) not installed (Debian package procps; `make deps` installs it)")
	}
	units := []string{"sipslb.service", "sipslb-console.service"}
	root := stageRoot(t, true)
	if out, err := verify(t, root, units...); err != nil || strings.TrimSpace(out) != "" {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}

	tests := []struct {
		name   string
		break_ func(root string)
		want   string
	}{
		{"binary missing", func(root string) { os.Remove(filepath.Join(root, "usr/sbin/sipslb")) }, "/usr/sbin/sipslb is not executable"},
		{"unknown key", func(root string) {
			f := filepath.Join(root, "etc/systemd/system/sipslb.service")
			b, _ := os.ReadFile(f)
			os.WriteFile(f, []byte(strings.Replace(string(b), "[Service]\n", "[Service]\nWatchDogSec=10\n", 1)), 0o644)
		}, "Unknown key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := stageRoot(t, true)
			tt.break_(root)
			out, _ := verify(t, root, units...)
			if !strings.Contains(out, tt.want) {
				t.Errorf("verify did not report %q:\n%s", tt.want, out)
			}
		})
	}
}

// TestUnitsContract: the settings the daemon and the image rely on.
func TestUnitsContract(t *testing.T) {
	dir := filepath.Join(repoRoot(t), "rootfs/etc/systemd/system")
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	svc, con := read("sipslb.service"), read("sipslb-console.service")
	for _, want := range []string{
		"Type=notify\n", "ExecStart=/usr/sbin/sipslb boot --state-dir /var/lib/sipslb\n",
		"ExecReload=/bin/kill -HUP $MAINPID\n", "WatchdogSec=", "Restart=on-failure\n", "StateDirectory=sipslb\n",
		"CapabilityBoundingSet=CAP_NET_BIND_SERVICE CAP_NET_RAW CAP_NET_ADMIN\n",
		"AmbientCapabilities=CAP_NET_BIND_SERVICE CAP_NET_RAW CAP_NET_ADMIN\n",
		"NoNewPrivileges=yes\n", "ProtectSystem=strict\n", "ProtectHome=yes\n", "PrivateTmp=yes\n",
	} {
		if !strings.Contains(svc, want) {
			t.Errorf("sipslb.service lacks %q", want)
		}
	}
	if strings.Count(svc, "CapabilityBoundingSet=") != 1 {
		t.Error("sipslb.service: one CapabilityBoundingSet= line, please")
	}
	for _, want := range []string{
		"ExecStart=/usr/sbin/sipslb cli --state-dir /var/lib/sipslb\n", "TTYPath=/dev/ttyS0\n",
		"StandardInput=tty", "Restart=always\n", "Conflicts=serial-getty@ttyS0.service\n",
	} {
		if !strings.Contains(con, want) {
			t.Errorf("sipslb-console.service lacks %q", want)
		}
	}
	if target, err := os.Readlink(filepath.Join(dir, "serial-getty@ttyS0.service")); err != nil || target != "/dev/null" {
		t.Errorf("serial-getty@ttyS0.service is not masked: %q %v", target, err)
	}
}
