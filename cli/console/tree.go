package console

import (
	"strings"

	"github.com/carapace-sh/carapace"
	"github.com/spf13/cobra"
)

// noopName is the hidden command every accepted line is turned into once
// the daemon has run it. No typed word can reach it: the line hook replaces
// whatever was typed.
const noopName = "\x00sipslb-noop"

// commands builds the menu's cobra tree: one subcommand per word valid at
// the start of a line in the daemon's current mode, each completing its
// further words by asking the daemon about the whole line.
func (s *session) commands() *cobra.Command {
	root := &cobra.Command{
		Use:                "sipslb",
		SilenceErrors:      true,
		SilenceUsage:       true,
		DisableFlagParsing: true,
		CompletionOptions:  cobra.CompletionOptions{DisableDefaultCmd: true},
		Run:                func(*cobra.Command, []string) {},
	}
	// cobra would add its own "help" command; the daemon's grammar is the
	// only source of words.
	root.SetHelpCommand(&cobra.Command{Use: "\x00sipslb-help", Hidden: true})
	root.AddCommand(&cobra.Command{
		Use:                noopName,
		Hidden:             true,
		DisableFlagParsing: true,
		Run:                func(*cobra.Command, []string) {},
	})
	seen := map[string]bool{}
	for _, it := range s.complete("") {
		if seen[it.Word] || it.Word == "" || strings.HasPrefix(it.Word, "-") {
			continue
		}
		seen[it.Word] = true
		sub := &cobra.Command{
			Use:                it.Word,
			Short:              it.Help,
			DisableFlagParsing: true,
			Run:                func(*cobra.Command, []string) {},
		}
		root.AddCommand(sub)
		word := it.Word
		carapace.Gen(sub).PositionalAnyCompletion(carapace.ActionCallback(
			func(ctx carapace.Context) carapace.Action {
				return s.completeAction(append([]string{word}, ctx.Args...), ctx.Value)
			}))
	}
	return root
}

// completeAction lists the daemon's completions for partial after words.
func (s *session) completeAction(words []string, partial string) carapace.Action {
	line := rebuild(words) + " " + partial
	items := s.complete(line)
	vals := make([]string, 0, 2*len(items))
	for _, it := range items {
		vals = append(vals, it.Word, it.Help)
	}
	return carapace.ActionValuesDescribed(vals...)
}
