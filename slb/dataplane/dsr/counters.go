package dsr

import "sipslb/slb/dataplane/udpsip"

// Counters are the frame-level counters of one data interface.
type Counters = udpsip.FrameCounters
