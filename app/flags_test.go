package app

import (
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func parse(t *testing.T, env map[string]string, args ...string) (*Settings, error) {
	t.Helper()
	s := NewSettings()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	Bind(fs, s, ServerFlags...)
	Bind(fs, s, HTTPFlags...)
	if err := fs.Parse(args); err != nil {
		return s, err
	}
	return s, ApplyEnv(fs, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
}

// TestFlagAndVariableShareOneParser: each bad value is refused from either
// place, and the error names where it came from.
func TestFlagAndVariableShareOneParser(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ flag, env, bad string }{
		{"read-only", "MYAPI_READ_ONLY", "yes"},
		{"sandbox", "MYAPI_SANDBOX", "on"},
		{"max-topup-cents", "MYAPI_MAX_TOPUP_CENTS", "10k"},
		{"max-topup-cents", "MYAPI_MAX_TOPUP_CENTS", "-5"},
		{"max-topup-cents", "MYAPI_MAX_TOPUP_CENTS", "0"},
		{"max-spend-cents", "MYAPI_MAX_SPEND_CENTS", "0"},
		{"log-level", "MYAPI_LOG_LEVEL", "loud"},
		{"sandbox-faults", "MYAPI_SANDBOX_FAULTS", "5xx=2"},
		{"sandbox-import-delay", "MYAPI_SANDBOX_IMPORT_DELAY", "-1s"},
		{"credential-store", "MYAPI_CREDENTIAL_STORE", "vault"},
		{"toolsets", "MYAPI_TOOLSETS", "everything"},
		{"base-url", "MYAPI_BASE_URL", "ftp://x"},
		{"addr", "MYAPI_HTTP_ADDR", "8080"},
		{"service-url", "MYAPI_SERVICE_URLS", "nohost"},
		{"redis", "MYAPI_REDIS_URL", "http://x"},
		{"drain-grace", "MYAPI_DRAIN_GRACE", "soon"},
		{"public-url", "MYAPI_PUBLIC_URL", "http://mcp.example.com"},
		{"oauth-access-ttl", "MYAPI_OAUTH_ACCESS_TTL", "0"},
		{"trusted-proxies", "MYAPI_TRUSTED_PROXIES", "10.0.0.1"},
	} {
		if _, err := parse(t, nil, "--"+c.flag+"="+c.bad); err == nil || !strings.Contains(err.Error(), "--"+c.flag) {
			t.Errorf("--%s=%s: %v", c.flag, c.bad, err)
		}
		if _, err := parse(t, map[string]string{c.env: c.bad}); err == nil || !strings.Contains(err.Error(), c.env) {
			t.Errorf("%s=%s: %v", c.env, c.bad, err)
		}
	}
}

func TestFlagValues(t *testing.T) {
	t.Parallel()
	s, err := parse(t, map[string]string{"MYAPI_READ_ONLY": "1", "MYAPI_SERVICE_URLS": "a.com=http://127.0.0.1:1,b.com=http://127.0.0.1:2",
		"MYAPI_MAX_TOPUP_CENTS": "700"}, "--sandbox-import-delay", "0", "--max-topup-cents", "900", "--sandbox", "--drain-grace", "1s")
	if err != nil {
		t.Fatal(err)
	}
	c := s.Config
	if !c.ReadOnly || !c.Sandbox || c.SandboxConfig.ImportDelay != 0 || c.MaxTopUpCents != 900 || len(c.ServiceURLs) != 2 || c.HTTP.DrainGrace != time.Second {
		t.Fatalf("%+v %+v", c, c.HTTP)
	}
	if s, err := parse(t, map[string]string{"MYAPI_LOG_LEVEL": "", "MYAPI_READ_ONLY": ""}); err != nil || s.Config.LogLevel != "info" || s.Config.ReadOnly {
		t.Fatalf("an empty variable is unset: %v %+v", err, s.Config)
	}
	d := NewSettings()
	if d.Config.SandboxConfig.ImportDelay != 2*time.Second || d.Config.MaxSpendCents != 10000 || d.Config.HTTP.Addr != "127.0.0.1:8080" ||
		d.Config.HTTP.DrainGrace != 5*time.Second {
		t.Fatalf("defaults: %+v", d.Config)
	}
	// One row a setting: the standalone sandbox takes the embedded one's
	// rows under shorter names, from the same variable.
	sb := NewSettings()
	fs := pflag.NewFlagSet("sandbox", pflag.ContinueOnError)
	Bind(fs, sb, SandboxFlags...)
	if err := fs.Parse([]string{"--faults", "5xx=0.5", "--import-delay", "0"}); err != nil {
		t.Fatal(err)
	}
	if err := ApplyEnv(fs, func(k string) (string, bool) {
		return map[string]string{"MYAPI_SANDBOX_STATE": "x.db"}[k], k == "MYAPI_SANDBOX_STATE"
	}); err != nil {
		t.Fatal(err)
	}
	if c := sb.Config.SandboxConfig; c.Faults != "5xx=0.5" || c.ImportDelay != 0 || c.State != "x.db" || c.Addr != "127.0.0.1:8787" || c.RateLimit != 1000 {
		t.Fatalf("sandbox command: %+v", c)
	}
}

// TestImportDelayZeroMeansZero: 0 reaches the embedded sandbox as 0.
func TestImportDelayZeroMeansZero(t *testing.T) {
	t.Parallel()
	opts, err := SandboxConfig{ImportDelay: 0}.options("x.db")
	if err != nil || opts.ImportDelay != 0 {
		t.Fatalf("%v %v", opts.ImportDelay, err)
	}
}
