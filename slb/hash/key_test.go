package hash

import "testing"

// The values for "" and "abc" are the published XXH64 (seed 0) test
// vectors; the others pin what this package returns, so a change of
// algorithm or seed (which would move every call on an upgrade) fails here.
func TestKeyIsStableXXH64(t *testing.T) {
	tests := []struct {
		name   string
		callID string
		want   uint64
	}{
		{"empty, XXH64 vector", "", 0xef46db3751d8e999},
		{"abc, XXH64 vector", "abc", 0x44bc2cf5ad770999},
		{"RFC 3261 example", "a84b4c76e66710@pc33.atlanta.com", 0xc00054cb6ac0988f},
		{"SIPp style", "1-12345@127.0.0.1", 0x065cb0a5c1c74101},
		{"UUID at host", "f81d4fae-7dec-11d0-a765-00a0c91e6bf6@192.0.2.4", 0x10fecd152e81703a},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Key([]byte(tt.callID)); got != tt.want {
				t.Errorf("Key(%q) = %#x, want %#x", tt.callID, got, tt.want)
			}
			if got := KeyString(tt.callID); got != tt.want {
				t.Errorf("KeyString(%q) = %#x, want %#x", tt.callID, got, tt.want)
			}
		})
	}
}

func TestKeyIsCaseSensitive(t *testing.T) {
	// RFC 3261 §20.8: Call-IDs are compared byte for byte.
	if Key([]byte("abc@host")) == Key([]byte("ABC@host")) {
		t.Fatal("Key folds case; Call-IDs differing in case must get different keys")
	}
}

func TestKeyAllocatesNothing(t *testing.T) {
	id := []byte("f81d4fae-7dec-11d0-a765-00a0c91e6bf6@192.0.2.4")
	s := string(id)
	var sink uint64
	if n := testing.AllocsPerRun(1000, func() { sink += Key(id) }); n != 0 {
		t.Errorf("Key allocates %v times per call", n)
	}
	if n := testing.AllocsPerRun(1000, func() { sink += KeyString(s) }); n != 0 {
		t.Errorf("KeyString allocates %v times per call", n)
	}
	_ = sink
}
