// Package image holds the tests of the image build scripts that run
// without building an image (the build itself is `make test-image`).
package image

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// aptConfig writes an apt configuration that reads no other file (an
// empty parts directory) and holds lines, and returns its path for
// APT_CONFIG.
func aptConfig(t *testing.T, lines ...string) string {
	t.Helper()
	dir := t.TempDir()
	parts := filepath.Join(dir, "apt.conf.d")
	if err := os.Mkdir(parts, 0o755); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "apt.conf")
	text := `Dir::Etc::Parts "` + parts + `";` + "\n" + strings.Join(lines, "\n") + "\n"
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return conf
}

func needAptConfig(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("apt-config"); err != nil {
		t.Fatal("apt-config not installed (Debian package apt): the image is built on Debian")
	}
}

// aptopts.sh passes on what the host's apt is told about mirrors, and
// nothing when the host leaves apt's defaults.
func TestAptOptsFollowHostConfig(t *testing.T) {
	needAptConfig(t)
	run := func(conf string) string {
		cmd := exec.Command("./aptopts.sh")
		cmd.Env = append(os.Environ(), "APT_CONFIG="+conf)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("aptopts.sh: %v\n%s", err, out)
		}
		return string(out)
	}
	got := run(aptConfig(t, `Acquire::Check-Valid-Until "false";`, `Acquire::http::Proxy "http://127.0.0.1:3142";`))
	want := "--aptopt=Acquire::Check-Valid-Until \"false\"\n--aptopt=Acquire::http::Proxy \"http://127.0.0.1:3142\"\n"
	if got != want {
		t.Errorf("with Check-Valid-Until false and a proxy: got\n%s\nwant\n%s", got, want)
	}
	if got := run(aptConfig(t)); got != "" {
		t.Errorf("with apt's defaults: got %q, want nothing", got)
	}
}

// mk-rootfs.sh hands those options to mmdebstrap: a stand-in mmdebstrap
// records its arguments and stops the build there.
func TestMkRootfsPassesHostAptOptions(t *testing.T) {
	needAptConfig(t)
	if os.Geteuid() != 0 {
		t.Skip("not root: mk-rootfs.sh refuses to run unprivileged (mmdebstrap --mode=root)")
	}
	dir := t.TempDir()
	argsFile := filepath.Join(dir, "args")
	fake := filepath.Join(dir, "mmdebstrap")
	script := "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > " + argsFile + "\nexit 3\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("./mk-rootfs.sh", filepath.Join(dir, "out"), "/bin/true")
	cmd.Env = append(os.Environ(), "MMDEBSTRAP="+fake, "BASE="+filepath.Join(dir, "base"),
		"APT_CONFIG="+aptConfig(t, `Acquire::Check-Valid-Until "false";`))
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("mk-rootfs.sh went on past a failed mmdebstrap:\n%s", out)
	}
	b, rerr := os.ReadFile(argsFile)
	if rerr != nil {
		t.Fatalf("mmdebstrap was not run (%v): %v\n%s", rerr, err, out)
	}
	args := strings.Split(strings.TrimSpace(string(b)), "\n")
	found := false
	for _, a := range args {
		found = found || a == `--aptopt=Acquire::Check-Valid-Until "false"`
	}
	if !found {
		t.Errorf("mmdebstrap was not given the host's Check-Valid-Until; its arguments:\n%s", b)
	}
	if last := args[len(args)-1]; !strings.HasPrefix(last, "/etc/apt/sources.list") {
		t.Errorf("last argument %q, want the host's sources file", last)
	}
}
