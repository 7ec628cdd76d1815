// Package store keeps startup-config in the state directory. A save is
// atomic (temp file in the same directory, fsync, rename, fsync of the
// directory) and keeps the file it replaces as startup-config.bak, so a
// power cut at any instant leaves either the old or the new bytes in
// startup-config and a whole file in startup-config.bak.
package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// Names of the files in the state directory.
const (
	StartupName = "startup-config"
	BackupName  = "startup-config.bak"
)

// ErrNotExist means there is no startup-config (a factory-fresh box).
var ErrNotExist = fs.ErrNotExist

// Store is the startup-config of one state directory.
type Store struct {
	Dir string
	// fault, when set, names a point inside Save at which the process kills
	// itself with SIGKILL. Only a test build (-tags sipslbtest) sets it,
	// from SIPSLB_TEST_FAULT (fault_sipslbtest.go); the crash-safety test
	// in e2e/boot uses it.
	fault string
}

// New returns the store of dir.
func New(dir string) *Store {
	return &Store{Dir: dir, fault: faultPoint()}
}

// Path is the startup-config file.
func (s *Store) Path() string { return filepath.Join(s.Dir, StartupName) }

// Load reads startup-config; errors.Is(err, ErrNotExist) for a fresh box.
func (s *Store) Load() ([]byte, error) { return os.ReadFile(s.Path()) }

// Save replaces startup-config with text.
func (s *Store) Save(text []byte) error {
	tmp, err := os.CreateTemp(s.Dir, ".startup-config.tmp-*")
	if err != nil {
		return err
	}
	tmpName := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmpName)
		}
	}()
	half := len(text) / 2
	if _, err := tmp.Write(text[:half]); err != nil {
		return err
	}
	s.crash("mid-write")
	if _, err := tmp.Write(text[half:]); err != nil {
		return err
	}
	if err := tmp.Chmod(0o600); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", tmpName, err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	s.crash("before-backup")
	// The live file is only ever replaced by rename, never written in
	// place, so a hard link to it is a complete copy of the old bytes.
	bakTmp := filepath.Join(s.Dir, ".startup-config.bak.tmp")
	os.Remove(bakTmp)
	switch err := os.Link(s.Path(), bakTmp); {
	case err == nil:
		if err := os.Rename(bakTmp, filepath.Join(s.Dir, BackupName)); err != nil {
			os.Remove(bakTmp)
			return fmt.Errorf("keeping the previous startup-config: %w", err)
		}
	case errors.Is(err, fs.ErrNotExist):
	default:
		return fmt.Errorf("keeping the previous startup-config: %w", err)
	}
	s.crash("before-rename")
	if err := os.Rename(tmpName, s.Path()); err != nil {
		return err
	}
	ok = true
	s.crash("before-dir-sync")
	return syncDir(s.Dir)
}

// CleanTemp removes temporary files left by a save that was cut short
// (power loss, SIGKILL); they never hold the only copy of anything.
func (s *Store) CleanTemp() {
	left, _ := filepath.Glob(filepath.Join(s.Dir, ".startup-config*.tmp*"))
	for _, f := range left {
		os.Remove(f)
	}
}

// Erase removes startup-config, keeping it as startup-config.bak.
func (s *Store) Erase() error {
	err := os.Rename(s.Path(), filepath.Join(s.Dir, BackupName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return syncDir(s.Dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", dir, err)
	}
	return nil
}

func (s *Store) crash(point string) {
	if s.fault == point {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // SIGKILL is not delivered synchronously everywhere
	}
}

// FaultPoints lists the points the crash test may pick.
var FaultPoints = []string{"mid-write", "before-backup", "before-rename", "before-dir-sync"}
