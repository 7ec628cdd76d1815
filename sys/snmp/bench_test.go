package snmp

import (
	"testing"

	"github.com/gosnmp/gosnmp"
)

// The agent is not on the SIP hot path; these measure what one manager
// request costs (allocations included) so regressions show.
func benchHandle(b *testing.B, pkt []byte) {
	a := handlerAgent(b, nil)
	buf := make([]byte, len(pkt))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		copy(buf, pkt) // the v3 path zeroes the MAC in place
		if a.HandlePacket(buf, manager) == nil {
			b.Fatal("no answer")
		}
	}
}

func BenchmarkGetNextV2c(b *testing.B) {
	benchHandle(b, v2cPacket(b, gosnmp.GetNextRequest, ".1.3.6.1.4.1.1991.1.1.4.23.1.1.8"))
}

func BenchmarkGetBulkV2c(b *testing.B) {
	bulk := &gosnmp.SnmpPacket{Version: gosnmp.Version2c, Community: testCommunity, PDUType: gosnmp.GetBulkRequest,
		RequestID: 4, MaxRepetitions: 25, Variables: []gosnmp.SnmpPDU{{Name: ".1.3.6.1.4.1.1991.1.1.4.23", Type: gosnmp.Null}}}
	raw, _ := bulk.MarshalMsg()
	benchHandle(b, raw)
}

func BenchmarkGetV3AuthPriv(b *testing.B) {
	benchHandle(b, v3Seed(b, userSHA, AuthSHA1, gosnmp.AuthPriv, gosnmp.GetRequest))
}
