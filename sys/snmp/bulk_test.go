package snmp

import (
	"bytes"
	"testing"

	"github.com/gosnmp/gosnmp"
)

// craftBulk is a v2c GetBulk on names whose non-repeaters and
// max-repetitions fields hold the given one-octet two's complement values
// (0xff is -1), which gosnmp cannot encode.
func craftBulk(t *testing.T, nonRep, maxRep byte, names ...string) []byte {
	t.Helper()
	p := &gosnmp.SnmpPacket{Version: gosnmp.Version2c, Community: testCommunity, PDUType: gosnmp.GetBulkRequest,
		RequestID: 77, NonRepeaters: 0x55, MaxRepetitions: 0x66}
	for _, n := range names {
		p.Variables = append(p.Variables, gosnmp.SnmpPDU{Name: n, Type: gosnmp.Null})
	}
	raw, err := p.MarshalMsg()
	if err != nil {
		t.Fatal(err)
	}
	marker := []byte{0x02, 0x01, 0x55, 0x02, 0x01, 0x66}
	i := bytes.Index(raw, marker)
	if i < 0 || bytes.Count(raw, marker) != 1 {
		t.Fatalf("cannot find the bulk fields in %x", raw)
	}
	raw[i+2], raw[i+5] = nonRep, maxRep
	return raw
}

// TestGetBulkNegativeFields: RFC 3416 4.2.3 takes a negative
// non-repeaters or max-repetitions as 0. gosnmp's decoder turns -1 into
// 255 non-repeaters and 2^31-1 repetitions, which made a one-varbind
// GetBulk with max-repetitions -1 walk the MIB until the size limit.
func TestGetBulkNegativeFields(t *testing.T) {
	a := handlerAgent(t, nil)
	const sysDescr, sysName = ".1.3.6.1.2.1.1.1", ".1.3.6.1.2.1.1.5"
	for _, tc := range []struct {
		name           string
		nonRep, maxRep byte
		names          []string
		want           int // varbinds in the answer
	}{
		{"max-repetitions -1", 0x00, 0xff, []string{sysDescr}, 0},
		{"both -1", 0xff, 0xff, []string{sysDescr, sysName}, 0},
		{"non-repeaters -1, max-repetitions 2", 0xff, 0x02, []string{sysDescr}, 2},
		{"non-repeaters 1, max-repetitions -128", 0x01, 0x80, []string{sysDescr, sysName}, 1},
		{"control: 1 and 3", 0x01, 0x03, []string{sysDescr, sysName}, 4},
	} {
		r := decodeResp(t, a.HandlePacket(craftBulk(t, tc.nonRep, tc.maxRep, tc.names...), manager))
		if r.Error != gosnmp.NoError || len(r.Variables) != tc.want {
			t.Errorf("%s: error %v, %d varbinds %v, want %d", tc.name, r.Error, len(r.Variables), r.Variables, tc.want)
		}
	}
}
