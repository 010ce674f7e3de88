package app

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// /metrics in the multi-tenant mode. By default it is served beside /mcp
// and anyone who reaches it may read it (a cluster's scraper rarely
// authenticates): every label is from a set the server defines, so it
// holds counts, never a tenant's text. --metrics-token makes it need a
// bearer; --metrics-addr moves it to a listener of its own, a port the
// ingress need not expose.

// scrapeHandler is /metrics as configured: behind the token, if any.
func (a *App) scrapeHandler() http.Handler {
	h, token := a.Metrics.Handler(), a.Config.HTTP.MetricsToken
	if token == "" {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !bearerIs(r, token) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="myapihq-mcp metrics"`)
			http.Error(w, "missing or wrong bearer token for /metrics (--metrics-token)", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// serveMetrics serves /metrics alone on addr until stop is called.
func (a *App) serveMetrics(addr string) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.scrapeHandler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 16 << 10}
	a.Log.Info().Str("addr", ln.Addr().String()).Bool("token", a.Config.HTTP.MetricsToken != "").Msg("serving /metrics on its own listener")
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.Log.Error().Err(err).Msg("the /metrics listener stopped")
		}
	}()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}
