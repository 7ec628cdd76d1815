package commands

import (
	"fmt"
	"net/netip"
	"strconv"

	"sipslb/cli/parse"
	"sipslb/slb/config"
)

// Argument kinds of the grammar. Each Check explains a refusal in words an
// operator can act on; the caret already says where.

func nameArg(label string, values func() []string) *parse.Arg {
	return &parse.Arg{Name: label, Values: values, Check: func(s string) error {
		if !config.ValidName(s) {
			return fmt.Errorf("a name is 1-32 letters, digits, _ . : -")
		}
		return nil
	}}
}

var ipArg = &parse.Arg{Name: "A.B.C.D|X:X::X", Check: func(s string) error {
	if _, err := netip.ParseAddr(s); err != nil {
		return fmt.Errorf("%q is not an IPv4 or IPv6 address", s)
	}
	return nil
}}

// portArg reads a SIP port: the name "sip" (5060) or a number.
func portArg(label string) *parse.Arg {
	return &parse.Arg{Name: label, Values: func() []string { return []string{"sip"} }, Check: func(s string) error {
		_, err := parsePort(s)
		return err
	}}
}

func parsePort(s string) (uint16, error) {
	if s == "sip" {
		return config.SIPPort, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("a port is sip or 1-65535")
	}
	return uint16(n), nil
}

func intArg(label string, lo, hi int) *parse.Arg {
	return &parse.Arg{Name: label, Check: func(s string) error {
		n, err := strconv.Atoi(s)
		if err != nil || n < lo || n > hi {
			return fmt.Errorf("a number from %d to %d", lo, hi)
		}
		return nil
	}}
}

var hostnameArg = &parse.Arg{Name: "NAME", Check: func(s string) error {
	if !config.ValidHostname(s) {
		return fmt.Errorf("a hostname is letters, digits and inner hyphens, at most 63")
	}
	return nil
}}

var durationArg = &parse.Arg{Name: "SECONDS|Nms", Check: func(s string) error {
	_, err := config.ParseDuration(s)
	return err
}}

var codesArg = &parse.Arg{Name: "CODES", Check: func(s string) error {
	_, err := config.ParseCodes(s)
	return err
}}

var uriArg = &parse.Arg{Name: "URI", Check: func(s string) error {
	if len(s) < 5 || (s[:4] != "sip:" && (len(s) < 5 || s[:5] != "sips:")) {
		return fmt.Errorf("an address-of-record such as sip:keepalive@example.com")
	}
	return nil
}}

var anyArg = &parse.Arg{Name: "WORD"}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

func port(s string) uint16 { p, _ := parsePort(s); return p }
