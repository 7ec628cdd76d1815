package pool

import (
	"sipslb/slb/dialog"
	"sipslb/slb/reason"
)

// rehashTries is how many alternative table slots a pick tries when the
// owner of the key is at max-conn, before walking the group in order.
const rehashTries = 4

// NoServer is a dialog-table id no server has: pick(k, dt, NoServer)
// avoids nobody.
const NoServer = ^uint32(0)

// pick returns the server that takes key in g, and owner, the server the
// table names for key (nil when g is empty). A server whose dialog count
// (in dt) has reached its max-conn gets no new Call-IDs: the pick moves on
// to the owners of rehashed keys, then to the first server with room, so
// the overflow of a full server spreads like its Call-IDs. The server with
// dialog-table id avoid (a dialog's server it was lost with) is passed
// over like a full one, even when it is back and owns the key again; if it
// is the only server with room it is taken all the same (it answers for
// itself that the dialog is gone). The reason is reason.NoServer for an
// empty group and reason.MaxConn when every server is full. dt may be nil
// (stateless port, sip-switch off): max-conn is then not enforced, since
// there are no dialogs to count.
func (g *Group) pick(key uint64, dt *dialog.Table, avoid uint32) (s, owner *Server, why reason.Reason) {
	i := g.Table.Lookup(key)
	if i < 0 {
		return nil, nil, reason.NoServer
	}
	owner = g.Servers[i]
	if owner.ID != avoid && room(owner, dt) {
		return owner, owner, reason.OK
	}
	k := key
	for range rehashTries {
		k = mix(k)
		if c := g.Servers[g.Table.Lookup(k)]; c.ID != avoid && room(c, dt) {
			return c, owner, reason.OK
		}
	}
	for j := 1; j < len(g.Servers); j++ {
		if c := g.Servers[(i+j)%len(g.Servers)]; c.ID != avoid && room(c, dt) {
			return c, owner, reason.OK
		}
	}
	if avoid != NoServer {
		for _, c := range g.Servers {
			if c.ID == avoid && room(c, dt) {
				return c, owner, reason.OK
			}
		}
	}
	return nil, owner, reason.MaxConn
}

// room: s may take a new Call-ID (dt nil: max-conn not enforced).
func room(s *Server, dt *dialog.Table) bool { return dt == nil || !full(s, dt) }

func full(s *Server, dt *dialog.Table) bool {
	return s.MaxConn > 0 && dt.CountFor(s.ID) >= s.MaxConn
}

// mix is the splitmix64 finaliser: a fresh, well-mixed key from a key.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// Share is the fraction of new Call-IDs s receives in g (0 if not in g).
func (g *Group) Share(s *Server) float64 {
	for i, c := range g.Servers {
		if c == s {
			return g.Table.Share(i)
		}
	}
	return 0
}
