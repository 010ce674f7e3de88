package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/myapihq/myapihq-mcp/internal/loopback"
)

// Running is a sandbox served on a TCP address. The embedded sandbox and the
// subcommand both use it, so they share one code path.
type Running struct {
	BaseURL string
	Server  *Server
	http    *http.Server
	done    chan error
}

// Start serves a new sandbox on addr (port 0 picks a free one).
// An address beyond loopback needs opts.AllowRemote: the sandbox has no
// transport security, and anyone who reaches it can mint accounts and read
// the outbox.
func Start(addr string, opts Options) (*Running, error) {
	if !opts.AllowRemote && !loopback.Addr(addr) {
		return nil, fmt.Errorf("sandbox: %s is not a loopback address: serving beyond this machine needs --allow-remote", addr)
	}
	s, err := New(opts)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("sandbox: listen on %s: %w", addr, err)
	}
	hs := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	hs.RegisterOnShutdown(s.console.close) // live console streams would hold Shutdown open
	r := &Running{BaseURL: baseURLOf(ln.Addr()), Server: s, http: hs, done: make(chan error, 1)}
	go func() { r.done <- hs.Serve(ln) }()
	return r, nil
}

// Stop drains in-flight requests (up to ctx), then closes the state.
func (r *Running) Stop(ctx context.Context) error {
	err := r.http.Shutdown(ctx)
	if serr := <-r.done; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if cerr := r.Server.Close(); err == nil {
		err = cerr
	}
	return err
}

// Serve runs the sandbox subcommand: it announces the base URL on stderr and
// serves until ctx ends (SIGINT/SIGTERM in main), then shuts down cleanly.
func Serve(ctx context.Context, addr string, opts Options, stderr io.Writer) error {
	r, err := Start(addr, opts)
	if err != nil {
		return err
	}
	state := "in memory (lost on exit)"
	if opts.StatePath != "" {
		state = opts.StatePath
	}
	fmt.Fprintf(stderr, "MyAPIHQ sandbox listening on %s\n  state: %s\n  base URL for clients: MYAPI_BASE_URL=%s\n  console: %s\n", r.BaseURL, state, r.BaseURL, ConsoleURL(r.BaseURL))
	if !loopback.Addr(addr) {
		fmt.Fprintf(stderr, "  WARNING: serving beyond loopback (--allow-remote), on every address of %s; plain HTTP\n", addr)
	}
	if opts.Faults.Active() {
		fmt.Fprintf(stderr, "  faults: %s\n", opts.Faults)
	}
	if opts.AllowPrivateWebhooks {
		fmt.Fprintf(stderr, "  WARNING: webhooks may target this machine and its network (--allow-private-webhooks)\n")
	}
	select {
	case <-ctx.Done():
	case err := <-r.done:
		r.done <- err // let Stop see it
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return r.Stop(sctx)
}

// baseURLOf is a URL clients can use: a wildcard listener is reached at
// loopback on this machine (http://[::]:PORT is not a URL a client can dial).
func baseURLOf(a net.Addr) string {
	if tcp, ok := a.(*net.TCPAddr); ok && tcp.IP.IsUnspecified() {
		return fmt.Sprintf("http://127.0.0.1:%d", tcp.Port)
	}
	return "http://" + a.String()
}
