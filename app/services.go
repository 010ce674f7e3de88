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

// openServices gives the tools their door to the other services, with the
// profile's key.
func (a *App) openServices() error {
	over, err := serviceOverrides(a.Config, a.BaseURL)
	if err != nil {
		return err
	}
	door, err := tools.NewServiceDoor(services.Options{Overrides: over, Log: a.Log,
		UserAgent: fmt.Sprintf("myapihq-mcp/%s", a.Config.Version)}, a.Store)
	if err != nil {
		return err
	}
	a.Deps.Door, a.Deps.EnvFileDir = door, a.Config.EnvFileDir
	tools.RegisterServices(a.MCP, a.Deps)
	return nil
}

// remoteDoor is the multi-tenant mode's door: each request's own key is
// added (never stored), its own credentials masked, and the docs cached in
// memory (a replica writes no file; docs are public and fetched without a
// key, so every tenant shares them).
func remoteDoor(a *App, tr http.RoundTripper) (*services.Door, error) {
	over, err := serviceOverrides(a.Config, a.BaseURL)
	if err != nil {
		return nil, err
	}
	if u, err := url.Parse(a.BaseURL); err == nil && !a.Config.Sandbox && loopback.Host(u.Hostname()) && len(over) == 0 {
		a.Log.Warn().Msg("--base-url is a loopback address but no --service-url is set: the services door reaches the live services; " +
			"for a standalone sandbox's stand-ins add --service-url '*=" + a.BaseURL + "/_services'")
	}
	return services.New(services.Options{Overrides: over, Log: a.Log, MemoryCache: true, Transport: tr,
		UserAgent: fmt.Sprintf("myapihq-mcp/%s", a.Config.Version),
		Secrets: func(ctx context.Context) (services.Secrets, error) {
			t, ok := remote.TenantFrom(ctx)
			if !ok {
				return services.Secrets{}, errors.New("no caller in the request context")
			}
			return t.ServiceSecrets(), nil
		}})
}
