package daemon

import "sipslb/slb/config"

// runningHTTP is the HTTP server's address under the engine's running
// config, "" (stopped) before the first config is applied.
func runningHTTP(c *config.Config) string {
	if c == nil {
		return ""
	}
	return c.HTTP.ListenAddr()
}
