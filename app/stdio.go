package app

import (
	"context"
	"errors"
	"io"
	"os"
	"runtime/debug"
	"sync"

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
	// The live heap of a serving process is about 1 MB, but Go lets the heap
	// grow to at least 4 MB before collecting. Once the first answer is out,
	// a GC target of half that and the start-up's garbage handed back (~2 MB,
	// mostly mcp-go's schema validator's) keep peak RSS ~2 MB lower for a few
	// percent of CPU on calls: go run ./bench, "peak RSS, stdio". Not before
	// the first answer: a lower target at once would put a GC inside it. A
	// GOGC the user sets still wins.
	if os.Getenv("GOGC") == "" {
		out = &afterFirstWrite{w: out, do: func() {
			debug.SetGCPercent(50)
			go debug.FreeOSMemory()
		}}
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

// afterFirstWrite runs do once, after the first write to w succeeds.
type afterFirstWrite struct {
	w    io.Writer
	do   func()
	once sync.Once
}

func (a *afterFirstWrite) Write(p []byte) (int, error) {
	n, err := a.w.Write(p)
	if err == nil {
		a.once.Do(a.do)
	}
	return n, err
}
