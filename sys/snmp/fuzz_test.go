package snmp

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/gosnmp/gosnmp"
)

// fuzzEngineID is the engine ID of handlerAgent, so v3 seeds reach the
// digest, time window and decryption steps.
const fuzzEngineID = "\x80\x00\x7e\xd9\x05fuzz-engine"

func v3Seed(t testing.TB, user string, auth AuthProto, flags gosnmp.SnmpV3MsgFlags, pdu gosnmp.PDUType) []byte {
	t.Helper()
	return v3SeedPriv(t, user, auth, flags, pdu, privPass)
}

func v3SeedPriv(t testing.TB, user string, auth AuthProto, flags gosnmp.SnmpV3MsgFlags, pdu gosnmp.PDUType, priv string) []byte {
	t.Helper()
	sp := &gosnmp.UsmSecurityParameters{
		AuthoritativeEngineID:    fuzzEngineID,
		AuthoritativeEngineBoots: 1,
		AuthoritativeEngineTime:  0,
		UserName:                 user,
		AuthenticationProtocol:   gosnmp.NoAuth,
		PrivacyProtocol:          gosnmp.NoPriv,
	}
	if flags&gosnmp.AuthNoPriv != 0 {
		sp.AuthenticationProtocol = auth.gosnmp()
		sp.SecretKey = LocalizeKey(auth, authPass, []byte(fuzzEngineID))
	}
	if flags&gosnmp.AuthPriv == gosnmp.AuthPriv {
		sp.PrivacyProtocol = gosnmp.AES
		sp.PrivacyKey = LocalizeKey(auth, priv, []byte(fuzzEngineID))[:16]
		sp.PrivacyParameters = []byte{1, 2, 3, 4, 5, 6, 7, 8}
	}
	p := &gosnmp.SnmpPacket{
		Version: gosnmp.Version3, MsgFlags: flags | gosnmp.Reportable, SecurityModel: gosnmp.UserSecurityModel,
		SecurityParameters: sp, ContextEngineID: fuzzEngineID, MsgID: 77, RequestID: 78, PDUType: pdu,
		MaxRepetitions: 3,
		Variables:      []gosnmp.SnmpPDU{{Name: ".1.3.6.1.2.1.1.5.0", Type: gosnmp.Null}},
	}
	b, err := p.MarshalMsg()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func discoverySeed(t testing.TB) []byte {
	p := &gosnmp.SnmpPacket{
		Version: gosnmp.Version3, MsgFlags: gosnmp.Reportable, SecurityModel: gosnmp.UserSecurityModel,
		SecurityParameters: &gosnmp.UsmSecurityParameters{}, MsgID: 1, RequestID: 2, PDUType: gosnmp.GetRequest,
	}
	b, err := p.MarshalMsg()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type seed struct {
	name string
	pkt  []byte
	want gosnmp.PDUType // answer type (0: no answer)
}

func seeds(t testing.TB) []seed {
	v1 := func(pdu gosnmp.PDUType) []byte {
		p := &gosnmp.SnmpPacket{Version: gosnmp.Version1, Community: testCommunity, PDUType: pdu, RequestID: 3,
			Variables: []gosnmp.SnmpPDU{{Name: ".1.3.6.1.2.1.1.1.0", Type: gosnmp.Null}}}
		b, _ := p.MarshalMsg()
		return b
	}
	bulk := &gosnmp.SnmpPacket{Version: gosnmp.Version2c, Community: testCommunity, PDUType: gosnmp.GetBulkRequest,
		RequestID: 4, NonRepeaters: 1, MaxRepetitions: 10,
		Variables: []gosnmp.SnmpPDU{{Name: ".1.3.6.1.2.1.1", Type: gosnmp.Null}, {Name: ".1.3.6.1.4.1.1991.1.1.4.23", Type: gosnmp.Null}}}
	bulkRaw, _ := bulk.MarshalMsg()
	set := &gosnmp.SnmpPacket{Version: gosnmp.Version2c, Community: testCommunity, PDUType: gosnmp.SetRequest, RequestID: 5,
		Variables: []gosnmp.SnmpPDU{{Name: ".1.3.6.1.2.1.1.5.0", Type: gosnmp.OctetString, Value: "x"}}}
	setRaw, _ := set.MarshalMsg()
	return []seed{
		{"v1-get", v1(gosnmp.GetRequest), gosnmp.GetResponse},
		{"v1-getnext", v1(gosnmp.GetNextRequest), gosnmp.GetResponse},
		{"v2c-getnext", v2cPacket(t, gosnmp.GetNextRequest, ".1.3.6.1.4.1.32473"), gosnmp.GetResponse},
		{"v2c-getbulk", bulkRaw, gosnmp.GetResponse},
		{"v2c-set", setRaw, gosnmp.GetResponse},
		{"v3-discovery", discoverySeed(t), gosnmp.Report},
		{"v3-authpriv-sha-get", v3Seed(t, userSHA, AuthSHA1, gosnmp.AuthPriv, gosnmp.GetRequest), gosnmp.GetResponse},
		{"v3-authpriv-sha256-bulk", v3Seed(t, userSHA256, AuthSHA256, gosnmp.AuthPriv, gosnmp.GetBulkRequest), gosnmp.GetResponse},
		{"v3-authnopriv-get", v3Seed(t, userAuthOnly, AuthSHA1, gosnmp.AuthNoPriv, gosnmp.GetRequest), gosnmp.GetResponse},
		{"v3-low-level", v3Seed(t, userSHA, AuthSHA1, gosnmp.AuthNoPriv, gosnmp.GetRequest), gosnmp.Report},
		{"v3-unknown-user", v3Seed(t, "nobody", AuthSHA1, gosnmp.NoAuthNoPriv, gosnmp.GetRequest), gosnmp.Report},
	}
}

// TestSeedsAnswered proves the seed corpus reaches the deep paths (and
// exercises HandlePacket's v3 path with handcrafted manager messages).
func TestSeedsAnswered(t *testing.T) {
	a := handlerAgent(t, nil)
	for _, s := range seeds(t) {
		t.Run(s.name, func(t *testing.T) {
			out := a.HandlePacket(append([]byte(nil), s.pkt...), manager)
			if out == nil {
				t.Fatal("no answer")
			}
			var typ gosnmp.PDUType
			if v, _ := peekVersion(s.pkt); v == 3 { // read the PDU type through our parser
				m, ok := parseV3(out)
				if !ok {
					t.Fatal("answer does not parse")
				}
				r := m.data
				if sc, ok := r.tlv(0x30); ok && len(sc.b) > 0 {
					_, _ = sc.octets()
					_, _ = sc.octets()
					typ = gosnmp.PDUType(sc.b[0])
				} else {
					typ = gosnmp.GetResponse // encrypted: authPriv answers are responses
				}
			} else {
				typ = decodeResp(t, out).PDUType
			}
			if typ != s.want {
				t.Errorf("answer %v, want %v", typ, s.want)
			}
		})
	}
	if os.Getenv("SNMP_WRITE_CORPUS") != "" {
		dir := filepath.Join("testdata", "fuzz", "FuzzDecode")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, s := range seeds(t) {
			body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", s.pkt)
			if err := os.WriteFile(filepath.Join(dir, s.name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// FuzzDecode feeds raw datagrams to the request path: it must never
// panic, and an answer must never exceed the size limit.
func FuzzDecode(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(s.pkt)
	}
	a := handlerAgent(f, nil)
	f.Fuzz(func(t *testing.T, pkt []byte) {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("panic: %v", r)
			}
		}()
		out := a.handle(pkt, manager)
		if len(out) > DefaultMaxMessageSize {
			t.Fatalf("answer of %d bytes", len(out))
		}
	})
}
