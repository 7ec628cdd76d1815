// Package parse is the IOS-style line matcher behind the ServerIron CLI:
// a grammar of keyword and argument nodes, unique-prefix abbreviation
// ("sh run"), "?" help listings, Tab completion candidates and errors that
// point at the offending word with a caret.
//
// It knows nothing about SIP or the appliance; cli/commands builds the
// grammar. A grammar is read-only once built and safe for concurrent use.
package parse
