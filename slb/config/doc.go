// Package config is the one configuration model of the appliance: the CLI
// edits it, persistence renders and replays it (through the CLI), the data
// path and health checks are built from it, and SNMP reports it.
//
// A *Config is treated as immutable once handed to the engine: every change
// is made on a Clone, checked with Validate and then swapped in whole, so a
// reader never sees a half-applied edit. The package imports no other project
// package.
package config
