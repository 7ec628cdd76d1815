package snmp

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"hash"
)

func (p AuthProto) newHash() hash.Hash {
	if p == AuthSHA256 {
		return sha256.New()
	}
	return sha1.New()
}

// keyLen is the localized key length (the hash size).
func (p AuthProto) keyLen() int {
	if p == AuthSHA256 {
		return sha256.Size
	}
	return sha1.Size
}

// macLen is the truncated HMAC carried in msgAuthenticationParameters.
func (p AuthProto) macLen() int {
	if p == AuthSHA256 {
		return 24 // HMAC-192-SHA-256, RFC 7860
	}
	return 12 // HMAC-SHA-96, RFC 3414
}

// LocalizeKey turns a passphrase into a key localized to engineID
// (RFC 3414 A.2). The CLI uses it to store only the localized key. It is
// written here rather than taken from gosnmp because gosnmp caches every
// passphrase in a process-wide map.
func LocalizeKey(p AuthProto, passphrase string, engineID []byte) []byte {
	if passphrase == "" {
		return nil
	}
	h := p.newHash()
	var chunk [64]byte
	pi := 0
	for n := 0; n < 1<<20; n += 64 {
		for i := range chunk {
			chunk[i] = passphrase[pi%len(passphrase)]
			pi++
		}
		h.Write(chunk[:])
	}
	ku := h.Sum(nil)
	h.Reset()
	h.Write(ku)
	h.Write(engineID)
	h.Write(ku)
	return h.Sum(nil)
}

// mac computes the truncated HMAC over a whole message whose
// msgAuthenticationParameters are zeroed.
func (p AuthProto) mac(key, msg []byte) []byte {
	m := hmac.New(p.newHash, key)
	m.Write(msg)
	return m.Sum(nil)[:p.macLen()]
}
