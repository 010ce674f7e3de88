package remote

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/myapihq/myapihq-mcp/internal/mask"
	"github.com/myapihq/myapihq-mcp/internal/randid"
	"github.com/myapihq/myapihq-mcp/internal/textsafe"
	"github.com/myapihq/myapihq-mcp/metrics"
	"github.com/myapihq/myapihq-mcp/oauth"
)

// CodeLimited is the JSON-RPC error code of a per-tenant limit; data says
// which and when to retry.
const CodeLimited = -32029

// Gate is what stands before the MCP handler: request ids and access logs,
// authentication, per-tenant limits, and the operational endpoints.
type Gate struct {
	Tenants     *Tenants
	Rate        RateLimiter
	Concurrency *Concurrency
	Metrics     *metrics.Metrics
	Log         zerolog.Logger
	// Ready reports readiness besides draining (Redis reachable).
	Ready func(ctx context.Context) error
	// Streams allows the GET stream for server-initiated messages: only
	// with pinned sessions is there anything to send on it. Stateless, an
	// open stream would only hold a connection a drain must wait for.
	Streams bool
	// Scrape serves GET /metrics beside /mcp (nil: not on this listener).
	Scrape http.Handler
	// OAuth, when set, is the authorization server at this origin: its
	// routes are served beside /mcp, a bearer that is one of its tokens is
	// resolved by it into the credentials it stands for, and a 401 points
	// at its metadata. APIKeys keeps raw API key bearers accepted too.
	OAuth   *oauth.Server
	APIKeys bool
	// ScopeOf is the scope each tool needs (oauth.ScopeFor); an OAuth
	// caller's tools/call outside its scopes is answered 403.
	ScopeOf func(tool string) string
	// TrustedProxies are the balancers whose X-Forwarded-For names the
	// client, for the limits per address (--trusted-proxies).
	TrustedProxies []netip.Prefix
	draining       atomic.Bool
}

// Drain turns /readyz false; serving goes on.
func (g *Gate) Drain() { g.draining.Store(true) }

// Handler routes /healthz, /readyz, /metrics (Scrape), and everything
// else to mcp once the caller is known.
func (g *Gate) Handler(mcp http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET /readyz", g.readyz)
	if g.Scrape != nil {
		mux.Handle("GET /metrics", g.Scrape)
	}
	if g.OAuth != nil {
		h := g.OAuth.Handler()
		for _, p := range g.OAuth.Paths() {
			mux.Handle(p, h)
		}
	}
	mux.Handle("/", g.mcp(mcp))
	return mux
}

func (g *Gate) readyz(w http.ResponseWriter, r *http.Request) {
	if g.draining.Load() {
		http.Error(w, "draining", http.StatusServiceUnavailable)
		return
	}
	if g.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), time.Second)
		defer cancel()
		if err := g.Ready(ctx); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
	}
	io.WriteString(w, "ready\n")
}

// peek is what the gate needs of a JSON-RPC request.
type peek struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params struct {
		Name string `json:"name"`
	} `json:"params"`
}

// maxBody bounds what the gate reads to look at a request.
const maxBody = 4 << 20

func (g *Gate) mcp(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rid := r.Header.Get("X-Request-Id")
		if !printable(rid, 128) {
			rid = randid.Hex(8)
		}
		w.Header().Set("X-Request-Id", rid)
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		ev := zerolog.Dict()
		var tenant *Tenant
		defer func() {
			g.Metrics.HTTPRequest(sw.code)
			e := g.Log.Info().Str("request_id", rid).Str("http_method", r.Method).Int("status", sw.code).
				Dur("took", time.Since(start)).Dict("rpc", ev)
			if tenant != nil {
				e = e.Str("tenant", tenant.Short())
				if tenant.OAuthClient != "" {
					e = e.Str("oauth_client", mask.URLs(textsafe.Line(tenant.OAuthClient, 64)))
				}
			}
			e.Msg("request")
		}()

		if r.Method == http.MethodGet && !g.Streams {
			sw.Header().Set("Allow", "POST")
			http.Error(sw, "this stateless server has no stream to offer: POST requests only", http.StatusMethodNotAllowed)
			return
		}
		tenant, err := g.caller(r)
		var stranger *StrangerError
		if errors.As(err, &stranger) {
			// Made-up keys from this address: no HQ call until it cools.
			g.Metrics.Limited(metrics.LimitUnknownKeys)
			limited(sw, http.StatusTooManyRequests, nil, "unknown_keys", stranger.RetryAfter,
				"too many API keys MyAPIHQ does not know came from this address")
			return
		}
		if err != nil {
			if errors.Is(err, ErrBadCredentials) || errors.Is(err, oauth.ErrInvalidToken) {
				g.unauthorized(sw, r, err)
				return
			}
			g.Log.Warn().Str("request_id", rid).Err(err).Msg("could not check the caller's credentials")
			sw.Header().Set("Retry-After", "1")
			http.Error(sw, "cannot check the credentials now: retry shortly", http.StatusServiceUnavailable)
			return
		}
		ctx := WithTenant(r.Context(), tenant)

		var p peek
		if r.Method == http.MethodPost {
			body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
			if err != nil || len(body) > maxBody {
				http.Error(sw, "request body too large or unreadable", http.StatusRequestEntityTooLarge)
				return
			}
			_ = json.Unmarshal(body, &p) // a batch or garbage: mcp-go answers it
			r.Body = io.NopCloser(bytes.NewReader(body))
			ev.Str("method", textsafe.Line(p.Method, 64))
			if p.Params.Name != "" && p.Method == "tools/call" {
				ev.Str("tool", textsafe.Line(p.Params.Name, 64))
			}
			if need := g.scopeMissing(tenant, body, p); need != "" {
				g.forbidden(sw, tenant, p.ID, need)
				return
			}
		}
		if ok, after, err := g.Rate.Allow(ctx, tenant.Hash); err != nil {
			g.Log.Warn().Str("request_id", rid).Err(err).Msg("rate limiter unavailable; allowing")
		} else if !ok {
			g.Metrics.Limited(metrics.LimitRate)
			limited(sw, http.StatusOK, p.ID, "rate", after, "too many requests for this API key")
			return
		}
		if p.Method == "tools/call" {
			release, ok := g.Concurrency.Acquire(tenant.Hash)
			if !ok {
				g.Metrics.Limited(metrics.LimitConcurrency)
				limited(sw, http.StatusOK, p.ID, "concurrency", time.Second,
					fmt.Sprintf("too many tool calls in flight for this API key (at most %d)", g.Concurrency.Max))
				return
			}
			defer release()
		}
		next.ServeHTTP(sw, r.WithContext(ctx))
	})
}

// clientAddr is the address a request comes from, as limits count it:
// the peer, or behind a trusted balancer the address it saw.
func (g *Gate) clientAddr(r *http.Request) string { return oauth.ClientAddr(r, g.TrustedProxies) }

// limited answers, with status, a JSON-RPC error that says when to retry
// (a per-tenant limit is a JSON-RPC error of a request that was read: 200).
func limited(w http.ResponseWriter, status int, id json.RawMessage, reason string, after time.Duration, msg string) {
	if len(id) == 0 {
		id = json.RawMessage("null")
	}
	secs := int(math.Ceil(after.Seconds()))
	if secs < 1 {
		secs = 1
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": id, "error": map[string]any{
		"code": CodeLimited, "message": fmt.Sprintf("%s: retry after %ds", msg, secs),
		"data": map[string]any{"reason": reason, "retryAfterMs": after.Milliseconds()},
	}})
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (s *statusWriter) WriteHeader(code int) {
	s.code = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
