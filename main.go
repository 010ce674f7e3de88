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
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/myapihq/myapihq-mcp/app"
	"github.com/myapihq/myapihq-mcp/hqclient"
	"github.com/myapihq/myapihq-mcp/sandbox"
	"github.com/myapihq/myapihq-mcp/tools"
)

// version is set with -ldflags "-X main.version=…"; otherwise the module's.
var version = ""

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

const usage = `myapihq-mcp: an MCP server for MyAPIHQ (identity, keys, orgs, billing, brand imports).

Usage:
  myapihq-mcp [stdio] [flags]        serve MCP on stdin/stdout (the default)
  myapihq-mcp http [flags]           serve MCP over streamable HTTP at /mcp (loopback by default)
  myapihq-mcp demo                   watch the server work on the embedded sandbox
  myapihq-mcp sandbox [flags]        run the HQ API sandbox on its own
  myapihq-mcp auth status|logout|import|export [flags]
  myapihq-mcp tools [--json|--markdown]
  myapihq-mcp version

Examples:
  myapihq-mcp --sandbox                       # everything offline, state kept between sessions
  myapihq-mcp --read-only --toolsets billing  # a safe, small surface
  myapihq-mcp auth status --sandbox
  myapihq-mcp auth import --env-file .env
  myapihq-mcp http --sandbox --addr 127.0.0.1:8080 --http-token "$(openssl rand -hex 16)"

Run 'myapihq-mcp help COMMAND' for a command's flags.
`

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if len(args) > 0 {
		switch args[0] {
		case "-h", "-help", "--help":
			fmt.Fprint(stdout, usage)
			return 0
		case "-version", "--version":
			fmt.Fprintln(stdout, "myapihq-mcp", buildVersion())
			return 0
		}
	}
	cmd := "stdio"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	if cmd == "help" {
		if len(args) == 0 {
			fmt.Fprint(stdout, usage)
			return 0
		}
		cmd, args = args[0], []string{"--help"}
	}
	var err error
	switch cmd {
	case "stdio":
		err = runStdio(ctx, args, stdin, stdout, stderr)
	case "http":
		err = runHTTP(ctx, args, stderr)
	case "sandbox":
		err = runSandbox(ctx, args, stderr)
	case "auth":
		err = runAuth(ctx, args, stdout, stderr)
	case "tools":
		err = runTools(args, stdout, stderr)
	case "demo":
		err = runDemo(ctx, args, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "myapihq-mcp", buildVersion())
	default:
		fmt.Fprintf(stderr, "myapihq-mcp: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	case err != nil:
		fmt.Fprintln(stderr, "myapihq-mcp:", err)
		return 1
	}
	return 0
}

var errUsage = errors.New("usage")

// Env twins: a flag's default comes from its MYAPI_* variable.
func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func envBool(name string) bool { b, _ := strconv.ParseBool(os.Getenv(name)); return b }

func envInt(name string, def int64) int64 {
	if n, err := strconv.ParseInt(os.Getenv(name), 10, 64); err == nil {
		return n
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil {
		return d
	}
	return def
}

// examples shown by `help COMMAND`.
var examples = map[string]string{
	"stdio": `  myapihq-mcp --sandbox                         # everything offline
  myapihq-mcp --read-only --toolsets billing    # a small, safe surface
  MYAPI_PROFILE=work myapihq-mcp                # a second account`,
	"http": `  myapihq-mcp http --sandbox
  myapihq-mcp http --addr 0.0.0.0:8080 --http-token "$(openssl rand -hex 16)"`,
	"sandbox": `  myapihq-mcp sandbox --state ./sandbox.db
  myapihq-mcp sandbox --faults 5xx=0.2,drop=0.1,seed=7 --import-delay 0`,
	"auth": `  myapihq-mcp auth status
  myapihq-mcp auth status --sandbox --json
  myapihq-mcp auth import --env-file .env
  myapihq-mcp auth export --show-secrets > backup.env
  myapihq-mcp auth logout --profile work`,
	"tools": `  myapihq-mcp tools
  myapihq-mcp tools --markdown --toolsets orgs
  myapihq-mcp tools --json --read-only`,
	"demo": `  myapihq-mcp demo`,
}

func newFlags(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: myapihq-mcp %s\n\nExamples:\n%s\n\nFlags (each also set by the MYAPI_* variable named):\n", synopsis, examples[name])
		fs.PrintDefaults()
	}
	return fs
}

// serverFlags are shared by every command that talks to a service.
func serverFlags(fs *flag.FlagSet, cfg *app.Config) *string {
	fs.StringVar(&cfg.BaseURL, "base-url", env("MYAPI_BASE_URL", hqclient.DefaultBaseURL), "HQ API base URL (MYAPI_BASE_URL)")
	fs.BoolVar(&cfg.Sandbox, "sandbox", envBool("MYAPI_SANDBOX"), "run the HQ sandbox in-process on a loopback port (MYAPI_SANDBOX=1)")
	fs.StringVar(&cfg.SandboxState, "sandbox-state", env("MYAPI_SANDBOX_STATE", ""), "the sandbox's state file (MYAPI_SANDBOX_STATE; default in the user data dir)")
	fs.StringVar(&cfg.SandboxFaults, "sandbox-faults", env("MYAPI_SANDBOX_FAULTS", ""), "inject faults into the embedded sandbox (MYAPI_SANDBOX_FAULTS; see sandbox --help)")
	fs.DurationVar(&cfg.ImportDelay, "sandbox-import-delay", envDuration("MYAPI_SANDBOX_IMPORT_DELAY", 2*time.Second), "how long a sandbox brand import takes per phase (MYAPI_SANDBOX_IMPORT_DELAY)")
	fs.StringVar(&cfg.Profile, "profile", env("MYAPI_PROFILE", "default"), "credentials profile (MYAPI_PROFILE)")
	fs.StringVar(&cfg.CredentialStore, "credential-store", env("MYAPI_CREDENTIAL_STORE", "auto"), "auto, keyring or file (MYAPI_CREDENTIAL_STORE)")
	fs.StringVar(&cfg.LogLevel, "log-level", env("MYAPI_LOG_LEVEL", "info"), "debug, info, warn or error (MYAPI_LOG_LEVEL)")
	fs.StringVar(&cfg.LogFile, "log-file", env("MYAPI_LOG_FILE", ""), "log to this file (mode 0600) instead of stderr (MYAPI_LOG_FILE)")
	cfg.Version = buildVersion()
	toolsets := fs.String("toolsets", env("MYAPI_TOOLSETS", "all"), "comma-separated: "+strings.Join(tools.Toolsets, ", ")+" or all (MYAPI_TOOLSETS)")
	fs.BoolVar(&cfg.ReadOnly, "read-only", envBool("MYAPI_READ_ONLY"), "offer and allow read-only tools only (MYAPI_READ_ONLY=1)")
	fs.Int64Var(&cfg.MaxTopUpCents, "max-topup-cents", envInt("MYAPI_MAX_TOPUP_CENTS", tools.DefaultMaxTopUpCents), "largest top_up allowed, in cents (MYAPI_MAX_TOPUP_CENTS)")
	return toolsets
}

func parseServerFlags(name, synopsis string, args []string, stderr io.Writer) (app.Config, *flag.FlagSet, error) {
	var cfg app.Config
	fs := newFlags(name, synopsis, stderr)
	toolsets := serverFlags(fs, &cfg)
	showVersion := fs.Bool("version", false, "print the version and exit")
	err := fs.Parse(args)
	if err == nil && *showVersion {
		fmt.Fprintln(stderr, "myapihq-mcp", buildVersion())
		return cfg, fs, flag.ErrHelp
	}
	if err == nil && fs.NArg() > 0 && name != "auth" {
		fmt.Fprintf(stderr, "unexpected arguments: %v\n", fs.Args())
		return cfg, fs, errUsage
	}
	cfg.Toolsets = strings.Split(*toolsets, ",")
	return cfg, fs, err
}

func runStdio(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	cfg, _, err := parseServerFlags("stdio", "[stdio] [flags]", args, stderr)
	if err != nil {
		return err
	}
	a, err := app.Open(cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	return a.ServeStdio(ctx, stdin, stdout)
}

func runHTTP(ctx context.Context, args []string, stderr io.Writer) error {
	var cfg app.Config
	var hc app.HTTPConfig
	fs := newFlags("http", "http [--addr 127.0.0.1:8080] [--http-token T] [flags]", stderr)
	toolsets := serverFlags(fs, &cfg)
	fs.StringVar(&hc.Addr, "addr", env("MYAPI_HTTP_ADDR", "127.0.0.1:8080"), "address to listen on; beyond loopback it needs --http-token (MYAPI_HTTP_ADDR)")
	fs.StringVar(&hc.Token, "http-token", env("MYAPI_HTTP_TOKEN", ""), "require Authorization: Bearer <token> (MYAPI_HTTP_TOKEN)")
	origins := fs.String("allowed-origins", env("MYAPI_ALLOWED_ORIGINS", ""), "comma-separated browser origins allowed besides localhost (MYAPI_ALLOWED_ORIGINS)")
	fs.BoolVar(&hc.MultiTenant, "multi-tenant", envBool("MYAPI_MULTI_TENANT"), "remote mode: each request brings its API key (and PIN); nothing is stored (MYAPI_MULTI_TENANT)")
	fs.StringVar(&hc.Redis, "redis", env("MYAPI_REDIS_URL", ""), "multi-tenant: redis://host:port/db for state shared by replicas (MYAPI_REDIS_URL)")
	fs.DurationVar(&hc.DrainGrace, "drain-grace", envDuration("MYAPI_DRAIN_GRACE", 5*time.Second), "multi-tenant: after SIGTERM, serve this long with /readyz false")
	tenantRPS := fs.Int64("tenant-rps", envInt("MYAPI_TENANT_RPS", 20), "multi-tenant: requests per second per API key (-1: no limit)")
	tenantConc := fs.Int64("tenant-concurrency", envInt("MYAPI_TENANT_CONCURRENCY", 8), "multi-tenant: tool calls in flight per API key and replica (-1: no limit)")
	fs.BoolVar(&hc.PinnedSessions, "pinned-sessions", envBool("MYAPI_PINNED_SESSIONS"), "multi-tenant: the balancer pins MCP sessions, so legacy clients may be asked for consent")
	if err := fs.Parse(args); err != nil {
		return err
	}
	hc.TenantRPS, hc.TenantConcurrency = int(*tenantRPS), int(*tenantConc)
	cfg.Toolsets = strings.Split(*toolsets, ",")
	if *origins != "" {
		hc.AllowedOrigins = strings.Split(*origins, ",")
	}
	if hc.MultiTenant {
		r, err := app.OpenRemote(cfg, hc, stderr)
		if err != nil {
			return err
		}
		defer r.Close()
		return r.Serve(ctx, stderr)
	}
	a, err := app.Open(cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	return a.ServeHTTP(ctx, hc, stderr)
}

func runSandbox(ctx context.Context, args []string, stderr io.Writer) error {
	fs := newFlags("sandbox", "sandbox [flags]", stderr)
	addr := fs.String("addr", "127.0.0.1:8787", "address to listen on (port 0 picks a free one)")
	state := fs.String("state", "", "SQLite state file (default: in memory)")
	ttl := fs.Duration("token-ttl", 15*time.Minute, "lifetime of issued JWTs")
	delay := fs.Duration("import-delay", 2*time.Second, "time a brand import spends queued, then processing")
	rate := fs.Float64("rate-limit", 1000, "requests per second per credential (negative: off)")
	faultSpec := fs.String("faults", env("MYAPI_SANDBOX_FAULTS", ""), `inject faults, e.g. "5xx=0.2,429=0.05,drop=0.1,latency=20ms,seed=7" (MYAPI_SANDBOX_FAULTS)`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	faults, err := sandbox.ParseFaults(*faultSpec)
	if err != nil {
		return err
	}
	return sandbox.Serve(ctx, *addr, sandbox.Options{StatePath: *state, TokenTTL: *ttl, ImportDelay: *delay, RateLimit: *rate, Faults: faults}, stderr)
}

func runAuth(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	sub := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		sub, args = args[0], args[1:]
	}
	var cfg app.Config
	fs := newFlags("auth", "auth status|logout|import|export [flags]", stderr)
	serverFlags(fs, &cfg)
	asJSON := fs.Bool("json", false, "status: print JSON")
	envFile := fs.String("env-file", "", "import: the .env file to read")
	show := fs.Bool("show-secrets", false, "export: print secrets in full")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch sub {
	case "status":
		return app.AuthStatus(ctx, cfg, *asJSON, stdout, stderr)
	case "logout":
		return app.AuthLogout(ctx, cfg, stdout, stderr)
	case "import":
		return app.AuthImport(ctx, cfg, *envFile, stdout, stderr)
	case "export":
		return app.AuthExport(ctx, cfg, *show, stdout, stderr)
	}
	fmt.Fprintln(stderr, "usage: myapihq-mcp auth status|logout|import|export [flags]")
	return errUsage
}

func runTools(args []string, stdout, stderr io.Writer) error {
	var cfg app.Config
	fs := newFlags("tools", "tools [--json|--markdown] [flags]", stderr)
	toolsets := serverFlags(fs, &cfg)
	asJSON := fs.Bool("json", false, "print what tools/list returns")
	asMarkdown := fs.Bool("markdown", false, "print the README's tool table")
	if err := fs.Parse(args); err != nil {
		return err
	}
	all, err := tools.Select(tools.All(tools.Config{MaxTopUpCents: cfg.MaxTopUpCents}), strings.Split(*toolsets, ","), cfg.ReadOnly)
	if err != nil {
		return err
	}
	format := "text"
	switch {
	case *asJSON:
		format = "json"
	case *asMarkdown:
		format = "markdown"
	}
	return app.PrintTools(stdout, all, format)
}

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("demo", "demo", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	return app.Demo(ctx, self, stdout)
}
