package udpsip

import (
	"net/netip"

	"sipslb/slb/hash"
	"sipslb/slb/pool"
	"sipslb/slb/reason"
	"sipslb/slb/sip"
	"sipslb/slb/stats"
)

// FromMsg is the head of a whole message that sip.Scan read from payload
// with result r. ok is false when the message is to be dropped for r.
// A CRLF keepalive has no Call-ID: the client's address picks the server.
func FromMsg(m *sip.Msg, payload []byte, r reason.Reason) (h Head, ok bool) {
	switch r {
	case reason.OK:
		return Head{Request: m.Request, Status: m.Status, Method: m.Method, CSeqMethod: m.CSeqMethod, CallID: m.CallID.Bytes(payload)}, true
	case reason.Keepalive:
		return Head{Request: true}, true
	}
	return Head{}, false
}

// Route counts the message on its VIP port's shard sh and asks the one
// routing decision (pool.State.Route) where the message h from src goes,
// as proxy mode does. A client's response (to a server's request) follows
// its dialog's server and writes nothing. A decision with a server is
// applied (dialog entry, dialog counters); without one, d.Reason says why
// and the caller counts the drop. The caller counts a forwarded request
// on the server (Server.Stats.Requests) once it is sent on.
func Route(st *pool.State, vp *pool.VPort, sh *stats.Shard, h *Head, src netip.AddrPort, now int64) pool.Decision {
	if h.Request {
		sh.Request(h.Method)
	} else {
		sh.Response(h.Status)
	}
	q := pool.Query{Src: src, Method: h.Method, Response: !h.Request, NoCallID: h.CallID == nil}
	if !h.Request {
		q.Method = h.CSeqMethod
	}
	if !q.NoCallID {
		q.CallKey = hash.Key(h.CallID)
	}
	d := st.Route(vp, &q, now)
	if d.Server != nil {
		st.Apply(&d, sh)
	}
	return d
}
