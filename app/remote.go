package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/myapihq/myapihq-mcp/hqclient"
	"github.com/myapihq/myapihq-mcp/metrics"
	"github.com/myapihq/myapihq-mcp/prompts"
	"github.com/myapihq/myapihq-mcp/remote"
	"github.com/myapihq/myapihq-mcp/tools"
)

// The multi-tenant remote mode: one endpoint for many accounts, each
// request carrying its own API key (and PIN), served by any replica.

// remoteTools is what the mode offers: no LocalOnly tool (they manage this
// machine's credential store or a human's login held in a session,
// meaningless when the caller brings its credentials with every request
// and no replica keeps a session), and whoami replaced by remoteWhoami.
// The services door is offered with each caller's own key (remoteDoor).
func remoteTools(all []tools.Tool) []tools.Tool {
	var out []tools.Tool
	for _, t := range tools.Remote(all) {
		if t.Name != "whoami" {
			out = append(out, t)
		}
	}
	return out
}

// MinStateKey is the shortest MYAPI_STATE_KEY taken: it signs consent
// questions, so it must not be guessable.
const MinStateKey = 32

// runRemote serves the multi-tenant mode. Beyond loopback it needs
// --allow-remote; no --http-token (each request's bearer is its API key).
// MYAPI_STATE_KEY, shared by every replica, lets a consent answer land on
// another replica than the question; it is read from the environment only
// (a secret on the command line shows in the process list).
func runRemote(ctx context.Context, cfg Config, hc HTTPConfig, stderr io.Writer) error {
	if hc.Addr == "" {
		hc.Addr = "127.0.0.1:8080"
	}
	if !loopback(hc.Addr) && !hc.AllowRemote {
		return configError("%s is not a loopback address: serving beyond this machine needs --allow-remote, with TLS in front", hc.Addr)
	}
	key := os.Getenv("MYAPI_STATE_KEY")
	if strings.Contains(key, "REPLACE") {
		// deploy/kubernetes/secret.yaml's placeholder is public: consent
		// questions signed with it could be forged by anyone.
		return configError("MYAPI_STATE_KEY is still the placeholder of deploy/kubernetes/secret.yaml: set 32+ random bytes (openssl rand -hex 32)")
	}
	if key != "" && len(key) < MinStateKey {
		return configError("MYAPI_STATE_KEY is %d characters: use at least %d (openssl rand -hex 32), the same on every replica", len(key), MinStateKey)
	}
	hc.StateKey = []byte(key)
	r, err := OpenRemote(cfg, hc, stderr)
	if err != nil {
		return err
	}
	defer r.Close()
	if key != "" {
		r.Deps.Config.StateKey = []byte(key)
	} else {
		r.Log.Warn().Msg("MYAPI_STATE_KEY is not set: consent answers are accepted only by the replica that asked; set the same key on every replica")
	}
	return r.Serve(ctx, stderr)
}

// Remote is a configured multi-tenant server.
type Remote struct {
	*App
	HC      HTTPConfig
	Gate    *remote.Gate
	Metrics *metrics.Metrics
	Redis   *remote.Redis // nil: state per replica
	handler http.Handler
}

// OpenRemote builds the multi-tenant server; it touches no keyring.
func OpenRemote(cfg Config, hc HTTPConfig, stderr io.Writer) (*Remote, error) {
	if hc.Token != "" {
		return nil, configError("--multi-tenant takes each caller's API key as its bearer: --http-token cannot be used with it")
	}
	a := &App{Config: cfg}
	if err := a.openLog(stderr); err != nil {
		return nil, err
	}
	if cfg.MaxTopUpCents <= 0 {
		cfg.MaxTopUpCents = tools.DefaultMaxTopUpCents
	}
	if _, err := a.resolveService(); err != nil {
		a.Close()
		return nil, err
	}
	r := &Remote{App: a, HC: hc, Metrics: metrics.New()}
	if hc.TenantRPS == 0 {
		hc.TenantRPS = 20
	}
	if hc.TenantConcurrency == 0 {
		hc.TenantConcurrency = 8
	}
	// One transport for every tenant's client: connections are pooled,
	// cookies (refresh tokens) stay per client (hqclient.New).
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	shared := &http.Client{Transport: r.Metrics.Transport(tr)}
	newClient := func(creds hqclient.Credentials) (*hqclient.Client, error) {
		return hqclient.New(hqclient.Options{BaseURL: a.BaseURL, Credentials: creds, Version: cfg.Version, Logger: &a.Log, HTTPClient: shared})
	}
	var rate remote.RateLimiter = &remote.MemoryRate{PerSecond: hc.TenantRPS}
	var ready func(context.Context) error
	if hc.Redis != "" {
		rd, err := remote.NewRedis(hc.Redis, hc.TenantRPS)
		if err != nil {
			a.Close()
			return nil, err
		}
		r.Redis, rate, ready = rd, rd, rd.Ping
	}
	r.Gate = &remote.Gate{Tenants: &remote.Tenants{NewClient: newClient}, Rate: rate,
		Concurrency: &remote.Concurrency{Max: hc.TenantConcurrency}, Metrics: r.Metrics, Log: a.Log, Ready: ready,
		Streams: hc.PinnedSessions}

	all, err := tools.Select(tools.All(tools.Config{MaxTopUpCents: cfg.MaxTopUpCents}), cfg.Toolsets, cfg.ReadOnly)
	if err != nil {
		a.Close()
		return nil, err
	}
	confirm := map[string]bool{}
	for _, t := range remoteTools(all) {
		a.Tools = append(a.Tools, t)
		confirm[t.Name] = t.Asks()
	}
	if len(cfg.Toolsets) == 0 || contains(cfg.Toolsets, string(tools.Account)) || contains(cfg.Toolsets, "all") || contains(cfg.Toolsets, "") {
		a.Tools = append([]tools.Tool{remoteWhoami}, a.Tools...)
	}
	a.Deps = &tools.Deps{BaseURL: a.BaseURL, Sandbox: cfg.Sandbox, Config: tools.Config{MaxTopUpCents: cfg.MaxTopUpCents},
		Log: a.Log, NewClient: newClient, PollMin: 250 * time.Millisecond, PollMax: 2 * time.Second,
		Identity: func(ctx context.Context) (string, bool) {
			t, ok := remote.TenantFrom(ctx)
			if !ok {
				return "", false
			}
			return t.Hash, true
		},
		ClientFor: func(ctx context.Context) (*hqclient.Client, error) {
			if t, ok := remote.TenantFrom(ctx); ok {
				return t.Client(), nil
			}
			return nil, errors.New("no caller in the request context")
		},
	}
	// The services door's connections are pooled across tenants too; the
	// metrics transport counts the hub's requests only.
	dtr := http.DefaultTransport.(*http.Transport).Clone()
	dtr.MaxIdleConnsPerHost = 64
	if a.Deps.Door, err = remoteDoor(a, dtr); err != nil {
		a.Close()
		return nil, err
	}
	if r.Redis != nil {
		// Shared by the replicas: a retried write, and a consent answer,
		// count once whichever replica serves them.
		a.Deps.Retries, a.Deps.Nonces = r.Redis, r.Redis
	}
	mcpOpts := []server.ServerOption{
		server.WithInstructions(RemoteInstructions),
		server.WithToolCapabilities(false),
		server.WithPromptCapabilities(false),
		server.WithResourceCapabilities(false, false),
		server.WithLogging(),
		server.WithRecovery(),
		server.WithToolHandlerMiddleware(r.observe),
		server.WithToolHandlerMiddleware(r.consentGuard(confirm)),
	}
	if hc.OAuth {
		if r.Gate.OAuth, err = openOAuth(r, hc, newClient); err != nil {
			a.Close()
			return nil, err
		}
		r.Gate.APIKeys, r.Gate.ScopeOf = hc.APIKeyBearer, toolScopes(a.Tools)
		mcpOpts = append(mcpOpts, server.WithToolHandlerMiddleware(scopeStep(r.Gate.ScopeOf)))
	}
	a.MCP = server.NewMCPServer("myapihq-mcp", cfg.Version, mcpOpts...)
	tools.Register(a.MCP, a.Deps, a.Tools, cfg.ReadOnly)
	tools.RegisterServices(a.MCP, a.Deps) // the docs' resource template
	// "onboard" walks through create_agent, which this mode does not offer.
	var ps []prompts.Prompt
	for _, p := range prompts.All() {
		if p.Name != "onboard" {
			ps = append(ps, p)
		}
	}
	prompts.Register(a.MCP, ps)
	opts := []server.StreamableHTTPOption{server.WithEndpointPath("/mcp")}
	if hc.PinnedSessions {
		// Sessions live in one replica; the balancer sends each back to it.
		// Each is bound to the caller that opened it (app/boundsessions.go).
		opts = append(opts, server.WithSessionIdManagerResolver(newTenantSessions()))
	} else {
		opts = append(opts, server.WithStateLess(true))
	}
	r.HC = hc
	origins := hc.AllowedOrigins
	if r.Gate.OAuth != nil {
		origins = append(origins, r.Gate.OAuth.Issuer()) // the sign-in pages post to their own origin
	}
	r.handler = guard(r.Gate.Handler(server.NewStreamableHTTPServer(a.MCP, opts...)), HTTPConfig{AllowedOrigins: origins})
	return r, nil
}

// RemoteInstructions replace Instructions: nothing is stored here.
const RemoteInstructions = `MyAPIHQ is the identity and billing hub of the MyAPIHQ APIs.
This remote server acts for the account whose API key the host sends with each request (and its agent PIN, for billing and keys): never ask the user for them or pass them as arguments.
Call whoami first. Most services need an organization: create_org, or import_brand to build one from a website. Money: get_balance; setup_payment (a URL for the human) before top_up.
Other MyAPIHQ services (domains, email, funnels, storage, webhooks, workflows): list_services, get_service_docs, then service_get/service_write; the server adds the API key.`

// Handler is the whole HTTP surface: /mcp behind the gate, and the
// operational endpoints.
func (r *Remote) Handler() http.Handler { return r.handler }

// observe counts and times every tool call.
func (r *Remote) observe(next server.ToolHandlerFunc) server.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		r.Metrics.InFlight.Inc()
		defer r.Metrics.InFlight.Dec()
		start := time.Now()
		if ans := server.ElicitationResponse(req.Params.InputResponses, "confirm"); ans != nil {
			r.Metrics.Consent.WithLabelValues(string(ans.Action)).Inc()
		}
		res, err := next(ctx, req)
		outcome := "ok"
		switch {
		case err != nil:
			outcome = "error"
		case res != nil && res.ResultType == mcp.ResultTypeInputRequired:
			outcome = "input_required"
			r.Metrics.Consent.WithLabelValues("asked").Inc()
		case res != nil && res.IsError:
			outcome = "tool_error"
		}
		r.Metrics.ObserveTool(req.Params.Name, outcome, time.Since(start))
		if t, ok := remote.TenantFrom(ctx); ok {
			r.Log.Debug().Str("tenant", t.Short()).Str("tool", req.Params.Name).Str("outcome", outcome).Dur("took", time.Since(start)).Msg("tool call")
		}
		return res, err
	}
}

// consentGuard refuses consent-guarded tools to legacy-era clients when
// sessions are not pinned: their consent question is a server-initiated
// request whose answer would reach whichever replica the balancer picks,
// and stateless, no replica could tell the client's capabilities anyway.
func (r *Remote) consentGuard(confirm map[string]bool) server.ToolHandlerMiddleware {
	return func(next server.ToolHandlerFunc) server.ToolHandlerFunc {
		return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			if confirm[req.Params.Name] && !r.HC.PinnedSessions && !server.IsModernRequest(ctx) {
				r.Metrics.Consent.WithLabelValues("refused_legacy").Inc()
				return mcp.NewToolResultError(fmt.Sprintf("%s needs the user's confirmation, which this remote server can ask only of "+
					"clients speaking MCP 2026-07-28 or later (or when its deployment pins sessions). Not done: ask the user to "+
					"update their MCP host, or do this in the MyAPIHQ dashboard.", req.Params.Name)), nil
			}
			return next(ctx, req)
		}
	}
}

var remoteWhoami = tools.Tool{
	Name: "whoami", Toolset: tools.Account, Title: "Who am I",
	Description: "Call first. Shows the account this server acts for (from the API key your host sends), whether an agent PIN " +
		"came with it (needed for billing and key tools), and the service. Secrets are never shown.",
	ReadOnly: true, Idempotent: true, OpenWorld: true,
	Handler: func(ctx context.Context, d *tools.Deps, _ tools.Args) (*mcp.CallToolResult, error) {
		t, ok := remote.TenantFrom(ctx)
		if !ok {
			return nil, errors.New("no caller in the request context")
		}
		out := map[string]any{"mode": "remote (multi-tenant)", "service": d.BaseURL, "caller": t.Short(),
			"credentials": "the API key (and PIN) your host sends with each request; never stored", "pin": t.HasPIN()}
		orgs, err := t.Client().ListOrgs(ctx)
		if err != nil {
			return nil, err
		}
		out["org_count"] = len(orgs.Data)
		summary := fmt.Sprintf("Acting for the account of the API key your host sends (caller %s); %d organizations.", t.Short(), len(orgs.Data))
		if t.HasPIN() {
			if id, err := t.AccountID(ctx); err == nil && id != "" {
				out["account_id"] = id
				summary = fmt.Sprintf("Acting for account %s (caller %s); %d organizations.", id, t.Short(), len(orgs.Data))
			}
			if b, err := t.Client().Balance(ctx); err == nil {
				out["balance_cents"], out["has_payment_method"] = b.Data.BalanceCents, b.Data.HasPaymentMethod
			} else {
				out["pin_error"] = "the PIN was refused or the balance is unavailable"
			}
		} else {
			summary += " No X-MyAPIHQ-Agent-PIN header: billing and key tools will say they need it."
		}
		res := mcp.NewToolResultStructured(out, summary)
		return res, nil
	},
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// Serve listens on hc.Addr until ctx ends, then drains: /readyz turns false
// at once, requests are served for the grace period (the balancer notices),
// then the listener closes and in-flight calls get until the deadline.
func (r *Remote) Serve(ctx context.Context, stderr io.Writer) error {
	addr := r.HC.Addr
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: r.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 90 * time.Second}
	fmt.Fprintf(stderr, "MCP (multi-tenant) over streamable HTTP on http://%s/mcp\n", ln.Addr())
	r.Log.Info().Str("addr", ln.Addr().String()).Str("base_url", r.BaseURL).Bool("redis", r.Redis != nil).Bool("oauth", r.Gate.OAuth != nil).
		Int("tools", len(r.Tools)).Msg("serving multi-tenant MCP over HTTP")
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	grace := r.HC.DrainGrace
	if grace <= 0 {
		grace = 5 * time.Second
	}
	r.Gate.Drain()
	r.Log.Info().Dur("grace", grace).Msg("draining: /readyz is false, still serving")
	time.Sleep(grace)
	r.Log.Info().Msg("closing the listener; waiting for in-flight calls")
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = srv.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		// Past the deadline the rest is cut: the orchestrator would kill us anyway.
		r.Log.Warn().Msg("in-flight requests still open at the drain deadline: closing them")
		err = srv.Close()
	}
	if r.Redis != nil {
		r.Redis.C.Close()
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	r.Log.Info().Msg("drained")
	return nil
}
