package app

import (
	"context"
	"io"
	"time"

	"github.com/myapihq/myapihq-mcp/internal/loopback"
	"github.com/myapihq/myapihq-mcp/sandbox"
)

// SandboxConfig is the sandbox's configuration: the standalone `sandbox`
// command's, and the embedded sandbox's (--sandbox-*), from the same flag
// rows.
type SandboxConfig struct {
	Addr        string
	State       string // "" keeps state in memory (standalone); the embedded sandbox's is Config.SandboxState
	TokenTTL    time.Duration
	ImportDelay time.Duration
	RateLimit   float64
	Faults      string
	AllowRemote bool
	// AllowPrivateWebhooks lets webhooks reach loopback and private addresses.
	AllowPrivateWebhooks bool
}

// options is the one conversion to sandbox.Options. An import delay of 0
// means imports finish at once, as the flag's help says.
func (sc SandboxConfig) options(state string) (sandbox.Options, error) {
	faults, err := sandbox.ParseFaults(sc.Faults)
	if err != nil {
		return sandbox.Options{}, err
	}
	return sandbox.Options{StatePath: state, TokenTTL: sc.TokenTTL, ImportDelay: sc.ImportDelay, RateLimit: sc.RateLimit,
		Faults: faults, AllowRemote: sc.AllowRemote, AllowPrivateWebhooks: sc.AllowPrivateWebhooks}, nil
}

// RunSandbox serves the HQ API sandbox until ctx ends. A state file's
// folder is created (0700) when missing, by sandbox.Open, as for the
// embedded sandbox.
func RunSandbox(ctx context.Context, sc SandboxConfig, stderr io.Writer) error {
	if !loopback.Addr(sc.Addr) && !sc.AllowRemote { // sandbox.Serve refuses too; this names it a configuration error
		return configError("%s is not a loopback address: serving the sandbox beyond this machine needs --allow-remote", sc.Addr)
	}
	opts, err := sc.options(sc.State)
	if err != nil {
		return err
	}
	return sandbox.Serve(ctx, sc.Addr, opts, stderr)
}
