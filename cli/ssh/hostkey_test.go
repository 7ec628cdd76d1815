package ssh

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestLoadHostKey(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, HostKeyName)
	s1, created, err := LoadHostKey(p)
	if err != nil || !created {
		t.Fatalf("first load: created=%v err=%v", created, err)
	}
	if s1.PublicKey().Type() != "ssh-ed25519" {
		t.Errorf("key type %s", s1.PublicKey().Type())
	}
	st, _ := os.Stat(p)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", st.Mode().Perm())
	}
	s2, created, err := LoadHostKey(p)
	if err != nil || created || !bytes.Equal(s1.PublicKey().Marshal(), s2.PublicKey().Marshal()) {
		t.Fatalf("second load: created=%v err=%v, same=%v", created, err, err == nil && bytes.Equal(s1.PublicKey().Marshal(), s2.PublicKey().Marshal()))
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, ".hostkey-*")); len(leftovers) > 0 {
		t.Errorf("temp files left: %v", leftovers)
	}
	// A damaged key is an error and is left alone.
	os.WriteFile(p, []byte("garbage"), 0o600)
	if _, _, err := LoadHostKey(p); err == nil {
		t.Error("a damaged key loaded")
	}
	if b, _ := os.ReadFile(p); string(b) != "garbage" {
		t.Error("a damaged key was overwritten")
	}
}
