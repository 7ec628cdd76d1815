// Command sipslb is the SIP server load balancer appliance: one binary with
// the daemon (`sipslb boot`), the CLI that attaches to it (`sipslb cli`) and
// an offline config checker (`sipslb check-config`). This file only wires
// packages together.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/term"

	"sipslb/appliance"
	"sipslb/cli/batch"
	"sipslb/cli/commands"
	"sipslb/cli/console"
	"sipslb/cli/ctl"
)

var version = "dev"

const usage = `usage:
  sipslb boot [--state-dir DIR]                 run the appliance daemon (foreground)
  sipslb cli [--state-dir DIR] [-c LINE]...     open the CLI on the running daemon
  sipslb check-config FILE                      validate a config file offline
  sipslb version
The state directory defaults to ` + appliance.DefaultStateDir + `.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(batch.ExitUsage)
	}
	cmd, args := os.Args[1], os.Args[2:]
	switch cmd {
	case "boot":
		os.Exit(boot(args))
	case "cli":
		os.Exit(cli(args))
	case "check-config":
		os.Exit(checkConfig(args))
	case "version", "--version":
		fmt.Println("sipslb", version)
	case "help", "-h", "--help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "sipslb: unknown command %q\n%s", cmd, usage)
		os.Exit(batch.ExitUsage)
	}
}

func boot(args []string) int {
	fs := flag.NewFlagSet("boot", flag.ContinueOnError)
	dir := fs.String("state-dir", appliance.DefaultStateDir, "state directory (startup-config, keys, control socket)")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return batch.ExitUsage
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := appliance.Run(context.Background(), appliance.Options{StateDir: *dir, Version: version, Log: log}); err != nil {
		log.Error("sipslb stopped", "err", err)
		return 1
	}
	return 0
}

type lineFlags []string

func (l *lineFlags) String() string     { return strings.Join(*l, "; ") }
func (l *lineFlags) Set(s string) error { *l = append(*l, s); return nil }

func cli(args []string) int {
	fs := flag.NewFlagSet("cli", flag.ContinueOnError)
	dir := fs.String("state-dir", appliance.DefaultStateDir, "state directory of the daemon")
	var lines lineFlags
	fs.Var(&lines, "c", "run this line (repeatable); no interactive prompt")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return batch.ExitUsage
	}
	c, err := ctl.Dial(filepath.Join(*dir, appliance.SocketName), os.Getenv("SIPSLB_SESSION_TOKEN"))
	if err != nil {
		fmt.Fprintf(os.Stderr, "sipslb cli: cannot reach the daemon: %v\n", err)
		return batch.ExitUnreachable
	}
	defer c.Close()
	if len(lines) == 0 && !term.IsTerminal(int(os.Stdin.Fd())) {
		script, err := batch.ReadLines(os.Stdin)
		if err != nil {
			fmt.Fprintf(os.Stderr, "sipslb cli: reading stdin: %v\n", err)
			return batch.ExitUsage
		}
		lines = script
	}
	if len(lines) > 0 {
		return batch.Run(c, lines, os.Stdout, os.Stderr)
	}
	return interactive(c)
}

func checkConfig(args []string) int {
	if len(args) != 1 {
		fmt.Fprint(os.Stderr, usage)
		return batch.ExitUsage
	}
	text, err := os.ReadFile(args[0])
	if err != nil {
		fmt.Fprintf(os.Stderr, "sipslb check-config: %v\n", err)
		return 1
	}
	_, errs := commands.Check(text)
	for _, e := range errs {
		fmt.Printf("%s:%s\n", args[0], strings.TrimPrefix(e.String(), "line "))
	}
	if len(errs) > 0 {
		return 1
	}
	fmt.Printf("%s: OK\n", args[0])
	return 0
}

// interactive runs the reeflective console front end on this terminal.
var interactive = func(c *ctl.Client) int { return console.Run(c) }
