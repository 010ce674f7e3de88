package app

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/myapihq/myapihq-mcp/sandbox"
	"github.com/myapihq/myapihq-mcp/tools"
)

// What each command runs: main parses flags into Settings and calls one of
// these.

// RunStdio serves MCP on stdin/stdout.
func RunStdio(ctx context.Context, cfg Config, stdin io.Reader, stdout, stderr io.Writer) error {
	a, err := Open(cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	return a.ServeStdio(ctx, stdin, stdout)
}

// RunHTTP serves MCP over streamable HTTP. Beyond loopback it needs
// --allow-remote, so that no one exposes an account by a typo.
func RunHTTP(ctx context.Context, cfg Config, hc HTTPConfig, stderr io.Writer) error {
	if err := checkRemote(hc.Addr, hc.AllowRemote, "--allow-remote (MYAPI_HTTP_ALLOW_REMOTE)"); err != nil {
		return err
	}
	a, err := Open(cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	return a.ServeHTTP(ctx, hc, stderr)
}

// SandboxConfig is the standalone `sandbox` command's configuration.
type SandboxConfig struct {
	Addr        string
	State       string // "" keeps state in memory
	TokenTTL    time.Duration
	ImportDelay time.Duration
	RateLimit   float64
	Faults      string
	AllowRemote bool
	// Wired at merge (issue 10): deliver webhooks to private addresses.
	AllowPrivateWebhooks bool
}

// RunSandbox serves the HQ API sandbox until ctx ends. A state file's
// folder is created (0700) when missing, as the embedded sandbox does.
func RunSandbox(ctx context.Context, sc SandboxConfig, stderr io.Writer) error {
	if err := checkRemote(sc.Addr, sc.AllowRemote, "--allow-remote (MYAPI_SANDBOX_ALLOW_REMOTE)"); err != nil {
		return err
	}
	faults, err := sandbox.ParseFaults(sc.Faults)
	if err != nil {
		return err
	}
	if sc.State != "" {
		if err := os.MkdirAll(filepath.Dir(sc.State), 0o700); err != nil {
			return fmt.Errorf("sandbox state folder: %w", err)
		}
	}
	return sandbox.Serve(ctx, sc.Addr, sandbox.Options{StatePath: sc.State, TokenTTL: sc.TokenTTL, ImportDelay: sc.ImportDelay,
		RateLimit: sc.RateLimit, Faults: faults}, stderr)
}

func checkRemote(addr string, allowed bool, flag string) error {
	if loopback(addr) || allowed {
		return nil
	}
	return fmt.Errorf("%s is not a loopback address: anyone who can reach it could use it; to serve there on purpose, add %s", addr, flag)
}

// RunTools prints the tool surface the configuration offers.
func RunTools(cfg Config, opts Output, stdout io.Writer) error {
	all, err := tools.Select(tools.All(tools.Config{MaxTopUpCents: cfg.MaxTopUpCents}), cfg.Toolsets, cfg.ReadOnly)
	if err != nil {
		return err
	}
	format := "text"
	switch {
	case opts.JSON:
		format = "json"
	case opts.Markdown:
		format = "markdown"
	}
	return PrintTools(stdout, all, format)
}
