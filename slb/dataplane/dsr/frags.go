package dsr

import (
	"sipslb/slb/dataplane/udpsip"
	"sipslb/slb/pool"
)

// FragTTL is how long a first fragment's choice holds (udpsip.FragTTL).
const FragTTL = udpsip.FragTTL

// fragDest is what later fragments of a datagram follow: the MAC its first
// fragment went to.
type fragDest struct {
	mac MAC
	vp  *pool.VPort
}
