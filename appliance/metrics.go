package appliance

import (
	"sipslb/slb/config"
	"sipslb/sys/metrics"
)

// configureHTTP makes the management HTTP server follow c's ip http
// settings: its address (or off) and who may log in.
func configureHTTP(s *metrics.Server, c *config.Config) {
	s.Configure(c.HTTP.ListenAddr())
	s.SetUsers(c.HTTPUsers())
}
