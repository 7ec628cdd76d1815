package ssh

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	xssh "golang.org/x/crypto/ssh"
)

// HostKeyName is the host key file in the state directory (OpenSSH format).
const HostKeyName = "ssh_host_ed25519_key"

// LoadHostKey reads the host key at path, generating and storing a new
// ed25519 key (mode 0600) when there is none. A key that exists but cannot
// be parsed is an error, never silently replaced: clients would see a new
// host key and rightly refuse it.
func LoadHostKey(path string) (xssh.Signer, bool, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		s, err := xssh.ParsePrivateKey(b)
		if err != nil {
			return nil, false, fmt.Errorf("host key %s: %w (move it away to generate a new one)", path, err)
		}
		if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
			os.Chmod(path, 0o600)
		}
		return s, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, fmt.Errorf("host key: %w", err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, false, err
	}
	blk, err := xssh.MarshalPrivateKey(priv, "sipslb host key")
	if err != nil {
		return nil, false, err
	}
	if err := writeFileSync(path, pem.EncodeToMemory(blk)); err != nil {
		return nil, false, fmt.Errorf("host key: %w", err)
	}
	s, err := xssh.NewSignerFromKey(priv)
	return s, true, err
}

// writeFileSync writes a 0600 file atomically: a crash leaves either no
// key or a whole one.
func writeFileSync(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".hostkey-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
