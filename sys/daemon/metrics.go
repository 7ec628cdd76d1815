package daemon

import (
	"sipslb/slb/config"
	"sipslb/sys/metrics"
)

// configureHTTP makes the management HTTP server follow c's ip http
// settings: stopped before the first config is applied (c nil).
func configureHTTP(s *metrics.Server, c *config.Config) error {
	if c == nil {
		s.SetUsers(nil)
		return s.Configure("")
	}
	if err := s.Configure(c.HTTP.ListenAddr()); err != nil {
		return err
	}
	s.SetUsers(c.HTTPUsers())
	return nil
}
