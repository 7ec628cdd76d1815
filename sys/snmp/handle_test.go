package snmp

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/gosnmp/gosnmp"
)

var manager = netip.MustParseAddrPort("127.88.250.1:40000")

func v2cPacket(t testing.TB, pdu gosnmp.PDUType, oids ...string) []byte {
	t.Helper()
	p := &gosnmp.SnmpPacket{Version: gosnmp.Version2c, Community: testCommunity, PDUType: pdu, RequestID: 7}
	for _, o := range oids {
		p.Variables = append(p.Variables, gosnmp.SnmpPDU{Name: o, Type: gosnmp.Null})
	}
	b, err := p.MarshalMsg()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decodeResp(t *testing.T, b []byte) *gosnmp.SnmpPacket {
	t.Helper()
	if b == nil {
		t.Fatal("no response")
	}
	d := gosnmp.GoSNMP{Version: gosnmp.Version2c}
	p, err := d.SnmpDecodePacket(b)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// handlerAgent is an agent that is configured (enabled) but whose packets
// the test feeds to HandlePacket directly.
func handlerAgent(t testing.TB, mutate func(*Config)) *Agent {
	t.Helper()
	a, err := New(Options{StateDir: t.TempDir(), Source: SourceFunc(fakeView), EngineID: []byte("\x80\x00\x7e\xd9\x05fuzz-engine")})
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(netip.MustParseAddrPort("127.88.250.2:16161")) // never bound
	if mutate != nil {
		mutate(&cfg)
	}
	st, err := a.compile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	a.st.Store(st) // enabled without a socket
	return a
}

func TestExceptions(t *testing.T) {
	a := handlerAgent(t, nil)
	for _, tc := range []struct {
		name string
		pdu  gosnmp.PDUType
		oid  string
		want gosnmp.Asn1BER
		next string // expected name for GetNext
	}{
		{"scalar", gosnmp.GetRequest, ".1.3.6.1.2.1.1.5.0", gosnmp.OctetString, ""},
		{"scalar without .0", gosnmp.GetRequest, ".1.3.6.1.2.1.1.5", gosnmp.NoSuchInstance, ""},
		{"scalar .1", gosnmp.GetRequest, ".1.3.6.1.2.1.1.5.1", gosnmp.NoSuchInstance, ""},
		{"unregistered", gosnmp.GetRequest, ".1.3.6.1.2.1.2.1.0", gosnmp.NoSuchObject, ""},
		{"table no row", gosnmp.GetRequest, ".1.3.6.1.4.1.1991.1.1.4.19.1.1.2.10.0.0.1", gosnmp.NoSuchInstance, ""},
		{"table bad column", gosnmp.GetRequest, ".1.3.6.1.4.1.1991.1.1.4.24.1.1.11.192.0.2.11.5060", gosnmp.NoSuchObject, ""},
		{"table cell", gosnmp.GetRequest, ".1.3.6.1.4.1.1991.1.1.4.19.1.1.2.192.0.2.12", gosnmp.OctetString, ""},
		{"next into table", gosnmp.GetNextRequest, ".1.3.6.1.4.1.1991.1.1.4.19", gosnmp.IPAddress, ".1.3.6.1.4.1.1991.1.1.4.19.1.1.1.192.0.2.11"},
		{"next across column", gosnmp.GetNextRequest, ".1.3.6.1.4.1.1991.1.1.4.19.1.1.1.192.0.2.12", gosnmp.OctetString, ".1.3.6.1.4.1.1991.1.1.4.19.1.1.2.192.0.2.11"},
		{"next skips missing column", gosnmp.GetNextRequest, ".1.3.6.1.4.1.1991.1.1.4.24.1.1.10.192.0.2.12.5060", gosnmp.Integer, ".1.3.6.1.4.1.1991.1.1.4.24.1.1.13.192.0.2.11.5060"},
		{"next from before everything", gosnmp.GetNextRequest, ".1.3", gosnmp.OctetString, ".1.3.6.1.2.1.1.1.0"},
		{"next past the end", gosnmp.GetNextRequest, ".1.3.6.1.6.3.15.1.1.6.0", gosnmp.EndOfMibView, ".1.3.6.1.6.3.15.1.1.6.0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := decodeResp(t, a.HandlePacket(v2cPacket(t, tc.pdu, tc.oid), manager))
			if r.Error != gosnmp.NoError || len(r.Variables) != 1 {
				t.Fatalf("error %v, %d varbinds", r.Error, len(r.Variables))
			}
			vb := r.Variables[0]
			if vb.Type != tc.want {
				t.Errorf("type %v, want %v", vb.Type, tc.want)
			}
			if tc.next != "" && vb.Name != tc.next {
				t.Errorf("name %s, want %s", vb.Name, tc.next)
			}
		})
	}
}

func TestTooBig(t *testing.T) {
	a := handlerAgent(t, func(c *Config) {
		c.MaxMessageSize = minMessageSize
		c.Descr = strings.Repeat("d", 200)
	})
	r := decodeResp(t, a.HandlePacket(v2cPacket(t, gosnmp.GetRequest, ".1.3.6.1.2.1.1.1.0", ".1.3.6.1.2.1.1.1.0", ".1.3.6.1.2.1.1.1.0"), manager))
	if r.Error != gosnmp.TooBig || len(r.Variables) != 0 {
		t.Errorf("get over the limit: error %v with %d varbinds, want tooBig and none", r.Error, len(r.Variables))
	}
	if a.Stats().OutTooBigs.Load() != 1 {
		t.Errorf("snmpOutTooBigs = %d", a.Stats().OutTooBigs.Load())
	}

	bulk := &gosnmp.SnmpPacket{Version: gosnmp.Version2c, Community: testCommunity, PDUType: gosnmp.GetBulkRequest,
		RequestID: 9, NonRepeaters: 0, MaxRepetitions: 200,
		Variables: []gosnmp.SnmpPDU{{Name: ".1.3.6.1.2.1.11", Type: gosnmp.Null}}}
	raw, _ := bulk.MarshalMsg()
	out := a.HandlePacket(raw, manager)
	if len(out) > minMessageSize {
		t.Errorf("bulk response %d bytes, limit %d", len(out), minMessageSize)
	}
	r = decodeResp(t, out)
	if r.Error != gosnmp.NoError || len(r.Variables) < 10 || len(r.Variables) >= 200 {
		t.Errorf("bulk: error %v, %d varbinds: want a truncated, non-empty answer", r.Error, len(r.Variables))
	}
	for i := 1; i < len(r.Variables); i++ {
		p, _ := ParseOID(r.Variables[i-1].Name)
		q, _ := ParseOID(r.Variables[i].Name)
		if p.Compare(q) >= 0 {
			t.Fatalf("bulk out of order at %d: %s then %s", i, p, q)
		}
	}
}

func TestGetBulkEndOfMib(t *testing.T) {
	a := handlerAgent(t, nil)
	bulk := &gosnmp.SnmpPacket{Version: gosnmp.Version2c, Community: testCommunity, PDUType: gosnmp.GetBulkRequest,
		RequestID: 9, NonRepeaters: 1, MaxRepetitions: 5,
		Variables: []gosnmp.SnmpPDU{
			{Name: ".1.3.6.1.2.1.1.4", Type: gosnmp.Null},
			{Name: ".1.3.6.1.6.3.15.1.1.5.0", Type: gosnmp.Null},
		}}
	raw, _ := bulk.MarshalMsg()
	r := decodeResp(t, a.HandlePacket(raw, manager))
	var got []string
	for _, v := range r.Variables {
		got = append(got, v.Name+"/"+v.Type.String())
	}
	want := []string{
		".1.3.6.1.2.1.1.4.0/OctetString",
		".1.3.6.1.6.3.15.1.1.6.0/Counter32",
		".1.3.6.1.6.3.15.1.1.6.0/EndOfMibView",
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

func TestDisabledAgentIsSilent(t *testing.T) {
	a := handlerAgent(t, func(c *Config) { c.Enabled = false })
	if out := a.HandlePacket(v2cPacket(t, gosnmp.GetRequest, ".1.3.6.1.2.1.1.5.0"), manager); out != nil {
		t.Error("disabled agent answered")
	}
}

func TestBadVersionAndGarbage(t *testing.T) {
	a := handlerAgent(t, nil)
	for _, tc := range []struct {
		name string
		pkt  []byte
	}{
		{"empty", nil},
		{"not a sequence", []byte{0x02, 0x01, 0x01}},
		{"truncated", []byte{0x30, 0x10, 0x02, 0x01}},
		{"version 2", []byte{0x30, 0x03, 0x02, 0x01, 0x02}},
	} {
		if out := a.HandlePacket(tc.pkt, manager); out != nil {
			t.Errorf("%s: answered", tc.name)
		}
	}
	if a.Stats().InBadVersions.Load() != 1 || a.Stats().InASNParseErrs.Load() != 3 {
		t.Errorf("badVersions=%d parseErrs=%d, want 1 and 3", a.Stats().InBadVersions.Load(), a.Stats().InASNParseErrs.Load())
	}
}

// TestDecryptionError: right auth key, wrong priv key. The scoped PDU
// decrypts to garbage, which is a decryption error with a Report.
func TestDecryptionError(t *testing.T) {
	a := handlerAgent(t, nil)
	out := a.HandlePacket(v3SeedPriv(t, userSHA, AuthSHA1, gosnmp.AuthPriv, gosnmp.GetRequest, "wrong-priv-pass"), manager)
	if out == nil {
		t.Fatal("no report")
	}
	if got := a.Stats().UsmDecryptionErrors.Load(); got != 1 {
		t.Errorf("usmStatsDecryptionErrors = %d, want 1", got)
	}
	m, ok := parseV3(out)
	if !ok || m.flags&(flagAuth|flagPriv) != 0 {
		t.Fatalf("report must be a parseable noAuthNoPriv message (ok=%v flags=%x)", ok, m.flags)
	}
	if !strings.Contains(string(out), string(mustOIDBytes(t, usmStatsOID.Append(6, 0)))) {
		t.Error("report does not carry usmStatsDecryptionErrors.0")
	}
}

// mustOIDBytes is the BER content of o, to find it in a message.
func mustOIDBytes(t *testing.T, o OID) []byte {
	t.Helper()
	p := &gosnmp.SnmpPacket{Version: gosnmp.Version2c, PDUType: gosnmp.GetRequest,
		Variables: []gosnmp.SnmpPDU{{Name: o.String(), Type: gosnmp.Null}}}
	b, err := p.MarshalMsg()
	if err != nil {
		t.Fatal(err)
	}
	// ... 06 len <oid> 05 00: the OID content sits just before the Null.
	n := len(b) - 2
	l := o.berLen()
	return b[n-l : n]
}
