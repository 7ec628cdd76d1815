// Package inline tests inline mode (docs/inline.md) with the real binary
// in network namespaces built by scripts/netns-inline.sh: SIPp callers on
// an outside segment, sipslb with an outside and an inside leg, three SIPp
// servers on an inside bridge whose default gateway is sipslb. Root only.
package inline
