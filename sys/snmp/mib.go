package snmp

import (
	"math"
	"slices"
	"sort"

	"github.com/gosnmp/gosnmp"
)

// value is one object instance's value. typ 0 (EndOfContents) marks a cell
// that does not exist in its row.
type value struct {
	typ gosnmp.Asn1BER
	v   any
}

func integer(i int) value {
	return value{gosnmp.Integer, max(min(i, math.MaxInt32), math.MinInt32)}
}
func counter32(u uint64) value { return value{gosnmp.Counter32, uint32(u)} }
func gauge32(u uint32) value   { return value{gosnmp.Gauge32, u} }
func counter64(u uint64) value { return value{gosnmp.Counter64, u} }
func octets(s string) value    { return value{gosnmp.OctetString, s} }
func bytesVal(b []byte) value  { return value{gosnmp.OctetString, b} }
func timeticks(t uint32) value { return value{gosnmp.TimeTicks, t} }
func oidVal(o OID) value       { return value{gosnmp.ObjectIdentifier, o.String()} }
func ipVal(a [4]byte) value    { return value{gosnmp.IPAddress, a[:]} }

// reqCtx carries what one request PDU sees: one snapshot and the tables
// built from it (lazily, at most once each).
type reqCtx struct {
	a    *Agent
	view *View
	v1   bool
	rows map[*table][]row
	// pdu is the request PDU as received (its TLV), for the fields
	// gosnmp's decoder does not keep faithfully (GetBulk's signed
	// non-repeaters and max-repetitions).
	pdu []byte
}

func (rc *reqCtx) tableRows(t *table) []row {
	if r, ok := rc.rows[t]; ok {
		return r
	}
	if rc.rows == nil {
		rc.rows = make(map[*table][]row)
	}
	r := t.build(rc)
	sort.Slice(r, func(i, j int) bool { return r[i].idx.Compare(r[j].idx) < 0 })
	// Duplicate indexes (two servers with one IP) would break GetNext
	// order; the first one wins.
	r = slices.CompactFunc(r, func(a, b row) bool { return a.idx.Compare(b.idx) == 0 })
	rc.rows[t] = r
	return r
}

// node is a registered subtree: a scalar or a table.
type node interface {
	root() OID
	// get answers an exact instance under root.
	get(rc *reqCtx, o OID) (value, gosnmp.Asn1BER)
	// next returns the first instance strictly after o in this subtree.
	next(rc *reqCtx, o OID) (OID, value, bool)
	// objects lists the object OIDs defined (for the MIB agreement test).
	objects() []OID
}

type scalar struct {
	oid OID
	fn  func(rc *reqCtx) value
}

func (s *scalar) root() OID      { return s.oid }
func (s *scalar) objects() []OID { return []OID{s.oid} }

func (s *scalar) get(rc *reqCtx, o OID) (value, gosnmp.Asn1BER) {
	if len(o) == len(s.oid)+1 && o[len(s.oid)] == 0 {
		v := s.fn(rc)
		if rc.v1 && v.typ == gosnmp.Counter64 {
			return value{}, gosnmp.NoSuchObject
		}
		return v, 0
	}
	return value{}, gosnmp.NoSuchInstance
}

func (s *scalar) next(rc *reqCtx, o OID) (OID, value, bool) {
	inst := s.oid.Append(0)
	if o.Compare(inst) >= 0 {
		return nil, value{}, false
	}
	v := s.fn(rc)
	if rc.v1 && v.typ == gosnmp.Counter64 {
		return nil, value{}, false
	}
	return inst, v, true
}

// row is one conceptual row: its index arcs and one cell per column (in
// the table's column order).
type row struct {
	idx   OID
	cells []value
}

// table is a conceptual table; oid is the entry OID (table.1).
type table struct {
	oid   OID
	cols  []uint32 // ascending column ids
	build func(rc *reqCtx) []row
}

func (t *table) root() OID { return t.oid }

func (t *table) objects() []OID {
	r := make([]OID, len(t.cols))
	for i, c := range t.cols {
		r[i] = t.oid.Append(c)
	}
	return r
}

func (t *table) col(id uint32) int {
	for i, c := range t.cols {
		if c == id {
			return i
		}
	}
	return -1
}

func (t *table) get(rc *reqCtx, o OID) (value, gosnmp.Asn1BER) {
	if len(o) <= len(t.oid) {
		return value{}, gosnmp.NoSuchObject
	}
	ci := t.col(o[len(t.oid)])
	if ci < 0 {
		return value{}, gosnmp.NoSuchObject
	}
	idx := o[len(t.oid)+1:]
	rows := rc.tableRows(t)
	i := sort.Search(len(rows), func(i int) bool { return rows[i].idx.Compare(idx) >= 0 })
	if i == len(rows) || rows[i].idx.Compare(idx) != 0 {
		return value{}, gosnmp.NoSuchInstance
	}
	v := rows[i].cells[ci]
	if v.typ == 0 || (rc.v1 && v.typ == gosnmp.Counter64) {
		return value{}, gosnmp.NoSuchInstance
	}
	return v, 0
}

func (t *table) next(rc *reqCtx, o OID) (OID, value, bool) {
	var startCol uint32
	var after OID // rows with idx > after in startCol; nil = from the first row
	if o.HasPrefix(t.oid) && len(o) > len(t.oid) {
		startCol = o[len(t.oid)]
		after = o[len(t.oid)+1:]
	} else if o.Compare(t.oid) > 0 {
		return nil, value{}, false
	}
	rows := rc.tableRows(t)
	for ci, c := range t.cols {
		if c < startCol {
			continue
		}
		i := 0
		if c == startCol && after != nil {
			i = sort.Search(len(rows), func(i int) bool { return rows[i].idx.Compare(after) > 0 })
		}
		for ; i < len(rows); i++ {
			v := rows[i].cells[ci]
			if v.typ == 0 || (rc.v1 && v.typ == gosnmp.Counter64) {
				continue
			}
			return t.oid.Append(c).Append(rows[i].idx...), v, true
		}
	}
	return nil, value{}, false
}

// registry is the agent's MIB: non-overlapping subtrees in OID order.
type registry struct {
	nodes []node
}

func (r *registry) add(n ...node) {
	r.nodes = append(r.nodes, n...)
	sort.Slice(r.nodes, func(i, j int) bool { return r.nodes[i].root().Compare(r.nodes[j].root()) < 0 })
}

// get answers one Get varbind; exc is NoSuchObject/NoSuchInstance or 0.
func (r *registry) get(rc *reqCtx, o OID) (value, gosnmp.Asn1BER) {
	for _, n := range r.nodes {
		if o.HasPrefix(n.root()) {
			return n.get(rc, o)
		}
	}
	return value{}, gosnmp.NoSuchObject
}

// next answers one GetNext varbind; ok false means endOfMibView.
func (r *registry) next(rc *reqCtx, o OID) (OID, value, bool) {
	i := sort.Search(len(r.nodes), func(i int) bool {
		root := r.nodes[i].root()
		return o.Compare(root) < 0 || o.HasPrefix(root)
	})
	for ; i < len(r.nodes); i++ {
		if no, v, ok := r.nodes[i].next(rc, o); ok {
			return no, v, true
		}
	}
	return nil, value{}, false
}

// objectOIDs lists every object the registry defines, sorted.
func (r *registry) objectOIDs() []OID {
	var out []OID
	for _, n := range r.nodes {
		out = append(out, n.objects()...)
	}
	return out
}
