package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestSaveKeepsBackup(t *testing.T) {
	s := New(t.TempDir())
	if _, err := s.Load(); !errors.Is(err, ErrNotExist) {
		t.Fatalf("fresh store: got %v, want ErrNotExist", err)
	}
	for i, text := range []string{"one\n", "two\n", "three\n"} {
		if err := s.Save([]byte(text)); err != nil {
			t.Fatal(err)
		}
		got, _ := s.Load()
		if string(got) != text {
			t.Fatalf("save %d: startup-config = %q", i, got)
		}
		bak, err := os.ReadFile(filepath.Join(s.Dir, BackupName))
		if i == 0 {
			if !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("first save made a backup: %q %v", bak, err)
			}
			continue
		}
		if want := []string{"one\n", "two\n"}[i-1]; string(bak) != want {
			t.Fatalf("save %d: .bak = %q, want %q", i, bak, want)
		}
	}
	left, _ := filepath.Glob(filepath.Join(s.Dir, ".*tmp*"))
	if len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

// TestSaveFailureLeavesOldFile: a save that fails part way (here keeping
// the backup fails, because startup-config.bak is a non-empty directory,
// which rename cannot replace even for root) leaves startup-config as it
// was and no temporary file behind.
func TestSaveFailureLeavesOldFile(t *testing.T) {
	dir := t.TempDir()
	s := New(dir)
	if err := s.Save([]byte("old\n")); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, BackupName, "x"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := s.Save([]byte("new\n")); err == nil {
		t.Fatal("save succeeded although the backup could not be kept")
	}
	got, _ := s.Load()
	if !bytes.Equal(got, []byte("old\n")) {
		t.Fatalf("startup-config = %q after a failed save", got)
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".*tmp*"))
	if len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

func TestErase(t *testing.T) {
	s := New(t.TempDir())
	if err := s.Erase(); err != nil {
		t.Fatalf("erase of nothing: %v", err)
	}
	s.Save([]byte("cfg\n"))
	if err := s.Erase(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(); !errors.Is(err, ErrNotExist) {
		t.Fatalf("after erase: %v", err)
	}
	bak, _ := os.ReadFile(filepath.Join(s.Dir, BackupName))
	if string(bak) != "cfg\n" {
		t.Fatalf(".bak = %q", bak)
	}
}
