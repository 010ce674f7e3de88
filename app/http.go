package app

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/server"
)

// HTTPConfig is the `http` subcommand's own part of the configuration.
type HTTPConfig struct {
	Addr           string   // default 127.0.0.1:8080
	Token          string   // if set, every request needs Authorization: Bearer <Token>
	AllowedOrigins []string // browser origins allowed besides localhost ones
	// The multi-tenant remote mode (app/remote.go).
	MultiTenant       bool
	Redis             string        // redis://host:port/db: state shared by replicas
	DrainGrace        time.Duration // after SIGTERM, serve this long with /readyz false (5s)
	TenantRPS         int           // requests per second per API key (20; < 0 none)
	TenantConcurrency int           // tool calls in flight per API key and replica (8; < 0 none)
	PinnedSessions    bool          // the balancer pins MCP sessions: legacy clients may be asked consent
}

// HTTPHandler is the MCP server over streamable HTTP at /mcp, behind the
// Origin check (the spec's defence against DNS rebinding: mcp-go checks the
// Host of loopback requests, this checks where a browser request comes
// from) and the bearer token, if one is set.
func (a *App) HTTPHandler(hc HTTPConfig) http.Handler {
	mcpHandler := server.NewStreamableHTTPServer(a.MCP, server.WithEndpointPath("/mcp"))
	return guard(mcpHandler, hc)
}

func guard(next http.Handler, hc HTTPConfig) http.Handler {
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
		next.ServeHTTP(w, r)
	})
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

// ServeHTTP serves MCP over streamable HTTP until ctx ends. It will not
// listen beyond loopback without a token: anyone who could reach it would
// act as this profile's account.
func (a *App) ServeHTTP(ctx context.Context, hc HTTPConfig, stderr io.Writer) error {
	if hc.Addr == "" {
		hc.Addr = "127.0.0.1:8080"
	}
	if !loopback(hc.Addr) && hc.Token == "" {
		return fmt.Errorf("%s is not a loopback address: set --http-token (MYAPI_HTTP_TOKEN) so that only your clients can use this account", hc.Addr)
	}
	ln, err := net.Listen("tcp", hc.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: a.HTTPHandler(hc), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stderr, "MCP over streamable HTTP on http://%s/mcp\n", ln.Addr())
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
