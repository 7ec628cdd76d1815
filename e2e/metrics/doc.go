// Package metrics tests the Prometheus endpoint end to end: the real
// sipslb, two SIPp UAS behind a VIP, a SIPp UAC placing calls, and a real
// Prometheus server (Debian's prometheus) scraping /metrics every second
// during the run, logging in as a read-only user (ip http authentication
// local). After the run, the per-real-server request totals that
// Prometheus stored must equal `show server real` exactly, and promtool
// must accept the exposition.
//
// Address block 127.78.0.0/24 is this package's own: .1 the UAC, .11 and
// .12 the UAS, .100 the VIP and the management HTTP server, .2 the
// Prometheus server.
package metrics
