package app

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/server"

	"github.com/myapihq/myapihq-mcp/internal/loopback"
	"github.com/myapihq/myapihq-mcp/toolkit"
)

// HTTPConfig is the `http` subcommand's own part of the configuration.
type HTTPConfig struct {
	Addr           string   // default DefaultAddr
	Token          string   // if set, every request needs Authorization: Bearer <Token>
	AllowedOrigins []string // browser origins allowed besides localhost ones
	// AllowRemote must be set, with a Token, to listen beyond loopback.
	AllowRemote bool
	// BodyTimeout bounds reading one request body (default 10s), so a body
	// trickled a byte at a time cannot hold a connection; tests shorten it.
	BodyTimeout time.Duration
	// SessionIdleTTL ends a session unused this long, with what it holds (a
	// human's login, pending retry keys), as a DELETE would: a client that
	// vanishes without one must not leave its login live for the server's
	// life (default 30m; --http-session-idle).
	SessionIdleTTL time.Duration
	// MaxInFlight bounds the requests served at once (default
	// MaxHTTPInFlight): an SSE stream or a waiting call holds one.
	MaxInFlight int

	// The multi-tenant mode (remote.go).
	MultiTenant       bool
	Redis             string        // redis://host:port/db: state shared by replicas
	DrainGrace        time.Duration // after SIGTERM, serve this long with /readyz false (DefaultDrainGrace)
	TenantRPS         int           // requests per second per API key (DefaultTenantRPS; < 0 none)
	TenantConcurrency int           // tool calls in flight per API key and replica (DefaultTenantConcurrency; < 0 none)
	PinnedSessions    bool          // the balancer pins MCP sessions: legacy clients may be asked consent
	// UnknownKeysPerAddress: keys the HQ refused (or is checking) per
	// client address and minute before the others are answered 429
	// without asking it (remote.DefaultStrangers; < 0 none).
	UnknownKeysPerAddress int
	// /metrics (metrics.go): beside /mcp unless MetricsAddr names a
	// listener of its own; readable by anyone who reaches it unless
	// MetricsToken is set.
	MetricsAddr  string
	MetricsToken string

	// StateKey signs consent questions and seals OAuth grants, the same on
	// every replica: MYAPI_STATE_KEY, read by Build from the environment
	// only (a secret on the command line shows in the process list).
	StateKey string

	// The multi-tenant mode as its own OAuth authorization server (oauth.go).
	OAuth                      bool
	PublicURL                  string         // the URL hosts reach: issuer, and resource with /mcp
	APIKeyBearer               bool           // with OAuth, raw API key bearers are still accepted
	OAuthAccessTTL             time.Duration  // oauth.DefaultAccessTTL
	OAuthRefreshTTL            time.Duration  // oauth.DefaultRefreshTTL
	TrustedProxies             []netip.Prefix // balancers whose X-Forwarded-For names the client
	OAuthAllowPrivateClientDoc bool           // tests: client metadata documents on loopback and http
}

// MinTokenLength: a shorter bearer token could be guessed.
const MinTokenLength = 32

// MaxHTTPBody is the HTTP transport's cap on a request body, the same as
// stdio's cap on a line.
const MaxHTTPBody = MaxLine

// DefaultAddr is where the http command listens unless told otherwise.
const DefaultAddr = "127.0.0.1:8080"

func (hc HTTPConfig) addr() string {
	if hc.Addr == "" {
		return DefaultAddr
	}
	return hc.Addr
}

func (hc HTTPConfig) loopback() bool { return loopback.Addr(hc.addr()) }

// Handler is the mode's whole HTTP surface: the MCP server over streamable
// HTTP at /mcp behind the Origin check (the spec's defence against DNS
// rebinding: mcp-go checks the Host of loopback requests, this checks
// where a browser request comes from) and, in the local mode, the bearer
// token if one is set; in the multi-tenant mode, behind the gate (each
// request's caller) with its operational endpoints.
func (a *App) Handler() http.Handler {
	hc := a.Config.HTTP
	if a.Mode == MultiTenant {
		opts := []server.StreamableHTTPOption{server.WithEndpointPath("/mcp")}
		if hc.PinnedSessions {
			// Sessions live in one replica; the balancer sends each back to
			// it. Each is bound to the caller that opened it (boundsessions.go).
			opts = append(opts, server.WithSessionIdManagerResolver(newTenantSessions(newSessionIDs(MaxHTTPSessions, &a.Log))),
				server.WithSessionIdleTTL(sessionIdleTTL(hc)))
		} else {
			opts = append(opts, server.WithStateLess(true))
		}
		origins := hc.AllowedOrigins
		if a.Gate.OAuth != nil {
			origins = append(slices.Clip(origins), a.Gate.OAuth.Issuer()) // the sign-in pages post to their own origin
		}
		return guard(a.Gate.Handler(server.NewStreamableHTTPServer(a.MCP, opts...)), HTTPConfig{AllowedOrigins: origins})
	}
	// One process knows every live session: its ids are its own.
	mcpHandler := server.NewStreamableHTTPServer(a.MCP, server.WithEndpointPath("/mcp"), server.WithSessionIdleTTL(sessionIdleTTL(hc)),
		server.WithSessionIdManager(newSessionIDs(MaxHTTPSessions, &a.Log)))
	progress := toolkit.NewProgressTracker() // a call's progress is written before its response
	return guard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mcpHandler.ServeHTTP(progress.ResponseWriter(w), r.WithContext(toolkit.WithProgressTracker(r.Context(), progress)))
	}), hc)
}

// DefaultSessionIdleTTL is how long an HTTP session may sit unused.
const DefaultSessionIdleTTL = 30 * time.Minute

func sessionIdleTTL(hc HTTPConfig) time.Duration {
	if hc.SessionIdleTTL > 0 {
		return hc.SessionIdleTTL
	}
	return DefaultSessionIdleTTL
}

// MaxHTTPInFlight: each open SSE stream held ~40 KB with no bound, so a
// client opening streams by the thousand grew the server 120 MB per 3,000
// until it ran out of file descriptors; a personal server needs far fewer.
const MaxHTTPInFlight = 256

func guard(next http.Handler, hc HTTPConfig) http.Handler {
	if hc.BodyTimeout <= 0 {
		hc.BodyTimeout = 10 * time.Second
	}
	if hc.MaxInFlight <= 0 {
		hc.MaxInFlight = MaxHTTPInFlight
	}
	slots := make(chan struct{}, hc.MaxInFlight)
	allowed := map[string]bool{}
	for _, o := range hc.AllowedOrigins {
		if o = strings.TrimRight(strings.TrimSpace(o), "/"); o != "" {
			allowed[strings.ToLower(o)] = true
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); o != "" && !localOrigin(o) && !allowed[strings.ToLower(o)] {
			http.Error(w, "origin not allowed: add it with --allowed-origins", http.StatusForbidden)
			return
		}
		if hc.Token != "" && !bearerIs(r, hc.Token) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="myapihq-mcp"`)
			http.Error(w, "missing or wrong bearer token", http.StatusUnauthorized)
			return
		}
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
		default:
			w.Header().Set("Retry-After", "1")
			rpcError(w, http.StatusServiceUnavailable, fmt.Sprintf("this server is serving %d requests and streams at once, its limit: retry shortly", hc.MaxInFlight))
			return
		}
		if !readBody(w, r, hc.BodyTimeout) {
			return
		}
		next.ServeHTTP(w, r)
	})
}

// bearerIs: the request's bearer is token, compared in constant time.
func bearerIs(r *http.Request, token string) bool {
	got, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return subtle.ConstantTimeCompare([]byte(got), []byte(token)) == 1
}

// readBody reads the whole request body up front, under a deadline and the
// size cap, and hands the handler the bytes. The deadline is per request
// and lifted once the body is in, so a server-sent event stream answering
// it may last as long as it needs (an http.Server ReadTimeout would cut it).
func readBody(w http.ResponseWriter, r *http.Request, timeout time.Duration) bool {
	if r.Body == nil || r.Body == http.NoBody {
		return true
	}
	if r.ContentLength > MaxHTTPBody {
		tooLarge(w)
		return false
	}
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(timeout)) // unsupported writers: the server's timeouts still apply
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxHTTPBody+1))
	switch {
	case err != nil:
		// Most often the deadline. It stays in force: net/http drains an
		// unread body after the handler, and must not wait on the trickle.
		w.Header().Set("Connection", "close")
		rpcError(w, http.StatusRequestTimeout, "the request body did not arrive in time")
		return false
	case len(body) > MaxHTTPBody:
		tooLarge(w)
		return false
	}
	_ = rc.SetReadDeadline(time.Time{})
	r.Body = io.NopCloser(bytes.NewReader(body))
	return true
}

func tooLarge(w http.ResponseWriter) {
	w.Header().Set("Connection", "close")
	rpcError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body is over the %d MiB limit", MaxHTTPBody>>20))
}

// rpcError answers a JSON-RPC error with no id: the request was never read.
func rpcError(w http.ResponseWriter, status int, msg string) {
	b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": nil,
		"error": map[string]any{"code": -32600, "message": msg}})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b) //nolint:errcheck // the client went away
}

func localOrigin(origin string) bool {
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	return loopback.Host(u.Hostname()) && (u.Scheme == "http" || u.Scheme == "https")
}

// checkListen refuses a configuration that would let others act as this
// account: a short token, or an address beyond loopback without both a
// token and the explicit AllowRemote.
func checkListen(hc HTTPConfig) error {
	if hc.Token != "" && len(hc.Token) < MinTokenLength {
		return fmt.Errorf("the HTTP token is %d characters: use at least %d (for example: openssl rand -hex 32), passed in MYAPI_HTTP_TOKEN",
			len(hc.Token), MinTokenLength)
	}
	if hc.loopback() {
		return nil
	}
	if !hc.AllowRemote {
		return fmt.Errorf("%s is not a loopback address: serving beyond this machine needs --allow-remote and a token (--http-token, better MYAPI_HTTP_TOKEN), with TLS in front", hc.Addr)
	}
	if hc.Token == "" {
		return fmt.Errorf("%s is not a loopback address: set a token of %d+ characters in MYAPI_HTTP_TOKEN so that only your clients can use this account", hc.Addr, MinTokenLength)
	}
	return nil
}

// displayURL is a base URL a client can use, and a note: an unspecified
// address (0.0.0.0, [::]) is shown as loopback, noting every interface listens.
func displayURL(addr net.Addr) (string, string) {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return "http://" + addr.String(), ""
	}
	return fmt.Sprintf("http://127.0.0.1:%d", tcp.Port), " (every interface listens: from elsewhere use this machine's address)"
}

// ServeHTTP serves the mode's Handler on its address until ctx ends. The
// local mode will not listen beyond loopback without a token: anyone who
// could reach it would act as this profile's account. The multi-tenant
// mode drains: /readyz turns false at once, requests are served for the
// grace period (the balancer notices), then the listener closes and
// in-flight calls get until the deadline.
func (a *App) ServeHTTP(ctx context.Context) error {
	hc := a.Config.HTTP
	if a.Mode != MultiTenant {
		if err := checkListen(hc); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", hc.addr())
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: a.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
	base, note := displayURL(ln.Addr())
	what := "MCP"
	if a.Mode == MultiTenant {
		what, srv.IdleTimeout = "MCP (multi-tenant)", 90*time.Second
	}
	fmt.Fprintf(a.Config.Stderr, "%s over streamable HTTP on %s/mcp%s\n", what, base, note)
	if a.Gate != nil && a.Gate.OAuth != nil {
		fmt.Fprintf(a.Config.Stderr, "OAuth: hosts connect to %s/mcp and sign in there\n", a.Gate.OAuth.Issuer())
	}
	a.Log.Info().Str("addr", ln.Addr().String()).Str("mode", a.Mode.String()).Bool("token", hc.Token != "").Bool("redis", a.Redis != nil).
		Bool("oauth", hc.OAuth).Str("base_url", a.BaseURL).Int("tools", len(a.Tools)).Msg("serving MCP over HTTP")
	if a.Mode == MultiTenant && hc.MetricsAddr != "" {
		stop, err := a.serveMetrics(hc.MetricsAddr)
		if err != nil {
			ln.Close()
			return err
		}
		defer stop() // after the drain: a scraper sees it through
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	deadline := 5 * time.Second
	if a.Mode == MultiTenant {
		grace := hc.DrainGrace
		if grace <= 0 {
			grace = DefaultDrainGrace
		}
		a.Gate.Drain()
		a.Log.Info().Dur("grace", grace).Msg("draining: /readyz is false, still serving")
		time.Sleep(grace)
		a.Log.Info().Msg("closing the listener; waiting for in-flight calls")
		deadline = 20 * time.Second
	}
	sctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	err = srv.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) && a.Mode == MultiTenant {
		// Past the deadline the rest is cut: the orchestrator would kill us anyway.
		a.Log.Warn().Msg("in-flight requests still open at the drain deadline: closing them")
		err = srv.Close()
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	if a.Mode == MultiTenant {
		a.Log.Info().Msg("drained")
	}
	return nil
}

// DefaultDrainGrace is --drain-grace's default.
const DefaultDrainGrace = 5 * time.Second
