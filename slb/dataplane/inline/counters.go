package inline

import "sipslb/slb/dataplane/udpsip"

// Counters are the frame-level counters of one direction (one leg).
type Counters = udpsip.FrameCounters
