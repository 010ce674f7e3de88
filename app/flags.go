package app

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/myapihq/myapihq-mcp/hqclient"
	"github.com/myapihq/myapihq-mcp/oauth"
	"github.com/myapihq/myapihq-mcp/sandbox"
	"github.com/myapihq/myapihq-mcp/tools"
)

// Settings is everything the command line and its MYAPI_* variables set,
// for every command; each command binds only the rows it uses.
type Settings struct {
	Config  Config
	HTTP    HTTPConfig
	Sandbox SandboxConfig
	Output  Output
}

// Output holds the choices of one invocation of `auth` or `tools`.
type Output struct {
	JSON        bool   // auth status, tools: print JSON
	Markdown    bool   // tools: print the README's table
	ShowSecrets bool   // auth export: print secrets in full
	EnvFile     string // auth import: the .env file to read
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
	{Name: "sandbox-state", Env: "MYAPI_SANDBOX_STATE", Help: "the embedded sandbox's state file (default in the user data dir; its folder is created 0700)",
		Set: func(s *Settings, v string) error { s.Config.SandboxState = v; return nil }},
	{Name: "sandbox-faults", Env: "MYAPI_SANDBOX_FAULTS", Help: `inject faults into the embedded sandbox, e.g. "5xx=0.2,drop=0.1,seed=7"`,
		Set: func(s *Settings, v string) error { s.Config.SandboxFaults = v; return checkFaults(v) }},
	{Name: "sandbox-import-delay", Kind: "duration", Env: "MYAPI_SANDBOX_IMPORT_DELAY", Default: "2s", Help: "how long a sandbox brand import takes per phase (0: at once)",
		Set: func(s *Settings, v string) error { return setDuration(&s.Config.ImportDelay, v) }},
	{Name: "sandbox-allow-private-webhooks", Env: "MYAPI_SANDBOX_ALLOW_PRIVATE_WEBHOOKS", Default: "false", Bool: true,
		Help: "let the embedded sandbox deliver webhooks to loopback and private addresses (tests, local receivers)",
		Set:  func(s *Settings, v string) error { return setBool(&s.Config.SandboxAllowPrivateWebhooks, v) }},
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
	{Name: "toolsets", Env: "MYAPI_TOOLSETS", Default: "all", Help: "comma-separated: " + strings.Join(tools.Toolsets, ", ") + " or all",
		Set: func(s *Settings, v string) error {
			list := strings.Split(v, ",")
			if _, err := tools.Select(nil, list, false); err != nil { // names only: building every tool to check them cost start-up 0.1 ms
				return err
			}
			s.Config.Toolsets = list
			return nil
		}},
	{Name: "read-only", Env: "MYAPI_READ_ONLY", Default: "false", Bool: true, Help: "offer and allow read-only tools only",
		Set: func(s *Settings, v string) error { return setBool(&s.Config.ReadOnly, v) }},
	{Name: "max-topup-cents", Kind: "int", Env: "MYAPI_MAX_TOPUP_CENTS", Default: strconv.Itoa(tools.DefaultMaxTopUpCents), Help: "largest top_up allowed, in cents (> 0)",
		Set: func(s *Settings, v string) error { return setPositive(&s.Config.MaxTopUpCents, v) }},
	// Wired at merge (issue 10): the rolling 24-hour spending budget.
	{Name: "max-spend-cents", Kind: "int", Env: "MYAPI_MAX_SPEND_CENTS", Default: "10000", Help: "most the tools may spend per rolling 24 hours, in cents (> 0)",
		Set: func(s *Settings, v string) error { return setPositive(&s.Config.MaxSpendCents, v) }},
	// Wired at merge (issue 10): refuse consent-guarded tools on hosts that cannot ask.
	{Name: "require-consent", Env: "MYAPI_REQUIRE_CONSENT", Default: "false", Bool: true, Help: "refuse tools that need the human's consent when the host cannot ask",
		Set: func(s *Settings, v string) error { return setBool(&s.Config.RequireConsent, v) }},

	// http.
	{Name: "addr", Env: "MYAPI_HTTP_ADDR", Default: "127.0.0.1:8080", Help: "address to listen on; beyond loopback it needs --allow-remote and a token",
		Set: func(s *Settings, v string) error { return setAddr(&s.HTTP.Addr, v) }},
	{Name: "http-token", Env: "MYAPI_HTTP_TOKEN", Secret: true, Help: "require Authorization: Bearer <token>; pass it in the variable, a flag shows in the process list",
		Set: func(s *Settings, v string) error { s.HTTP.Token = v; return nil }},
	{Name: "allowed-origins", Env: "MYAPI_ALLOWED_ORIGINS", Help: "comma-separated browser origins allowed besides localhost",
		Set: func(s *Settings, v string) error { s.HTTP.AllowedOrigins = splitList(v); return nil }},
	{Name: "allow-remote", Env: "MYAPI_HTTP_ALLOW_REMOTE", Default: "false", Bool: true, Help: "allow an address beyond loopback (with a token)",
		Set: func(s *Settings, v string) error { return setBool(&s.HTTP.AllowRemote, v) }},
	{Name: "http-session-idle", Kind: "duration", Env: "MYAPI_HTTP_SESSION_IDLE", Default: "30m",
		Help: "end an HTTP session unused this long, with its human login and retry keys (> 0)",
		Set:  func(s *Settings, v string) error { return setPositiveDuration(&s.HTTP.SessionIdleTTL, v) }},
	// The multi-tenant remote mode (app/remote.go).
	{Name: "multi-tenant", Env: "MYAPI_MULTI_TENANT", Default: "false", Bool: true, Help: "serve many tenants: credentials come with each request, none is stored",
		Set: func(s *Settings, v string) error { return setBool(&s.HTTP.MultiTenant, v) }},
	{Name: "redis", Env: "MYAPI_REDIS_URL", Secret: true, Help: "redis://… URL for state shared by replicas",
		Set: func(s *Settings, v string) error {
			if v != "" {
				if u, err := url.Parse(v); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
					return errors.New("want a redis:// or rediss:// URL")
				}
			}
			s.HTTP.Redis = v
			return nil
		}},
	{Name: "drain-grace", Kind: "duration", Env: "MYAPI_DRAIN_GRACE", Default: "5s", Help: "after SIGTERM, keep serving this long while /readyz says no",
		Set: func(s *Settings, v string) error { return setDuration(&s.HTTP.DrainGrace, v) }},
	{Name: "tenant-rps", Kind: "int", Env: "MYAPI_TENANT_RPS", Default: "20", Help: "multi-tenant: requests per second per API key (-1: no limit)",
		Set: func(s *Settings, v string) error { return setLimit(&s.HTTP.TenantRPS, v) }},
	{Name: "tenant-concurrency", Kind: "int", Env: "MYAPI_TENANT_CONCURRENCY", Default: "8", Help: "multi-tenant: tool calls in flight per API key and replica (-1: no limit)",
		Set: func(s *Settings, v string) error { return setLimit(&s.HTTP.TenantConcurrency, v) }},
	{Name: "pinned-sessions", Env: "MYAPI_PINNED_SESSIONS", Default: "false", Bool: true,
		Help: "multi-tenant: the load balancer pins MCP sessions, so legacy-era clients may be asked for consent",
		Set:  func(s *Settings, v string) error { return setBool(&s.HTTP.PinnedSessions, v) }},

	// The remote mode's OAuth authorization server (app/oauth.go, docs/oauth.md).
	{Name: "oauth", Env: "MYAPI_OAUTH", Default: "false", Bool: true,
		Help: "multi-tenant: be an OAuth 2.1 authorization server, so hosts can connect by URL and sign in (needs --public-url)",
		Set:  func(s *Settings, v string) error { return setBool(&s.HTTP.OAuth, v) }},
	{Name: "public-url", Env: "MYAPI_PUBLIC_URL", Help: "with --oauth: the https URL hosts reach (the issuer; /mcp under it is the resource); plain http only on loopback",
		Set: func(s *Settings, v string) error {
			if v == "" {
				s.HTTP.PublicURL = ""
				return nil
			}
			u, err := oauth.CheckPublicURL(v)
			if err != nil {
				return errors.New(strings.TrimPrefix(err.Error(), "--public-url: "))
			}
			s.HTTP.PublicURL = u
			return nil
		}},
	{Name: "api-key-bearer", Env: "MYAPI_API_KEY_BEARER", Default: "true", Bool: true,
		Help: "with --oauth: still accept a raw API key as the bearer (with the PIN header), for headless callers",
		Set:  func(s *Settings, v string) error { return setBool(&s.HTTP.APIKeyBearer, v) }},
	{Name: "oauth-access-ttl", Kind: "duration", Env: "MYAPI_OAUTH_ACCESS_TTL", Default: "10m", Help: "with --oauth: lifetime of access tokens (> 0)",
		Set: func(s *Settings, v string) error { return setPositiveDuration(&s.HTTP.OAuthAccessTTL, v) }},
	{Name: "oauth-refresh-ttl", Kind: "duration", Env: "MYAPI_OAUTH_REFRESH_TTL", Default: "720h", Help: "with --oauth: a connection unused this long ends (> 0)",
		Set: func(s *Settings, v string) error { return setPositiveDuration(&s.HTTP.OAuthRefreshTTL, v) }},
	{Name: "trusted-proxies", Env: "MYAPI_TRUSTED_PROXIES", Help: "comma-separated CIDRs of load balancers whose X-Forwarded-For names the client (sign-in limits per address)",
		Set: func(s *Settings, v string) error {
			s.HTTP.TrustedProxies = nil
			for _, c := range splitList(v) {
				p, err := netip.ParsePrefix(c)
				if err != nil {
					return errors.New("want CIDRs such as 10.0.0.0/8")
				}
				s.HTTP.TrustedProxies = append(s.HTTP.TrustedProxies, p)
			}
			return nil
		}},
	{Name: "oauth-allow-private-client-metadata", Env: "MYAPI_OAUTH_ALLOW_PRIVATE_CLIENT_METADATA", Default: "false", Bool: true,
		Help: "tests only: fetch client metadata documents from loopback and private addresses, and over http",
		Set:  func(s *Settings, v string) error { return setBool(&s.HTTP.OAuthAllowPrivateClientDoc, v) }},

	// The standalone sandbox.
	{Name: "sandbox-addr", Env: "MYAPI_SANDBOX_ADDR", Default: "127.0.0.1:8787", Help: "address to listen on (port 0 picks a free one); beyond loopback it needs --allow-remote",
		Set: func(s *Settings, v string) error { return setAddr(&s.Sandbox.Addr, v) }},
	{Name: "state", Env: "MYAPI_SANDBOX_STATE", Help: "SQLite state file, its folder created 0700 (default: in memory)",
		Set: func(s *Settings, v string) error { s.Sandbox.State = v; return nil }},
	{Name: "token-ttl", Kind: "duration", Env: "MYAPI_SANDBOX_TOKEN_TTL", Default: "15m", Help: "lifetime of issued JWTs (> 0)",
		Set: func(s *Settings, v string) error { return setPositiveDuration(&s.Sandbox.TokenTTL, v) }},
	{Name: "import-delay", Kind: "duration", Env: "MYAPI_SANDBOX_IMPORT_DELAY", Default: "2s", Help: "time a brand import spends queued, then processing (0: at once)",
		Set: func(s *Settings, v string) error { return setDuration(&s.Sandbox.ImportDelay, v) }},
	{Name: "rate-limit", Kind: "float", Env: "MYAPI_SANDBOX_RATE_LIMIT", Default: "1000", Help: "requests per second per credential (negative: off)",
		Set: func(s *Settings, v string) error {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f != f {
				return errors.New("want a number")
			}
			s.Sandbox.RateLimit = f
			return nil
		}},
	{Name: "faults", Env: "MYAPI_SANDBOX_FAULTS", Help: `inject faults, e.g. "5xx=0.2,429=0.05,drop=0.1,latency=20ms,seed=7"`,
		Set: func(s *Settings, v string) error { s.Sandbox.Faults = v; return checkFaults(v) }},
	{Name: "allow-private-webhooks", Env: "MYAPI_SANDBOX_ALLOW_PRIVATE_WEBHOOKS", Default: "false", Bool: true, Help: "deliver webhooks to loopback and private addresses too",
		Set: func(s *Settings, v string) error { return setBool(&s.Sandbox.AllowPrivateWebhooks, v) }},
	{Name: "sandbox-allow-remote", Env: "MYAPI_SANDBOX_ALLOW_REMOTE", Default: "false", Bool: true, Help: "allow an address beyond loopback",
		Set: func(s *Settings, v string) error { return setBool(&s.Sandbox.AllowRemote, v) }},

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
}

// Rows are named by flag; two rows may share a flag name only through an
// alias below (the standalone sandbox's --addr and --allow-remote).
var flagAliases = map[string]string{"sandbox-addr": "addr", "sandbox-allow-remote": "allow-remote"}

// Flag sets of each command, by row name.
var (
	ServiceFlags = []string{"base-url", "sandbox", "sandbox-state", "profile", "credential-store"}
	ServerFlags  = append(append([]string{}, ServiceFlags...), "sandbox-faults", "sandbox-import-delay", "sandbox-allow-private-webhooks",
		"service-url", "env-file-dir", "log-level", "log-file", "toolsets", "read-only", "max-topup-cents", "max-spend-cents", "require-consent")
	HTTPFlags = []string{"addr", "http-token", "allowed-origins", "allow-remote", "http-session-idle", "multi-tenant", "redis", "drain-grace",
		"tenant-rps", "tenant-concurrency", "pinned-sessions", "oauth", "public-url", "api-key-bearer", "oauth-access-ttl", "oauth-refresh-ttl",
		"trusted-proxies", "oauth-allow-private-client-metadata"}
	SandboxFlags = []string{"sandbox-addr", "state", "token-ttl", "import-delay", "rate-limit", "faults", "allow-private-webhooks", "sandbox-allow-remote"}
	ToolsFlags   = []string{"toolsets", "read-only", "max-topup-cents", "json", "markdown"}
)

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
	for _, name := range names {
		f := row(name)
		flagName := f.Name
		if alias, ok := flagAliases[name]; ok {
			flagName = alias
		}
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

// userInfo matches the user info of a URL (scheme://user:password@).
var userInfo = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://)[^/@\s"']*@`)

// RedactURLs hides the user info of every URL in s: an error that quotes a
// refused --base-url or MYAPI_REDIS_URL must not print its password.
func RedactURLs(s string) string { return userInfo.ReplaceAllString(s, "${1}…@") }

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
		return errors.New(`want host:port, e.g. "127.0.0.1:8080" (port 0 picks a free one)`)
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
