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
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/server"

	"github.com/myapihq/myapihq-mcp/tools"
)

// HTTPConfig is the `http` subcommand's own part of the configuration.
type HTTPConfig struct {
	Addr           string   // default 127.0.0.1:8080
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

	// The multi-tenant remote mode (app/remote.go).
	MultiTenant       bool
	Redis             string        // redis://host:port/db: state shared by replicas
	DrainGrace        time.Duration // after SIGTERM, serve this long with /readyz false (5s)
	TenantRPS         int           // requests per second per API key (20; < 0 none)
	TenantConcurrency int           // tool calls in flight per API key and replica (8; < 0 none)
	PinnedSessions    bool          // the balancer pins MCP sessions: legacy clients may be asked consent

	// The remote mode as its own OAuth authorization server (app/oauth.go).
	OAuth                      bool
	PublicURL                  string         // the URL hosts reach: issuer, and resource with /mcp
	APIKeyBearer               bool           // with OAuth, raw API key bearers are still accepted (true)
	OAuthAccessTTL             time.Duration  // 10m
	OAuthRefreshTTL            time.Duration  // 720h
	TrustedProxies             []netip.Prefix // balancers whose X-Forwarded-For names the client
	OAuthAllowPrivateClientDoc bool           // tests: client metadata documents on loopback and http
	StateKey                   []byte         // MYAPI_STATE_KEY, read from the environment by runRemote
}

// MinTokenLength: a shorter bearer token could be guessed.
const MinTokenLength = 32

// MaxHTTPBody is the HTTP transport's cap on a request body, the same as
// stdio's cap on a line.
const MaxHTTPBody = MaxLine

// HTTPHandler is the MCP server over streamable HTTP at /mcp, behind the
// Origin check (the spec's defence against DNS rebinding: mcp-go checks the
// Host of loopback requests, this checks where a browser request comes
// from) and the bearer token, if one is set.
func (a *App) HTTPHandler(hc HTTPConfig) http.Handler {
	opts := []server.StreamableHTTPOption{server.WithEndpointPath("/mcp"), server.WithSessionIdleTTL(sessionIdleTTL(hc))}
	if !hc.MultiTenant {
		// One process knows every live session. Replicas (issue 13) share
		// none of this memory, so they keep mcp-go's stateless ids.
		opts = append(opts, server.WithSessionIdManager(newSessionIDs(MaxHTTPSessions, &a.Log)))
	}
	mcpHandler := server.NewStreamableHTTPServer(a.MCP, opts...)
	progress := tools.NewProgressTracker() // a call's progress is written before its response
	return guard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mcpHandler.ServeHTTP(progress.ResponseWriter(w), r.WithContext(tools.WithProgressTracker(r.Context(), progress)))
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
		if hc.Token != "" {
			got, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if subtle.ConstantTimeCompare([]byte(got), []byte(hc.Token)) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="myapihq-mcp"`)
				http.Error(w, "missing or wrong bearer token", http.StatusUnauthorized)
				return
			}
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
	switch u.Hostname() {
	case "localhost", "127.0.0.1", "::1":
		return u.Scheme == "http" || u.Scheme == "https"
	}
	return false
}

func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkListen refuses a configuration that would let others act as this
// account: a short token, or an address beyond loopback without both a
// token and the explicit AllowRemote.
func checkListen(hc HTTPConfig) error {
	if hc.Token != "" && len(hc.Token) < MinTokenLength {
		return fmt.Errorf("the HTTP token is %d characters: use at least %d (for example: openssl rand -hex 32), passed in MYAPI_HTTP_TOKEN",
			len(hc.Token), MinTokenLength)
	}
	if loopback(hc.Addr) {
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

// ServeHTTP serves MCP over streamable HTTP until ctx ends. It will not
// listen beyond loopback without a token: anyone who could reach it would
// act as this profile's account.
func (a *App) ServeHTTP(ctx context.Context, hc HTTPConfig, stderr io.Writer) error {
	if hc.Addr == "" {
		hc.Addr = "127.0.0.1:8080"
	}
	if err := checkListen(hc); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", hc.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: a.HTTPHandler(hc), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		MaxHeaderBytes: 64 << 10}
	base, note := displayURL(ln.Addr())
	fmt.Fprintf(stderr, "MCP over streamable HTTP on %s/mcp%s\n", base, note)
	a.Log.Info().Str("addr", ln.Addr().String()).Bool("token", hc.Token != "").Str("base_url", a.BaseURL).Msg("serving MCP over HTTP")
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
