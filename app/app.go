// Package app wires a configuration into running pieces: logging, the
// embedded sandbox, the credential store, the HQ client and the MCP server.
// main parses flags into a Config; everything it runs starts here.
package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/server"
	"github.com/rs/zerolog"

	"github.com/myapihq/myapihq-mcp/budget"
	"github.com/myapihq/myapihq-mcp/credentials"
	"github.com/myapihq/myapihq-mcp/hqclient"
	"github.com/myapihq/myapihq-mcp/prompts"
	"github.com/myapihq/myapihq-mcp/sandbox"
	"github.com/myapihq/myapihq-mcp/tools"
)

// Config is everything the flags and their env twins set.
type Config struct {
	BaseURL       string // the live service unless Sandbox
	Sandbox       bool   // run the sandbox in-process on a loopback port
	SandboxState  string // its state file ("" = the user data dir's)
	SandboxFaults string // fault spec for the embedded sandbox (sandbox.ParseFaults)
	// SandboxAllowPrivateWebhooks lets the embedded sandbox's webhooks reach this machine's network.
	SandboxAllowPrivateWebhooks bool
	ImportDelay                 time.Duration
	Profile                     string
	Toolsets                    []string
	ReadOnly                    bool
	CredentialStore             string // auto | keyring | file
	LogLevel                    string
	LogFile                     string // "" = stderr; created 0600
	MaxTopUpCents               int64
	Version                     string

	ServiceURLs []string // HOST=URL overrides for the other services (services.ParseOverrides)
	EnvFileDir  string   // write_env_file's folder when the client has no roots

	// Issue 10's limits, which reach the tools (Deps.Budget, tools.Config).
	MaxSpendCents  int64 // rolling 24 h budget
	RequireConsent bool  // refuse consent tools on hosts that cannot ask

	// Keyring replaces the OS keyring (tests).
	Keyring credentials.Provider
}

// Instructions tell the model, in a few lines, how the pieces fit.
const Instructions = `MyAPIHQ is the identity and billing hub of the MyAPIHQ APIs.
This server keeps the profile's credentials (PIN, API key, token) in the OS keyring and sends them itself: never ask the user for them or pass them as arguments.
Call whoami first. With no credentials, create_agent onboards in one call.
Most services need an organization: create_org, or import_brand to build one from a website. Money: get_balance; setup_payment (a URL for the human) before top_up.
Human-only tools (link_agent, list_linked_agents, get_agent_balance/usage) need login first.
Other MyAPIHQ services (domains, email, funnels, storage, webhooks, workflows): list_services, get_service_docs, then service_get/service_write; the server adds the API key.`

// App is a configured server and what it owns.
type App struct {
	Config  Config
	Log     zerolog.Logger
	BaseURL string
	Store   *credentials.Store
	Client  *hqclient.Client
	Deps    *tools.Deps
	Tools   []tools.Tool
	MCP     *server.MCPServer
	sandbox *sandbox.Running
	logFile *os.File
}

// DefaultSandboxState is where the embedded sandbox keeps its state, so the
// credentials stored for it stay valid across sessions.
func DefaultSandboxState() (string, error) {
	dir := os.Getenv("XDG_DATA_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		switch runtime.GOOS {
		case "darwin":
			dir = filepath.Join(home, "Library", "Application Support")
		case "windows":
			dir = os.Getenv("LocalAppData")
		default:
			dir = filepath.Join(home, ".local", "share")
		}
	}
	return filepath.Join(dir, "myapihq-mcp", "sandbox.db"), nil
}

// Open builds everything; it touches no keyring and no network (a sandbox
// is started only when asked for).
func Open(cfg Config, stderr io.Writer) (*App, error) {
	a := &App{Config: cfg}
	if err := a.openLog(stderr); err != nil {
		return nil, err
	}
	if cfg.MaxTopUpCents <= 0 {
		cfg.MaxTopUpCents = tools.DefaultMaxTopUpCents
	}
	target, err := a.resolveService()
	if err != nil {
		a.Close()
		return nil, err
	}
	store, err := credentials.New(credentials.Options{Profile: cfg.Profile, Target: target, Mode: cfg.CredentialStore,
		Provider: cfg.Keyring, Warn: stderr})
	if err != nil {
		a.Close()
		return nil, err
	}
	a.Store = store
	newClient := func(creds hqclient.Credentials) (*hqclient.Client, error) {
		return hqclient.New(hqclient.Options{BaseURL: a.BaseURL, Credentials: creds, Version: cfg.Version, Logger: &a.Log})
	}
	if a.Client, err = newClient(storeCredentials{store}); err != nil {
		a.Close()
		return nil, err
	}
	all, err := tools.Select(tools.All(tools.Config{MaxTopUpCents: cfg.MaxTopUpCents}), cfg.Toolsets, cfg.ReadOnly)
	if err != nil {
		a.Close()
		return nil, err
	}
	a.Tools = all
	a.Deps = &tools.Deps{Client: a.Client, Store: store, BaseURL: a.BaseURL, Sandbox: cfg.Sandbox,
		Config: tools.Config{MaxTopUpCents: cfg.MaxTopUpCents, RequireConsent: cfg.RequireConsent}, Log: a.Log, NewClient: newClient,
		PollMin: 250 * time.Millisecond, PollMax: 2 * time.Second,
		Budget: tools.BudgetFrom(budget.Open(budget.Options{Path: spendLedger(store), Limit: cfg.MaxSpendCents}))}

	a.MCP = server.NewMCPServer("myapihq-mcp", cfg.Version,
		server.WithInstructions(Instructions),
		server.WithHooks(a.Deps.Hooks()),
		server.WithToolCapabilities(false),
		server.WithPromptCapabilities(false),
		server.WithResourceCapabilities(false, false),
		server.WithLogging(), // elicitation is the client's capability: the server advertises none, and asks anyway
		server.WithRecovery(),
	)
	tools.Register(a.MCP, a.Deps, a.Tools, cfg.ReadOnly)
	prompts.Register(a.MCP, prompts.All())
	tools.RegisterResources(a.MCP, a.Deps)
	if err := a.openServices(); err != nil { // the other services' door (services.go)
		a.Close()
		return nil, err
	}
	return a, nil
}

// spendLedger is the spending budget's file, beside the credential file,
// one per profile and service ("" keeps it in memory).
func spendLedger(store *credentials.Store) string {
	creds, err := credentials.DefaultFilePath()
	if err != nil {
		return ""
	}
	sum := sha256.Sum256([]byte(store.Target() + "\x00" + store.Profile()))
	return filepath.Join(filepath.Dir(creds), "spend", hex.EncodeToString(sum[:8])+".json")
}

// target names the service credentials belong to: the live URL, or the
// embedded sandbox named by its state file (whatever port it gets).
func target(cfg Config) (target, baseURL, state string, err error) {
	if !cfg.Sandbox {
		baseURL = strings.TrimRight(cfg.BaseURL, "/")
		if baseURL == "" {
			baseURL = hqclient.DefaultBaseURL
		}
		return credentials.TargetForURL(baseURL), baseURL, "", nil
	}
	state = cfg.SandboxState
	if state == "" {
		if state, err = DefaultSandboxState(); err != nil {
			return "", "", "", err
		}
	}
	return credentials.TargetForSandbox(state), "", state, nil
}

// resolveService sets BaseURL, starting the embedded sandbox if asked, and
// returns the credential target.
func (a *App) resolveService() (string, error) {
	tgt, base, state, err := target(a.Config)
	if err != nil || !a.Config.Sandbox {
		a.BaseURL = base
		return tgt, err
	}
	opts, err := embeddedOptions(a.Config, state)
	if err != nil {
		return "", err
	}
	run, err := sandbox.Start("127.0.0.1:0", opts)
	if err != nil {
		return "", err
	}
	a.sandbox = run
	if a.Config.SandboxAllowPrivateWebhooks {
		a.Log.Warn().Msg("sandbox webhooks may target this machine and its network (--sandbox-allow-private-webhooks)")
	}
	a.BaseURL = run.BaseURL
	a.Log.Info().Str("base_url", run.BaseURL).Str("state", state).Msg("embedded sandbox started")
	return tgt, nil
}

// embeddedOptions is the embedded sandbox's configuration. An import delay
// of 0 means imports finish at once, as --sandbox-import-delay's help says.
func embeddedOptions(cfg Config, state string) (sandbox.Options, error) {
	faults, err := sandbox.ParseFaults(cfg.SandboxFaults)
	if err != nil {
		return sandbox.Options{}, err
	}
	return sandbox.Options{StatePath: state, ImportDelay: cfg.ImportDelay, Faults: faults,
		AllowPrivateWebhooks: cfg.SandboxAllowPrivateWebhooks}, nil
}

func (a *App) openLog(stderr io.Writer) error {
	w := stderr
	if a.Config.LogFile != "" {
		f, err := os.OpenFile(a.Config.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return fmt.Errorf("log file: %w", err)
		}
		a.logFile, w = f, f
	}
	level, err := zerolog.ParseLevel(strings.ToLower(a.Config.LogLevel))
	if err != nil || a.Config.LogLevel == "" {
		level = zerolog.InfoLevel
	}
	a.Log = zerolog.New(w).Level(level).With().Timestamp().Logger()
	return nil
}

// Close stops the embedded sandbox and closes the log file.
func (a *App) Close() error {
	var errs []error
	if a.sandbox != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		errs = append(errs, a.sandbox.Stop(ctx))
		cancel()
	}
	if a.logFile != nil {
		errs = append(errs, a.logFile.Close())
	}
	return errors.Join(errs...)
}

// ServeStdio serves MCP on in/out until in closes or ctx ends. stdout
// carries JSON-RPC only: every log line goes to stderr or the log file.
func (a *App) ServeStdio(ctx context.Context, in io.Reader, out io.Writer) error {
	s := server.NewStdioServer(a.MCP)
	s.SetErrorLogger(newStdLogger(a.Log))
	// Tool calls run concurrently: a slow import must not hold up get_balance.
	server.WithWorkerPoolSize(16)(s)
	// The live heap of a serving process is under 1 MB, but Go lets the heap
	// grow to at least 4 MB before collecting: half that keeps peak RSS
	// about 2 MB lower for a few percent of CPU on calls (docs/benchmarks.md).
	// Only once started: start-up allocates ~2 MB (mostly mcp-go's schema
	// validator), and a lower target at once would put a GC inside the
	// first answer. A GOGC the user sets still wins.
	if os.Getenv("GOGC") == "" {
		leaner := time.AfterFunc(time.Second, func() { debug.SetGCPercent(50) })
		defer leaner.Stop()
	}
	a.Log.Info().Str("version", a.Config.Version).Str("base_url", a.BaseURL).Int("tools", len(a.Tools)).Msg("serving MCP on stdio")
	progress := tools.NewProgressTracker() // a call's progress is written before its response
	s.SetContextFunc(func(ctx context.Context) context.Context { return tools.WithProgressTracker(ctx, progress) })
	err := s.Listen(ctx, newLineLimiter(in, MaxLine), progress.Writer(out))
	if errors.Is(err, context.Canceled) {
		return nil // a signal: a clean stop
	}
	return err
}
