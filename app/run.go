package app

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/myapihq/myapihq-mcp/sandbox"
	"github.com/myapihq/myapihq-mcp/tools"
)

// What each command runs: main parses flags into Settings and calls one of
// these.

// ConfigError is a configuration that cannot run, found before anything
// started (an address, a token, a key): main exits 2 for it, as for a bad
// flag value.
type ConfigError struct{ Err error }

func (e ConfigError) Error() string { return e.Err.Error() }
func (e ConfigError) Unwrap() error { return e.Err }

func configError(format string, a ...any) error { return ConfigError{fmt.Errorf(format, a...)} }

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
// --allow-remote and a token (checkListen), so that no one exposes an
// account by a typo.
func RunHTTP(ctx context.Context, cfg Config, hc HTTPConfig, stderr io.Writer) error {
	if hc.MultiTenant {
		return runRemote(ctx, cfg, hc, stderr)
	}
	if hc.OAuth {
		return configError("--oauth serves the multi-tenant mode: add --multi-tenant (a single-user server has no one to sign in)")
	}
	if err := checkListen(hc); err != nil {
		return ConfigError{err} // before Open: a refused address starts no sandbox
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
	// AllowPrivateWebhooks lets webhooks reach loopback and private addresses.
	AllowPrivateWebhooks bool
}

// RunSandbox serves the HQ API sandbox until ctx ends. A state file's
// folder is created (0700) when missing, by sandbox.Open, as for the
// embedded sandbox.
func RunSandbox(ctx context.Context, sc SandboxConfig, stderr io.Writer) error {
	if !loopback(sc.Addr) && !sc.AllowRemote { // sandbox.Serve refuses too; this names it a configuration error
		return configError("%s is not a loopback address: serving the sandbox beyond this machine needs --allow-remote", sc.Addr)
	}
	faults, err := sandbox.ParseFaults(sc.Faults)
	if err != nil {
		return err
	}
	return sandbox.Serve(ctx, sc.Addr, sandbox.Options{StatePath: sc.State, TokenTTL: sc.TokenTTL, ImportDelay: sc.ImportDelay,
		RateLimit: sc.RateLimit, Faults: faults, AllowRemote: sc.AllowRemote, AllowPrivateWebhooks: sc.AllowPrivateWebhooks}, stderr)
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
