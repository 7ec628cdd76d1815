package engine

import (
	"errors"
	"fmt"

	"sipslb/slb/config"
)

// inlineCheck refuses enabled inline ports: the inline data path
// (slb/dataplane/inline) translates frames, but no link feeds it yet
// (docs/inline.md, Status). Without this refusal such a port would be
// served as a proxy port, which rewrites the SIP headers inline mode
// promises to leave alone.
func inlineCheck(c *config.Config) error {
	var errs []error
	for _, v := range c.Virtuals {
		if v.Disabled {
			continue
		}
		for _, p := range v.Ports {
			if p.Inline {
				errs = append(errs, fmt.Errorf("server virtual %s port %s inline: inline mode is not available in this release (docs/inline.md)", v.Name, config.PortName(p.Port)))
			}
		}
	}
	return errors.Join(errs...)
}
