package app

import (
	"context"
	"fmt"
	"io"

	"github.com/myapihq/myapihq-mcp/toolkit"
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
	cfg.Stderr = stderr
	a, err := Build(cfg, Stdio)
	if err != nil {
		return err
	}
	defer a.Close()
	return a.ServeStdio(ctx, stdin, stdout)
}

// RunHTTP serves MCP over streamable HTTP, for the profile's account or,
// with --multi-tenant, for each request's own. Beyond loopback it needs
// --allow-remote and a token (checkListen), so that no one exposes an
// account by a typo.
func RunHTTP(ctx context.Context, cfg Config, stderr io.Writer) error {
	cfg.Stderr = stderr
	mode := HTTP
	if cfg.HTTP.MultiTenant {
		mode = MultiTenant
	} else if err := checkListen(cfg.HTTP); err != nil {
		return ConfigError{err} // before Build: a refused address starts no sandbox
	}
	a, err := Build(cfg, mode)
	if err != nil {
		return err
	}
	defer a.Close()
	return a.ServeHTTP(ctx)
}

// RunTools prints the tool surface the configuration offers.
func RunTools(cfg Config, opts Output, stdout io.Writer) error {
	toolsets, err := toolkit.InToolsets(cfg.Toolsets, tools.AllToolsets)
	if err != nil {
		return err
	}
	filters := []toolkit.Filter{toolsets}
	if cfg.ReadOnly {
		filters = append(filters, toolkit.ReadOnly)
	}
	all := toolkit.Keep(tools.Catalog(tools.Config{MaxTopUpCents: cfg.MaxTopUpCents}), filters...)
	format := "text"
	switch {
	case opts.JSON:
		format = "json"
	case opts.Markdown:
		format = "markdown"
	}
	return PrintTools(stdout, all, format)
}
