// Package pool turns the config and the health state into the routing
// state the data path reads: per VIP port, the bound real ports, and for
// each method group (proxy, registrar, and "any" for sip-switch off) the
// eligible servers with their weighted Maglev table; and it decides, in
// one place, where a client's message goes (State.Route, route.go): proxy
// mode, DSR mode and `show sip hash` all ask it.
//
// Invariants:
//   - A State is immutable once built; the engine publishes it through one
//     atomic pointer and rebuilds it, off the hot path, on every Apply and
//     every health event. Lookups (VPort.Bound, State.Route) never allocate.
//   - Eligible for new Call-IDs = bound to the VIP port, real server
//     enabled, weight > 0, health Up/Unknown (or keepalive off), and the
//     port's role serving the group. A server that is bound but not
//     eligible (disabled, weight 0, at max-conn) still keeps its
//     established dialogs: VPort.Bound finds it by dialog-table id.
//   - Server ids (the dialog table's server slots) and counters belong to
//     a (real name, port) pair and survive rebuilds; an id is reused only
//     after its last dialog-table entry is gone, so a stale entry never
//     sends a call to a different server.
//   - Route only reads; the data paths write its decision with
//     State.Apply (show sip hash does not). They pin dialogs only through
//     Pin, which counts the
//     dialogs placed (slb/stats doc.go); State.SamplePeaks keeps the
//     dialog peaks. Neither allocates.
package pool
