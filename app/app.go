// Package app wires a configuration into running pieces: logging, the
// embedded sandbox, the credential store or the tenants' gate, the HQ
// client, the tool inventory and its pipeline, and the MCP server. main
// parses flags into a Config; everything it runs starts here, through one
// build path (Build) for every mode.
package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/server"
	"github.com/rs/zerolog"

	"github.com/myapihq/myapihq-mcp/budget"
	"github.com/myapihq/myapihq-mcp/credentials"
	"github.com/myapihq/myapihq-mcp/hqclient"
	"github.com/myapihq/myapihq-mcp/icons"
	"github.com/myapihq/myapihq-mcp/metrics"
	"github.com/myapihq/myapihq-mcp/prompts"
	"github.com/myapihq/myapihq-mcp/remote"
	"github.com/myapihq/myapihq-mcp/sandbox"
	"github.com/myapihq/myapihq-mcp/toolkit"
	"github.com/myapihq/myapihq-mcp/tools"
)

// Config is everything the flags and their env twins set.
type Config struct {
	BaseURL string // the live service unless Sandbox
	Sandbox bool   // run the sandbox in-process on a loopback port
	// SandboxConfig is the embedded sandbox's (its state file "" = in the
	// user data dir), from the same rows as the standalone sandbox's.
	SandboxConfig   SandboxConfig
	Profile         string
	Toolsets        []string
	ReadOnly        bool
	CredentialStore string // auto | keyring | file
	LogLevel        string
	LogFile         string // "" = stderr; created 0600
	MaxTopUpCents   int64
	Version         string

	ServiceURLs []string // HOST=URL overrides for the other services (services.ParseOverrides)
	EnvFileDir  string   // write_env_file's folder when the client has no roots

	// The spending limits, which reach the tools (Deps.Budget, tools.Config).
	MaxSpendCents  int64 // rolling 24 h budget
	RequireConsent bool  // refuse consent tools on hosts that cannot ask

	// HTTP is the http command's part: its address and guards, and the
	// multi-tenant mode's settings.
	HTTP HTTPConfig

	// Keyring replaces the OS keyring (tests).
	Keyring credentials.Provider
	// Stderr takes the log and the warnings (nil: os.Stderr).
	Stderr io.Writer
}

// Mode is how a server is reached: it decides which filters narrow the
// inventory and which steps the pipeline adds.
type Mode int

const (
	// Stdio serves one host over stdin/stdout, with the profile's stored
	// credentials.
	Stdio Mode = iota
	// HTTP serves the profile's account over streamable HTTP.
	HTTP
	// MultiTenant serves many accounts over streamable HTTP: each request
	// brings its own credentials, none is stored.
	MultiTenant
)

func (m Mode) String() string {
	return [...]string{"stdio", "http", "multi-tenant"}[m]
}

// App is a configured server and what it owns.
type App struct {
	Config   Config
	Mode     Mode
	Log      zerolog.Logger
	BaseURL  string
	Store    *credentials.Store // nil in the multi-tenant mode
	Client   *hqclient.Client   // the profile's; nil in the multi-tenant mode
	Deps     *tools.Deps
	Tools    []toolkit.Tool
	Pipeline toolkit.Pipeline
	MCP      *server.MCPServer

	// The multi-tenant mode's own (remote.go).
	Gate    *remote.Gate
	Metrics *metrics.Metrics
	Redis   *remote.Redis // nil: state per replica

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

// Build makes the server of a mode: it touches no keyring and no network
// (a sandbox is started only when asked for). Everything a mode does
// differently is here, as data: the filters that narrow the inventory,
// the steps the pipeline adds, the tools a mode swaps.
func Build(cfg Config, mode Mode) (*App, error) {
	if cfg.Stderr == nil {
		cfg.Stderr = os.Stderr
	}
	a := &App{Config: cfg, Mode: mode}
	built := false
	defer func() {
		if !built {
			a.Close() // what was started before the failure
		}
	}()
	switch {
	case mode == MultiTenant:
		if cfg.HTTP.StateKey == "" {
			cfg.HTTP.StateKey = os.Getenv("MYAPI_STATE_KEY")
			a.Config = cfg
		}
		if err := checkMultiTenant(cfg.HTTP); err != nil {
			return nil, err
		}
	case cfg.HTTP.OAuth:
		return nil, configError("--oauth serves the multi-tenant mode: add --multi-tenant (a single-user server has no one to sign in)")
	}
	if err := a.openLog(); err != nil {
		return nil, err
	}
	tgt, err := a.resolveService()
	if err != nil {
		return nil, err
	}
	d := &tools.Deps{BaseURL: a.BaseURL, Sandbox: cfg.Sandbox, Version: cfg.Version, Log: a.Log,
		Config:  tools.Config{MaxTopUpCents: cfg.MaxTopUpCents, ReadOnly: cfg.ReadOnly, RequireConsent: cfg.RequireConsent},
		PollMin: 250 * time.Millisecond, PollMax: 2 * time.Second, EnvFileDir: cfg.EnvFileDir}
	a.Deps = d
	if mode == MultiTenant {
		err = a.buildTenants(d) // remote.go: the gate, per-caller clients and state shared by replicas
		d.Trail = a.remoteTrail(d.Identity)
	} else {
		err = a.buildProfile(d, tgt)
		d.Trail = a.localTrail()
	}
	if err != nil {
		return nil, err
	}

	if a.Tools, err = a.inventory(d); err != nil {
		return nil, err
	}
	d.Offer(a.Tools)
	if a.Metrics != nil {
		a.Metrics.Offer(slices.Collect(maps.Keys(d.Offered))) // the only tool labels /metrics shows
	}
	if mode == MultiTenant && cfg.HTTP.OAuth {
		if err := a.openOAuth(d); err != nil { // oauth.go: the gate's routes, tokens and scopes
			return nil, err
		}
	}
	a.Pipeline = a.pipeline(d)
	opts := []server.ServerOption{
		server.WithInstructions(instructions(mode, d)),
		server.WithToolCapabilities(false),
		server.WithPromptCapabilities(false),
		server.WithResourceCapabilities(false, false),
		server.WithLogging(), // elicitation is the client's capability: the server advertises none, and asks anyway
		server.WithRecovery(),
		server.WithIcons(icons.Server()...), // light and dark, in initialize (not on each tool: tools/list is in every prompt)
		server.WithCompletions(),
		server.WithResourceCompletionProvider(d.Completions()),
		server.WithPromptCompletionProvider(d.Completions()),
	}
	hooks := &server.Hooks{}
	if mode != MultiTenant {
		// Over HTTP sessions come and go for the life of the server: a
		// finished one's login and retry keys go with it.
		hooks = d.Hooks()
	}
	toolsReady := make(chan struct{})
	hooks.AddBeforeAny(toolsFirst(toolsReady))
	opts = append(opts, server.WithHooks(hooks))
	a.MCP = server.NewMCPServer("myapihq-mcp", cfg.Version, opts...)
	// mcp-go decodes each tool's input schema as it registers it: ~40 % of
	// our own start (BenchmarkStart), and the initialize answer needs no
	// tool. So they are registered while that answer is on its way to the
	// host; any other request waits for them (toolsFirst).
	go func() {
		defer close(toolsReady)
		a.Pipeline.Register(a.MCP, a.Tools)
	}()
	prompts.Register(a.MCP, prompts.For(d.Offered))
	if mode != MultiTenant {
		tools.RegisterResources(a.MCP, d) // this profile's account, as whoami sees it
	}
	// The MCP App and the caller's audit trail, in every mode.
	tools.RegisterAppResources(a.MCP, d)
	if d.Door, err = a.openDoor(); err != nil { // door.go
		return nil, err
	}
	tools.RegisterServices(a.MCP, d)
	built = true
	return a, nil
}

// pipeline is the steps every call of this mode takes: the tools' own
// (tools.Pipeline), and the multi-tenant mode's metrics, legacy-era
// consent guard (after the audit step, which records its refusals) and
// per-caller client, and with --oauth the check of the caller's scopes
// before anything else is done with the call.
func (a *App) pipeline(d *tools.Deps) toolkit.Pipeline {
	p := tools.Pipeline(d)
	if a.Mode == MultiTenant {
		p = p.Insert(toolkit.StepReadOnly, a.metricsStep()).Insert(toolkit.StepRefuse, a.legacyConsentGuard(), d.CallerClient())
		if a.Config.HTTP.OAuth {
			p = p.Insert(toolkit.StepValidate, toolkit.Scoping(grantedScopes, toolScope))
		}
	}
	return p
}

// buildProfile gives the local modes the profile's credential store and
// the client that acts with it, and the spending budget beside it.
func (a *App) buildProfile(d *tools.Deps, tgt string) error {
	cfg := a.Config
	store, err := credentials.New(credentials.Options{Profile: cfg.Profile, Target: tgt, Mode: cfg.CredentialStore,
		Provider: cfg.Keyring, Warn: cfg.Stderr})
	if err != nil {
		return err
	}
	a.Store = store
	newClient := func(creds hqclient.Credentials) (*hqclient.Client, error) {
		return hqclient.New(hqclient.Options{BaseURL: a.BaseURL, Credentials: creds, Version: cfg.Version, Logger: &a.Log})
	}
	if a.Client, err = newClient(storeCredentials{store}); err != nil {
		return err
	}
	d.Client, d.Store, d.NewClient = a.Client, store, newClient
	d.Budget = tools.BudgetFrom(budget.Open(budget.Options{Path: spendLedger(store), Limit: cfg.MaxSpendCents}))
	return nil
}

// inventory is the tools this mode offers: the flags' toolsets and
// read-only filters, then the mode's own.
func (a *App) inventory(d *tools.Deps) ([]toolkit.Tool, error) {
	toolsets, err := toolkit.InToolsets(a.Config.Toolsets, tools.AllToolsets)
	if err != nil {
		return nil, err
	}
	filters := []toolkit.Filter{toolsets}
	if a.Config.ReadOnly {
		filters = append(filters, toolkit.ReadOnly)
	}
	all := tools.All(d)
	if a.Mode == MultiTenant {
		// No tool of this machine's credential store or of a human's login
		// held in a session: the caller brings its credentials with every
		// request, and no replica keeps a session. whoami says so.
		filters = append(filters, toolkit.NotLocalOnly)
		all = toolkit.Replace(all, tools.RemoteWhoami(d))
	}
	return toolkit.Keep(all, filters...), nil
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
	state = cfg.SandboxConfig.State
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
	opts, err := a.Config.SandboxConfig.options(state)
	if err != nil {
		return "", err
	}
	opts.Audit = consoleAudit // the console shows what this server did
	run, err := sandbox.Start("127.0.0.1:0", opts)
	if err != nil {
		return "", err
	}
	a.sandbox = run
	if opts.AllowPrivateWebhooks {
		a.Log.Warn().Msg("sandbox webhooks may target this machine and its network (--sandbox-allow-private-webhooks)")
	}
	a.BaseURL = run.BaseURL
	a.Log.Info().Str("base_url", run.BaseURL).Str("state", state).Msg("embedded sandbox started")
	return tgt, nil
}

func (a *App) openLog() error {
	w := a.Config.Stderr
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
	if a.Redis != nil {
		errs = append(errs, a.Redis.C.Close())
	}
	if a.logFile != nil {
		errs = append(errs, a.logFile.Close())
	}
	return errors.Join(errs...)
}
