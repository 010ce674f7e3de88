package app

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/myapihq/myapihq-mcp/audit"
	"github.com/myapihq/myapihq-mcp/hqclient"
	"github.com/myapihq/myapihq-mcp/oauth"
	"github.com/myapihq/myapihq-mcp/remote"
	"github.com/myapihq/myapihq-mcp/sandbox"
	"github.com/myapihq/myapihq-mcp/toolkit"
	"github.com/myapihq/myapihq-mcp/tools"
)

// Settings is everything the command line and its MYAPI_* variables set,
// for every command; each command binds only the rows it uses.
type Settings struct {
	Config Config
	Output Output
}

// Output holds the choices of one invocation of `auth`, `tools`, `audit`
// or `setup`.
type Output struct {
	JSON        bool   // auth status, tools: print JSON
	Markdown    bool   // tools: print the README's table
	ShowSecrets bool   // auth export: print secrets in full
	EnvFile     string // auth import: the .env file to read
	Since       string // audit: the oldest entry to show (a duration back or a time)
	Out         string // auth export: write to this file, 0600
	Force       bool   // auth export: replace --out; auth rotate-key: rotate a key another profile holds; setup: replace a same-named server
	Yes         bool   // auth logout: delete without asking
	// setup: the entry runs the server on the sandbox; print instead of
	// writing; the entry's name in the host's file.
	SetupSandbox, Print bool
	Name                string
}

// Flag is one row of the flag table: a flag, its MYAPI_* variable (""
// for per-invocation output choices, which have none), its default, help,
// and the one parser that checks a value from either place.
type Flag struct {
	Name, Env, Default, Help string
	// Bool flags may be given bare (--read-only).
	Bool bool
	// Repeatable flags append; their variable is comma-separated.
	Repeatable bool
	// Kind names the value's type in help ("string" if empty).
	Kind string
	// Secret values (a token, a URL with a password) are never echoed in
	// an error.
	Secret bool
	// Set parses and checks v and stores it in s.
	Set func(s *Settings, v string) error
}

// EnvAnnotation is the pflag annotation that names a flag's variable.
const EnvAnnotation = "myapi_env"

// The flag table. Adding a flag is adding a row here and naming it in a
// command's list below.
var flagTable = []Flag{
	// Where the service is.
	{Name: "base-url", Env: "MYAPI_BASE_URL", Default: hqclient.DefaultBaseURL, Help: "HQ API base URL",
		Set: func(s *Settings, v string) error { return setURL(&s.Config.BaseURL, v) }},
	{Name: "sandbox", Env: "MYAPI_SANDBOX", Default: "false", Bool: true, Help: "run the HQ sandbox in-process on a loopback port",
		Set: func(s *Settings, v string) error { return setBool(&s.Config.Sandbox, v) }},
	// The sandbox's own settings: the embedded sandbox's (--sandbox-*) and
	// the standalone sandbox command's, which takes them without the prefix.
	{Name: "sandbox-state", Env: "MYAPI_SANDBOX_STATE", Help: "the sandbox's SQLite state file, its folder created 0700 (default: in the user data dir when embedded; in memory for the sandbox command)",
		Set: func(s *Settings, v string) error { s.Config.SandboxConfig.State = v; return nil }},
	{Name: "sandbox-faults", Env: "MYAPI_SANDBOX_FAULTS", Help: `inject faults into the sandbox, e.g. "5xx=0.2,429=0.05,drop=0.1,latency=20ms,seed=7"`,
		Set: func(s *Settings, v string) error { s.Config.SandboxConfig.Faults = v; return checkFaults(v) }},
	{Name: "sandbox-import-delay", Kind: "duration", Env: "MYAPI_SANDBOX_IMPORT_DELAY", Default: sandbox.DefaultImportDelay.String(), Help: "how long a sandbox brand import spends queued, then processing (0: at once)",
		Set: func(s *Settings, v string) error { return setDuration(&s.Config.SandboxConfig.ImportDelay, v) }},
	{Name: "sandbox-allow-private-webhooks", Env: "MYAPI_SANDBOX_ALLOW_PRIVATE_WEBHOOKS", Default: "false", Bool: true,
		Help: "let the sandbox deliver webhooks to loopback and private addresses (tests, local receivers)",
		Set:  func(s *Settings, v string) error { return setBool(&s.Config.SandboxConfig.AllowPrivateWebhooks, v) }},
	{Name: "service-url", Env: "MYAPI_SERVICE_URLS", Repeatable: true, Help: "HOST=URL: send a service's docs and calls to URL; *=URL: every other service to URL/<host> (repeatable; the variable is comma-separated)",
		Set: func(s *Settings, v string) error { return addServiceURL(&s.Config.ServiceURLs, v) }},

	// Who, and where secrets live.
	{Name: "profile", Env: "MYAPI_PROFILE", Default: "default", Help: "credentials profile",
		Set: func(s *Settings, v string) error { return setNonEmpty(&s.Config.Profile, v) }},
	{Name: "credential-store", Env: "MYAPI_CREDENTIAL_STORE", Default: "auto", Help: "auto, keyring or file",
		Set: func(s *Settings, v string) error {
			return setEnum(&s.Config.CredentialStore, v, "auto", "keyring", "file")
		}},
	{Name: "env-file-dir", Env: "MYAPI_ENV_FILE_DIR", Help: "without MCP roots, write_env_file writes only under this folder",
		Set: func(s *Settings, v string) error { s.Config.EnvFileDir = v; return nil }},

	// Logging.
	{Name: "log-level", Env: "MYAPI_LOG_LEVEL", Default: "info", Help: "debug, info, warn or error",
		Set: func(s *Settings, v string) error {
			return setEnum(&s.Config.LogLevel, strings.ToLower(v), "debug", "info", "warn", "error")
		}},
	{Name: "log-file", Env: "MYAPI_LOG_FILE", Help: "log to this file (mode 0600) instead of stderr",
		Set: func(s *Settings, v string) error { s.Config.LogFile = v; return nil }},

	// What the model may do.
	{Name: "toolsets", Env: "MYAPI_TOOLSETS", Default: "all", Help: "comma-separated: " + toolsetNames() + " or all",
		Set: func(s *Settings, v string) error {
			list := strings.Split(v, ",")
			if _, err := toolkit.InToolsets(list, tools.AllToolsets); err != nil { // names only: building every tool to check them cost start-up 0.1 ms
				return err
			}
			s.Config.Toolsets = list
			return nil
		}},
	{Name: "read-only", Env: "MYAPI_READ_ONLY", Default: "false", Bool: true, Help: "offer and allow read-only tools only",
		Set: func(s *Settings, v string) error { return setBool(&s.Config.ReadOnly, v) }},
	{Name: "max-topup-cents", Kind: "int", Env: "MYAPI_MAX_TOPUP_CENTS", Default: strconv.Itoa(tools.DefaultMaxTopUpCents), Help: "largest top_up allowed, in cents (> 0)",
		Set: func(s *Settings, v string) error { return setPositive(&s.Config.MaxTopUpCents, v) }},
	// The rolling 24-hour spending budget.
	{Name: "max-spend-cents", Kind: "int", Env: "MYAPI_MAX_SPEND_CENTS", Default: "10000", Help: "most the tools may spend per rolling 24 hours, in cents (> 0)",
		Set: func(s *Settings, v string) error { return setPositive(&s.Config.MaxSpendCents, v) }},
	// Refuse consent-guarded tools on hosts that cannot ask.
	{Name: "require-consent", Env: "MYAPI_REQUIRE_CONSENT", Default: "false", Bool: true, Help: "refuse tools that need the human's consent when the host cannot ask",
		Set: func(s *Settings, v string) error { return setBool(&s.Config.RequireConsent, v) }},

	// http.
	{Name: "addr", Env: "MYAPI_HTTP_ADDR", Default: DefaultAddr, Help: "address to listen on; beyond loopback it needs --allow-remote and a token",
		Set: func(s *Settings, v string) error { return setAddr(&s.Config.HTTP.Addr, v) }},
	{Name: "http-token", Env: "MYAPI_HTTP_TOKEN", Secret: true, Help: "require Authorization: Bearer <token>; pass it in the variable, a flag shows in the process list",
		Set: func(s *Settings, v string) error { s.Config.HTTP.Token = v; return nil }},
	{Name: "allowed-origins", Env: "MYAPI_ALLOWED_ORIGINS", Help: "comma-separated browser origins allowed besides localhost",
		Set: func(s *Settings, v string) error { s.Config.HTTP.AllowedOrigins = splitList(v); return nil }},
	{Name: "allow-remote", Env: "MYAPI_HTTP_ALLOW_REMOTE", Default: "false", Bool: true, Help: "allow an address beyond loopback (with a token)",
		Set: func(s *Settings, v string) error { return setBool(&s.Config.HTTP.AllowRemote, v) }},
	{Name: "http-session-idle", Kind: "duration", Env: "MYAPI_HTTP_SESSION_IDLE", Default: DefaultSessionIdleTTL.String(),
		Help: "end an HTTP session unused this long, with its human login and retry keys (> 0)",
		Set:  func(s *Settings, v string) error { return setPositiveDuration(&s.Config.HTTP.SessionIdleTTL, v) }},
	// The multi-tenant mode (remote.go).
	{Name: "multi-tenant", Env: "MYAPI_MULTI_TENANT", Default: "false", Bool: true, Help: "serve many tenants: credentials come with each request, none is stored",
		Set: func(s *Settings, v string) error { return setBool(&s.Config.HTTP.MultiTenant, v) }},
	{Name: "redis", Env: "MYAPI_REDIS_URL", Secret: true, Help: "redis://… URL for state shared by replicas",
		Set: func(s *Settings, v string) error {
			if v != "" {
				if u, err := url.Parse(v); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
					return errors.New("want a redis:// or rediss:// URL")
				}
			}
			s.Config.HTTP.Redis = v
			return nil
		}},
	{Name: "drain-grace", Kind: "duration", Env: "MYAPI_DRAIN_GRACE", Default: DefaultDrainGrace.String(), Help: "after SIGTERM, keep serving this long while /readyz says no",
		Set: func(s *Settings, v string) error { return setDuration(&s.Config.HTTP.DrainGrace, v) }},
	{Name: "tenant-rps", Kind: "int", Env: "MYAPI_TENANT_RPS", Default: strconv.Itoa(DefaultTenantRPS), Help: "multi-tenant: requests per second per API key (-1: no limit)",
		Set: func(s *Settings, v string) error { return setLimit(&s.Config.HTTP.TenantRPS, v) }},
	{Name: "tenant-concurrency", Kind: "int", Env: "MYAPI_TENANT_CONCURRENCY", Default: strconv.Itoa(DefaultTenantConcurrency), Help: "multi-tenant: tool calls in flight per API key and replica (-1: no limit)",
		Set: func(s *Settings, v string) error { return setLimit(&s.Config.HTTP.TenantConcurrency, v) }},
	{Name: "pinned-sessions", Env: "MYAPI_PINNED_SESSIONS", Default: "false", Bool: true,
		Help: "multi-tenant: the load balancer pins MCP sessions, so legacy-era clients may be asked for consent",
		Set:  func(s *Settings, v string) error { return setBool(&s.Config.HTTP.PinnedSessions, v) }},
	{Name: "unknown-keys-per-address", Kind: "int", Env: "MYAPI_UNKNOWN_KEYS_PER_ADDRESS", Default: strconv.Itoa(remote.DefaultStrangers),
		Help: "multi-tenant: API keys MyAPIHQ refused (or is checking) per client address and minute; past it, keys this replica has not seen accepted are answered 429 without asking MyAPIHQ (-1: no limit)",
		Set:  func(s *Settings, v string) error { return setLimit(&s.Config.HTTP.UnknownKeysPerAddress, v) }},
	{Name: "metrics-addr", Env: "MYAPI_METRICS_ADDR", Help: "multi-tenant: serve /metrics on this address instead of beside /mcp (a port the ingress does not expose; beyond loopback it needs --allow-remote)",
		Set: func(s *Settings, v string) error {
			if v == "" {
				s.Config.HTTP.MetricsAddr = ""
				return nil
			}
			return setAddr(&s.Config.HTTP.MetricsAddr, v)
		}},
	{Name: "metrics-token", Env: "MYAPI_METRICS_TOKEN", Secret: true, Help: "multi-tenant: /metrics needs Authorization: Bearer <token> (32+ characters); pass it in the variable, a flag shows in the process list",
		Set: func(s *Settings, v string) error { s.Config.HTTP.MetricsToken = v; return nil }},

	// The multi-tenant mode as its own OAuth authorization server (oauth.go, docs/oauth.md).
	{Name: "oauth", Env: "MYAPI_OAUTH", Default: "false", Bool: true,
		Help: "multi-tenant: be an OAuth 2.1 authorization server, so hosts can connect by URL and sign in (needs --public-url)",
		Set:  func(s *Settings, v string) error { return setBool(&s.Config.HTTP.OAuth, v) }},
	{Name: "public-url", Env: "MYAPI_PUBLIC_URL", Help: "with --oauth: the https URL hosts reach (the issuer; /mcp under it is the resource); plain http only on loopback",
		Set: func(s *Settings, v string) error {
			if v == "" {
				s.Config.HTTP.PublicURL = ""
				return nil
			}
			u, err := oauth.CheckPublicURL(v)
			if err != nil {
				return errors.New(strings.TrimPrefix(err.Error(), "--public-url: "))
			}
			s.Config.HTTP.PublicURL = u
			return nil
		}},
	{Name: "api-key-bearer", Env: "MYAPI_API_KEY_BEARER", Default: "true", Bool: true,
		Help: "with --oauth: still accept a raw API key as the bearer (with the PIN header), for headless callers",
		Set:  func(s *Settings, v string) error { return setBool(&s.Config.HTTP.APIKeyBearer, v) }},
	{Name: "oauth-access-ttl", Kind: "duration", Env: "MYAPI_OAUTH_ACCESS_TTL", Default: oauth.DefaultAccessTTL.String(), Help: "with --oauth: lifetime of access tokens (> 0)",
		Set: func(s *Settings, v string) error { return setPositiveDuration(&s.Config.HTTP.OAuthAccessTTL, v) }},
	{Name: "oauth-refresh-ttl", Kind: "duration", Env: "MYAPI_OAUTH_REFRESH_TTL", Default: oauth.DefaultRefreshTTL.String(), Help: "with --oauth: a connection unused this long ends (> 0)",
		Set: func(s *Settings, v string) error { return setPositiveDuration(&s.Config.HTTP.OAuthRefreshTTL, v) }},
	{Name: "trusted-proxies", Env: "MYAPI_TRUSTED_PROXIES", Help: "comma-separated CIDRs of load balancers whose X-Forwarded-For names the client (the limits per address: sign-ins, unknown API keys)",
		Set: func(s *Settings, v string) error {
			s.Config.HTTP.TrustedProxies = nil
			for _, c := range splitList(v) {
				p, err := netip.ParsePrefix(c)
				if err != nil {
					return errors.New("want CIDRs such as 10.0.0.0/8")
				}
				s.Config.HTTP.TrustedProxies = append(s.Config.HTTP.TrustedProxies, p)
			}
			return nil
		}},
	{Name: "oauth-allow-private-client-metadata", Env: "MYAPI_OAUTH_ALLOW_PRIVATE_CLIENT_METADATA", Default: "false", Bool: true,
		Help: "tests only: fetch client metadata documents from loopback and private addresses, and over http",
		Set:  func(s *Settings, v string) error { return setBool(&s.Config.HTTP.OAuthAllowPrivateClientDoc, v) }},

	// The standalone sandbox command's alone.
	{Name: "sandbox-addr", Env: "MYAPI_SANDBOX_ADDR", Default: sandbox.DefaultAddr, Help: "address to listen on (port 0 picks a free one); beyond loopback it needs --allow-remote",
		Set: func(s *Settings, v string) error { return setAddr(&s.Config.SandboxConfig.Addr, v) }},
	{Name: "sandbox-token-ttl", Kind: "duration", Env: "MYAPI_SANDBOX_TOKEN_TTL", Default: sandbox.DefaultTokenTTL.String(), Help: "lifetime of issued JWTs (> 0)",
		Set: func(s *Settings, v string) error { return setPositiveDuration(&s.Config.SandboxConfig.TokenTTL, v) }},
	{Name: "sandbox-rate-limit", Kind: "float", Env: "MYAPI_SANDBOX_RATE_LIMIT", Default: strconv.Itoa(sandbox.DefaultRateLimit), Help: "requests per second per credential (negative: off)",
		Set: func(s *Settings, v string) error {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f != f {
				return errors.New("want a number")
			}
			s.Config.SandboxConfig.RateLimit = f
			return nil
		}},
	{Name: "sandbox-allow-remote", Env: "MYAPI_SANDBOX_ALLOW_REMOTE", Default: "false", Bool: true, Help: "allow an address beyond loopback",
		Set: func(s *Settings, v string) error { return setBool(&s.Config.SandboxConfig.AllowRemote, v) }},

	// Output choices of one invocation: no variable (a MYAPI_* that
	// silently revealed secrets or changed a format would surprise).
	{Name: "json", Default: "false", Bool: true, Help: "print JSON",
		Set: func(s *Settings, v string) error { return setBool(&s.Output.JSON, v) }},
	{Name: "markdown", Default: "false", Bool: true, Help: "print the README's tool table",
		Set: func(s *Settings, v string) error { return setBool(&s.Output.Markdown, v) }},
	{Name: "env-file", Help: "the .env file to read",
		Set: func(s *Settings, v string) error { s.Output.EnvFile = v; return nil }},
	{Name: "show-secrets", Default: "false", Bool: true, Help: "print secrets in full",
		Set: func(s *Settings, v string) error { return setBool(&s.Output.ShowSecrets, v) }},
	{Name: "since", Help: "show entries from this long ago (90m, 24h, 7d) or this date or time (2026-12-01, RFC 3339)",
		Set: func(s *Settings, v string) error {
			_, err := audit.ParseSince(v, time.Now()) // checked now, read against the clock when the command runs
			s.Output.Since = v
			return err
		}},
	{Name: "out", Help: "write the credentials, secrets in full, to this file (mode 0600; an existing file is kept unless --force)",
		Set: func(s *Settings, v string) error { s.Output.Out = v; return nil }},
	{Name: "force", Default: "false", Bool: true, Help: "export: replace the --out file; rotate-key: rotate a key another profile holds too (it stops working there); setup: replace a server of the same name that runs something else",
		Set: func(s *Settings, v string) error { return setBool(&s.Output.Force, v) }},
	{Name: "yes", Default: "false", Bool: true, Help: "logout: delete without asking (needed where no one is at a terminal to answer)",
		Set: func(s *Settings, v string) error { return setBool(&s.Output.Yes, v) }},
	// setup's: what goes into the host's file. The entry's --sandbox is
	// its own row, without MYAPI_SANDBOX: a variable of this shell says
	// nothing about the host's server.
	{Name: "setup-sandbox", Default: "false", Bool: true, Help: "configure the server on the embedded sandbox (adds --sandbox; named myapihq-sandbox)",
		Set: func(s *Settings, v string) error { return setBool(&s.Output.SetupSandbox, v) }},
	{Name: "print", Default: "false", Bool: true, Help: "print the file setup would write, and write nothing",
		Set: func(s *Settings, v string) error { return setBool(&s.Output.Print, v) }},
	{Name: "name", Help: "the server's name in the host's file (default myapihq, or myapihq-sandbox with --sandbox)",
		Set: func(s *Settings, v string) error { s.Output.Name = v; return nil }},
}

// Flag sets of each command, by row name. An entry "flag=row" binds the
// row under another flag name (the sandbox command takes the sandbox's
// rows without their prefix).
var (
	ServiceFlags = []string{"base-url", "sandbox", "sandbox-state", "profile", "credential-store"}
	ServerFlags  = append(append([]string{}, ServiceFlags...), "sandbox-faults", "sandbox-import-delay", "sandbox-allow-private-webhooks",
		"service-url", "env-file-dir", "log-level", "log-file", "toolsets", "read-only", "max-topup-cents", "max-spend-cents", "require-consent")
	HTTPFlags = []string{"addr", "http-token", "allowed-origins", "allow-remote", "http-session-idle", "multi-tenant", "redis", "drain-grace",
		"tenant-rps", "tenant-concurrency", "pinned-sessions", "unknown-keys-per-address", "metrics-addr", "metrics-token", "oauth", "public-url",
		"api-key-bearer", "oauth-access-ttl", "oauth-refresh-ttl", "trusted-proxies", "oauth-allow-private-client-metadata"}
	SandboxFlags = []string{"addr=sandbox-addr", "state=sandbox-state", "token-ttl=sandbox-token-ttl", "import-delay=sandbox-import-delay",
		"rate-limit=sandbox-rate-limit", "faults=sandbox-faults", "allow-private-webhooks=sandbox-allow-private-webhooks",
		"allow-remote=sandbox-allow-remote"}
	ToolsFlags = []string{"toolsets", "read-only", "max-topup-cents", "json", "markdown"}
	AuditFlags = []string{"json", "since"}
	SetupFlags = []string{"sandbox=setup-sandbox", "print", "force", "name"}
)

// binding splits a command list's entry into its flag name and row name.
func binding(entry string) (flag, rowName string) {
	if f, r, ok := strings.Cut(entry, "="); ok {
		return f, r
	}
	return entry, entry
}

func toolsetNames() string {
	names := make([]string, len(tools.AllToolsets))
	for i, t := range tools.AllToolsets {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

func row(name string) Flag {
	for _, f := range flagTable {
		if f.Name == name {
			return f
		}
	}
	panic("no flag row " + name)
}

// NewSettings is every row's default.
func NewSettings() *Settings {
	s := &Settings{}
	for _, f := range flagTable {
		if f.Repeatable && f.Default == "" {
			continue
		}
		if err := f.Set(s, f.Default); err != nil {
			panic(fmt.Sprintf("flag %s: default %q: %v", f.Name, f.Default, err))
		}
	}
	return s
}

// Bind adds the named rows to fs, filling s.
func Bind(fs *pflag.FlagSet, s *Settings, names ...string) {
	for _, entry := range names {
		flagName, name := binding(entry)
		f := row(name)
		help := f.Help
		if f.Env != "" {
			help += " (" + f.Env + ")"
		}
		pf := fs.VarPF(&value{row: f, s: s}, flagName, "", help)
		pf.DefValue = f.Default
		if f.Bool {
			pf.NoOptDefVal = "true"
		}
		if f.Env != "" {
			_ = fs.SetAnnotation(flagName, EnvAnnotation, []string{f.Env})
		}
	}
}

// ApplyEnv sets every flag of fs not given on the command line from its
// variable, through the same parser; an error names the variable. A
// variable set to "" counts as unset (host configs often carry empty ones).
func ApplyEnv(fs *pflag.FlagSet, lookup func(string) (string, bool)) error {
	var err error
	fs.VisitAll(func(pf *pflag.Flag) {
		env := pf.Annotations[EnvAnnotation]
		if err != nil || pf.Changed || len(env) == 0 {
			return
		}
		v, ok := lookup(env[0])
		if !ok || v == "" {
			return
		}
		vals := []string{v}
		if r, isRow := pf.Value.(*value); isRow && r.row.Repeatable {
			vals = splitList(v)
		}
		for _, one := range vals {
			if e := pf.Value.Set(one); e != nil {
				if r, isRow := pf.Value.(*value); isRow && r.row.Secret {
					err = fmt.Errorf("invalid %s: %v", env[0], e)
				} else {
					err = fmt.Errorf("invalid %s=%q: %v", env[0], v, e)
				}
				return
			}
		}
	})
	return err
}

// value adapts a row to pflag: Set goes through the row's one parser.
type value struct {
	row  Flag
	s    *Settings
	last string
}

func (v *value) Set(s string) error {
	if err := v.row.Set(v.s, s); err != nil {
		return err
	}
	v.last = s
	return nil
}

func (v *value) String() string {
	if v == nil {
		return ""
	}
	return v.last
}

func (v *value) Type() string {
	switch {
	case v.row.Bool:
		return "bool"
	case v.row.Repeatable:
		return "stringArray"
	case v.row.Kind != "":
		return v.row.Kind
	}
	return "string"
}

// Parsers shared by the rows.

func setBool(p *bool, v string) error {
	switch v {
	case "true", "1":
		*p = true
	case "false", "0":
		*p = false
	default:
		return errors.New("want true, false, 1 or 0")
	}
	return nil
}

// setLimit takes a positive whole number, or -1 for no limit.
func setLimit(p *int, v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n == 0 || n < -1 {
		return errors.New("want a whole number above 0, or -1 for no limit")
	}
	*p = n
	return nil
}

func setPositive(p *int64, v string) error {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return errors.New("want a whole number of cents above 0")
	}
	*p = n
	return nil
}

func setDuration(p *time.Duration, v string) error {
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return errors.New(`want a duration such as "0", "500ms" or "2s"`)
	}
	*p = d
	return nil
}

// setPositiveDuration is setDuration that refuses 0.
func setPositiveDuration(p *time.Duration, v string) error {
	if err := setDuration(p, v); err != nil {
		return err
	}
	if *p == 0 {
		return errors.New("must be more than 0")
	}
	return nil
}

func setEnum(p *string, v string, choices ...string) error {
	for _, c := range choices {
		if v == c {
			*p = v
			return nil
		}
	}
	return fmt.Errorf("want one of %s", strings.Join(choices, ", "))
}

func setNonEmpty(p *string, v string) error {
	if strings.TrimSpace(v) == "" {
		return errors.New("must not be empty")
	}
	*p = v
	return nil
}

func setURL(p *string, v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("want an http:// or https:// URL")
	}
	*p = v
	return nil
}

func setAddr(p *string, v string) error {
	if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
		return fmt.Errorf("want host:port, e.g. %q (port 0 picks a free one)", DefaultAddr)
	}
	*p = v
	return nil
}

func checkFaults(v string) error {
	_, err := sandbox.ParseFaults(v)
	return err
}

func addServiceURL(p *[]string, v string) error {
	host, u, ok := strings.Cut(v, "=")
	if !ok || host == "" || setURL(new(string), u) != nil {
		return errors.New("want HOST=URL, e.g. mydomainapi.com=http://127.0.0.1:8787")
	}
	*p = append(*p, v)
	return nil
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
