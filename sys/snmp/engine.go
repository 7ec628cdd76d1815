package snmp

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// PlaceholderPEN is the IANA Private Enterprise Number used for the
// product's own arcs and engine IDs. 32473 is the number RFC 5612 reserves
// for documentation; it MUST be replaced with a registered PEN before the
// product ships (docs/snmp.md).
const PlaceholderPEN = 32473

// ProductOID is the default sysObjectID (sipslbProducts.1 in SIPSLB-SIP-MIB).
var ProductOID = OID{1, 3, 6, 1, 4, 1, PlaceholderPEN, 3, 1}

// File names in the state directory.
const (
	bootsFile = "snmp-engine-boots"
	seedFile  = "snmp-engine-seed"
)

// maxBoots is snmpEngineBoots' ceiling (RFC 3414 2.2.2): once reached the
// engine stays there and every authenticated request is outside the window.
const maxBoots = math.MaxInt32

// EngineIDFromSeed builds an RFC 3411 SnmpEngineID: the enterprise number
// with the top bit set, format 5 (octets, administratively assigned), then
// 12 bytes of SHA-256 over seed. The same seed always gives the same ID.
func EngineIDFromSeed(seed []byte) []byte {
	id := make([]byte, 5, 17)
	binary.BigEndian.PutUint32(id, 0x80000000|PlaceholderPEN)
	id[4] = 5
	sum := sha256.Sum256(seed)
	return append(id, sum[:12]...)
}

// loadSeed returns the persisted random engine seed, creating it once.
func loadSeed(dir string) ([]byte, error) {
	p := filepath.Join(dir, seedFile)
	b, err := os.ReadFile(p)
	if err == nil && len(b) >= 16 {
		return b, nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read engine seed: %w", err)
	}
	seed := make([]byte, 16)
	if _, err := rand.Read(seed); err != nil {
		return nil, fmt.Errorf("engine seed: %w", err)
	}
	if err := writeFileAtomic(p, seed); err != nil {
		return nil, err
	}
	return seed, nil
}

// nextBoots reads snmpEngineBoots, adds one and persists it before
// returning: a crash after this point can only skip a value, never repeat
// one (a repeat would let an old message replay inside the time window).
func nextBoots(dir string) (uint32, error) {
	p := filepath.Join(dir, bootsFile)
	var boots uint64
	b, err := os.ReadFile(p)
	switch {
	case err == nil:
		boots, err = strconv.ParseUint(strings.TrimSpace(string(b)), 10, 32)
		if err != nil {
			return 0, fmt.Errorf("engine boots file %s: %w", p, err)
		}
	case errors.Is(err, fs.ErrNotExist):
	default:
		return 0, fmt.Errorf("read engine boots: %w", err)
	}
	if boots < maxBoots {
		boots++
	}
	if err := writeFileAtomic(p, []byte(strconv.FormatUint(boots, 10)+"\n")); err != nil {
		return 0, err
	}
	return uint32(boots), nil
}

// writeFileAtomic writes via a temp file in the same directory, fsync,
// rename and a directory fsync, so readers see the old or the new file.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after a successful rename
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("rename %s: %w", path, err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync dir %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync dir %s: %w", dir, err)
	}
	return nil
}
