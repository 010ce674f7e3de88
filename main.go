// Command myapihq-mcp is an MCP server for MyAPIHQ, and its sandbox.
// This file holds flags and subcommands only: each subcommand hands a config
// to the package that does the work.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/myapihq/myapihq-mcp/sandbox"
)

// version is set with -ldflags "-X main.version=…"; otherwise the module's.
var version = ""

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	cmd := ""
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "sandbox":
		err = runSandbox(ctx, args, stderr)
	case "version":
		fmt.Fprintln(stdout, "myapihq-mcp", buildVersion())
	default:
		fmt.Fprintf(stderr, "myapihq-mcp: unknown command %q\n", cmd)
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "myapihq-mcp:", err)
		return 1
	}
	return 0
}

func runSandbox(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8787", "address to listen on (port 0 picks a free one)")
	state := fs.String("state", "", "SQLite state file (default: in memory)")
	ttl := fs.Duration("token-ttl", 15*time.Minute, "lifetime of issued JWTs")
	delay := fs.Duration("import-delay", 2*time.Second, "time a brand import spends queued, then processing")
	rate := fs.Float64("rate-limit", 1000, "requests per second per credential (negative: off)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return sandbox.Serve(ctx, *addr, sandbox.Options{StatePath: *state, TokenTTL: *ttl, ImportDelay: *delay, RateLimit: *rate}, stderr)
}
