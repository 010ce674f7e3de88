package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/myapihq/myapihq-mcp/internal/loopback"
	"github.com/myapihq/myapihq-mcp/remote"
	"github.com/myapihq/myapihq-mcp/services"
	"github.com/myapihq/myapihq-mcp/tools"
)

// serviceOverrides is where each service is reached: --service-url first;
// with the embedded sandbox, every other service is its stand-in. A
// standalone sandbox is not guessed from a loopback --base-url (that may
// as well be a proxy to the live hub): --service-url '*=<its
// URL>/_services' says so.
func serviceOverrides(cfg Config, baseURL string) (map[string]string, error) {
	over, err := services.ParseOverrides(cfg.ServiceURLs)
	if err != nil {
		return nil, err
	}
	if cfg.Sandbox {
		for _, h := range services.Hosts() {
			if _, set := over[h]; !set {
				over[h] = baseURL + "/_services/" + h
			}
		}
	}
	return over, nil
}

// openDoor is the tools' door to the other services. The local modes add
// the profile's key; the multi-tenant mode adds each request's own (never
// stored), masks that caller's credentials, and caches the docs in memory
// (a replica writes no file; docs are public and fetched without a key,
// so every tenant shares them).
func (a *App) openDoor() (*services.Door, error) {
	over, err := serviceOverrides(a.Config, a.BaseURL)
	if err != nil {
		return nil, err
	}
	opts := services.Options{Overrides: over, Log: a.Log, UserAgent: fmt.Sprintf("myapihq-mcp/%s", a.Config.Version)}
	if a.Mode != MultiTenant {
		return tools.NewServiceDoor(opts, a.Store)
	}
	if u, err := url.Parse(a.BaseURL); err == nil && !a.Config.Sandbox && loopback.Host(u.Hostname()) && len(over) == 0 {
		a.Log.Warn().Msg("--base-url is a loopback address but no --service-url is set: the services door reaches the live services; " +
			"for a standalone sandbox's stand-ins add --service-url '*=" + a.BaseURL + "/_services'")
	}
	// The door's connections are pooled across tenants too; the metrics
	// transport counts the hub's requests only.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	opts.MemoryCache, opts.Transport = true, tr
	opts.Secrets = func(ctx context.Context) (services.Secrets, error) {
		t, ok := remote.TenantFrom(ctx)
		if !ok {
			return services.Secrets{}, errors.New("no caller in the request context")
		}
		return t.ServiceSecrets(), nil
	}
	return services.New(opts)
}
