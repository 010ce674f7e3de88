package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/myapihq/myapihq-mcp/hqclient"
	"github.com/myapihq/myapihq-mcp/internal/loopback"
	"github.com/myapihq/myapihq-mcp/internal/mask"
	"github.com/myapihq/myapihq-mcp/metrics"
	"github.com/myapihq/myapihq-mcp/remote"
	"github.com/myapihq/myapihq-mcp/toolkit"
	"github.com/myapihq/myapihq-mcp/tools"
)

// The multi-tenant mode: one endpoint for many accounts, each request
// carrying its own API key (and PIN), served by any replica. What differs
// from the local modes is built here and added in Build: the gate in
// front, per-caller clients, state shared by the replicas, and two steps
// of the pipeline (metrics, the legacy-era consent guard).

// MinStateKey is the shortest MYAPI_STATE_KEY taken: it signs consent
// questions, so it must not be guessable.
const MinStateKey = 32

// Defaults of the per-tenant limits (--tenant-rps, --tenant-concurrency).
const (
	DefaultTenantRPS         = 20
	DefaultTenantConcurrency = 8
)

// checkMultiTenant refuses what cannot run before anything starts: no
// --http-token (each request's bearer is its API key), and no guessable
// MYAPI_STATE_KEY. Beyond loopback it needs --allow-remote; with --oauth,
// the URL hosts reach (oauth.go).
func checkMultiTenant(hc HTTPConfig) error {
	if hc.Token != "" {
		return configError("--multi-tenant takes each caller's API key as its bearer: --http-token cannot be used with it")
	}
	if !hc.loopback() && !hc.AllowRemote {
		return configError("%s is not a loopback address: serving beyond this machine needs --allow-remote, with TLS in front", hc.addr())
	}
	key := hc.StateKey
	if strings.Contains(key, "REPLACE") {
		// deploy/kubernetes/secret.yaml's placeholder is public: consent
		// questions signed with it could be forged by anyone.
		return configError("MYAPI_STATE_KEY is still the placeholder of deploy/kubernetes/secret.yaml: set 32+ random bytes (openssl rand -hex 32)")
	}
	if key != "" && len(key) < MinStateKey {
		return configError("MYAPI_STATE_KEY is %d characters: use at least %d (openssl rand -hex 32), the same on every replica", len(key), MinStateKey)
	}
	if hc.MetricsToken != "" && len(hc.MetricsToken) < MinTokenLength {
		return configError("MYAPI_METRICS_TOKEN is %d characters: use at least %d (openssl rand -hex 32)", len(hc.MetricsToken), MinTokenLength)
	}
	if hc.MetricsAddr != "" && !loopback.Addr(hc.MetricsAddr) && !hc.AllowRemote {
		return configError("--metrics-addr %s is not a loopback address: serving beyond this machine needs --allow-remote", hc.MetricsAddr)
	}
	if _, password := redisAuth(hc.Redis); strings.Contains(password, "REPLACE") {
		// The same for the Redis password: anyone could use it.
		return configError("the password in MYAPI_REDIS_URL is still the placeholder of deploy/kubernetes/secret.yaml: set redis-password to random bytes (openssl rand -hex 32)")
	}
	return checkOAuth(hc)
}

// redisAuth is the host and the password of a Redis URL (its flag row
// checked the URL's form).
func redisAuth(rawURL string) (host, password string) {
	u, err := url.Parse(rawURL)
	if err != nil || rawURL == "" {
		return "", ""
	}
	if u.User != nil {
		password, _ = u.User.Password()
	}
	return u.Hostname(), password
}

// buildTenants gives the multi-tenant mode its gate (each request's
// caller, rate and concurrency limits), a client per caller over one
// shared transport, and the state the replicas share (Redis).
// MYAPI_STATE_KEY (HTTPConfig.StateKey), shared by every replica, lets a
// consent answer land on another replica than the question.
func (a *App) buildTenants(d *tools.Deps) error {
	hc := a.Config.HTTP
	if hc.TenantRPS == 0 {
		hc.TenantRPS = DefaultTenantRPS
	}
	if hc.TenantConcurrency == 0 {
		hc.TenantConcurrency = DefaultTenantConcurrency
	}
	a.Config.HTTP = hc
	if key := hc.StateKey; key != "" {
		d.Config.StateKey = []byte(key)
	} else {
		a.Log.Warn().Msg("MYAPI_STATE_KEY is not set: consent answers are accepted only by the replica that asked; set the same key on every replica")
	}
	a.Metrics = metrics.New()
	// One transport for every tenant's client: connections are pooled,
	// cookies (refresh tokens) stay per client (hqclient.New).
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	shared := &http.Client{Transport: a.Metrics.Transport(tr)}
	newClient := func(creds hqclient.Credentials) (*hqclient.Client, error) {
		return hqclient.New(hqclient.Options{BaseURL: a.BaseURL, Credentials: creds, Version: a.Config.Version, Logger: &a.Log, HTTPClient: shared})
	}
	var rate remote.RateLimiter = &remote.MemoryRate{PerSecond: hc.TenantRPS}
	var ready func(context.Context) error
	if hc.Redis != "" {
		rd, err := remote.NewRedis(hc.Redis, hc.TenantRPS)
		if err != nil {
			return err
		}
		a.Redis, rate, ready = rd, rd, rd.Ping
		if host, password := redisAuth(hc.Redis); password == "" && !loopback.Host(host) {
			a.Log.Warn().Msg("MYAPI_REDIS_URL has no password: whoever reaches that Redis can drop used consent nonces and pending retry keys; " +
				"require one (deploy/kubernetes/redis.yaml does) and limit who may connect")
		}
		// Shared by the replicas: a retried write, and a consent answer,
		// count once whichever replica serves them.
		d.Retries, d.Nonces = rd, rd
	}
	// Before a caller is known it costs the HQ little: unknown keys are
	// checked within a budget per address, and a tenant's mints within
	// one per key.
	tenants := &remote.Tenants{NewClient: newClient, Strangers: &remote.Strangers{Max: hc.UnknownKeysPerAddress}, Mints: &remote.Mints{}}
	a.Gate = &remote.Gate{Tenants: tenants, Rate: rate,
		Concurrency: &remote.Concurrency{Max: hc.TenantConcurrency}, Metrics: a.Metrics, Log: a.Log, Ready: ready,
		Streams: hc.PinnedSessions, TrustedProxies: hc.TrustedProxies}
	if hc.MetricsAddr == "" {
		a.Gate.Scrape = a.scrapeHandler()
	}
	d.LegacyCannotAsk = !hc.PinnedSessions // as the legacy-consent step refuses the tools that ask
	noCaller := errors.New("no caller in the request context")
	d.NewClient = newClient
	d.Identity = func(ctx context.Context) (string, bool) {
		t, ok := remote.TenantFrom(ctx)
		if !ok {
			return "", false
		}
		return t.Hash, true
	}
	d.ClientFor = func(ctx context.Context) (*hqclient.Client, error) {
		if t, ok := remote.TenantFrom(ctx); ok {
			return t.Client(), nil
		}
		return nil, noCaller
	}
	d.Caller = func(ctx context.Context) (tools.Caller, bool) {
		if t, ok := remote.TenantFrom(ctx); ok {
			return t, true
		}
		return nil, false
	}
	d.Secrets = func(ctx context.Context) []mask.Secret {
		t, ok := remote.TenantFrom(ctx)
		if !ok {
			return nil
		}
		s := t.ServiceSecrets()
		return append(s.Mask, mask.Secret{Kind: mask.Key, Value: s.APIKey})
	}
	return nil
}

// StepMetrics and StepLegacyConsent are the multi-tenant mode's own steps.
const (
	StepMetrics       = "metrics"
	StepLegacyConsent = "legacy-consent"
)

// metricsStep counts and times every call, and the consent answers. Its
// labels come from sets package metrics defines: a client's elicitation
// action, on any tool, is one of the protocol's three or "invalid".
func (a *App) metricsStep() toolkit.Step {
	return toolkit.Step{Name: StepMetrics, What: "count and time every call, and the consent answers (multi-tenant: /metrics)",
		Run: func(ctx context.Context, c *toolkit.Call, next toolkit.Next) (*mcp.CallToolResult, error) {
			m := a.Metrics
			m.InFlight.Inc()
			defer m.InFlight.Dec()
			start := time.Now()
			if ans := server.ElicitationResponse(c.Request.Params.InputResponses, "confirm"); ans != nil {
				m.Consent(answerOutcome(ans.Action))
			}
			res, err := next(ctx, c)
			outcome := metrics.OutcomeOK
			switch {
			case err != nil:
				outcome = metrics.OutcomeError
			case res != nil && res.ResultType == mcp.ResultTypeInputRequired:
				outcome = metrics.OutcomeInputRequired
				m.Consent(metrics.ConsentAsked)
			case res != nil && res.IsError:
				outcome = metrics.OutcomeToolError
			}
			m.ObserveTool(c.Tool.Name, outcome, time.Since(start))
			if t, ok := remote.TenantFrom(ctx); ok {
				a.Log.Debug().Str("tenant", t.Short()).Str("tool", c.Tool.Name).Str("outcome", outcome).Dur("took", time.Since(start)).Msg("tool call")
			}
			return res, err
		}}
}

// answerOutcome is the consent outcome of a client's elicitation action:
// the protocol's three, or invalid for anything else it sent.
func answerOutcome(action mcp.ElicitationResponseAction) string {
	switch action {
	case mcp.ElicitationResponseActionAccept:
		return metrics.ConsentAccept
	case mcp.ElicitationResponseActionDecline:
		return metrics.ConsentDecline
	case mcp.ElicitationResponseActionCancel:
		return metrics.ConsentCancel
	}
	return metrics.ConsentInvalid
}

// legacyConsentGuard refuses the tools that ask the human to legacy-era
// clients when sessions are not pinned: their consent question is a
// server-initiated request whose answer would reach whichever replica the
// balancer picks, and stateless, no replica could tell the client's
// capabilities anyway.
func (a *App) legacyConsentGuard() toolkit.Step {
	return toolkit.Step{Name: StepLegacyConsent, What: "refuse a tool that asks the human to a legacy-era client, unless sessions are pinned (multi-tenant)",
		Run: func(ctx context.Context, c *toolkit.Call, next toolkit.Next) (*mcp.CallToolResult, error) {
			if c.Tool.Asks() && !a.Config.HTTP.PinnedSessions && !server.IsModernRequest(ctx) {
				a.Metrics.Consent(metrics.ConsentRefusedLegacy)
				c.Consent = toolkit.ConsentHostPolicy // for the trail: no elicitation is available here
				return mcp.NewToolResultError(fmt.Sprintf("%s needs the user's confirmation, which this remote server can ask only of "+
					"clients speaking MCP 2026-07-28 or later (or when its deployment pins sessions). Not done: ask the user to "+
					"update their MCP host, or do this in the MyAPIHQ dashboard.", c.Tool.Name)), nil
			}
			return next(ctx, c)
		}}
}
