package app

import (
	"context"
	"errors"
	"io"
	"os"
	"runtime/debug"
	"time"

	"github.com/mark3labs/mcp-go/server"

	"github.com/myapihq/myapihq-mcp/toolkit"
)

// ServeStdio serves MCP on in/out until in closes or ctx ends. stdout
// carries JSON-RPC only: every log line goes to stderr or the log file.
func (a *App) ServeStdio(ctx context.Context, in io.Reader, out io.Writer) error {
	s := server.NewStdioServer(a.MCP)
	s.SetErrorLogger(newStdLogger(a.Log))
	// Tool calls run concurrently: a slow import must not hold up get_balance.
	server.WithWorkerPoolSize(16)(s)
	// The live heap of a serving process is under 1 MB, but Go lets the heap
	// grow to at least 4 MB before collecting: half that keeps peak RSS
	// about 2 MB lower for a few percent of CPU on calls (docs/benchmarks.md).
	// Only once started: start-up allocates ~2 MB (mostly mcp-go's schema
	// validator), and a lower target at once would put a GC inside the
	// first answer. A GOGC the user sets still wins.
	if os.Getenv("GOGC") == "" {
		leaner := time.AfterFunc(time.Second, func() { debug.SetGCPercent(50) })
		defer leaner.Stop()
	}
	a.Log.Info().Str("version", a.Config.Version).Str("base_url", a.BaseURL).Int("tools", len(a.Tools)).Msg("serving MCP on stdio")
	progress := toolkit.NewProgressTracker() // a call's progress is written before its response
	s.SetContextFunc(func(ctx context.Context) context.Context { return toolkit.WithProgressTracker(ctx, progress) })
	err := s.Listen(ctx, newLineLimiter(in, MaxLine), progress.Writer(out))
	if errors.Is(err, context.Canceled) {
		return nil // a signal: a clean stop
	}
	return err
}
