package app

import (
	"context"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// TestEightCallsInFlight serves the app's real stdio server over pipes, with
// a tool that returns only once eight calls are inside it at the same time:
// with fewer workers it would time out. (The only stdio test in this
// package: mcp-go's stdio session is a process-wide singleton.)
func TestEightCallsInFlight(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	a, err := Build(Config{BaseURL: "http://127.0.0.1:1", CredentialStore: "file", Version: "test", Stderr: io.Discard}, Stdio)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	const n = 8
	var inside atomic.Int32
	all := make(chan struct{})
	var once sync.Once
	a.MCP.AddTool(mcp.NewTool("barrier", mcp.WithDescription("test")), func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		if inside.Add(1) == n {
			once.Do(func() { close(all) })
		}
		select {
		case <-all:
			return mcp.NewToolResultText("together"), nil
		case <-time.After(5 * time.Second):
			return mcp.NewToolResultError("the other calls never ran alongside this one"), nil
		}
	})

	serverIn, clientOut := io.Pipe()
	clientIn, serverOut := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- a.ServeStdio(ctx, serverIn, serverOut) }()

	c := client.NewClient(transport.NewIO(clientIn, clientOut, io.NopCloser(nil)), client.WithProtocolVersion(mcp.ProtocolVersion20251125))
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	init := mcp.InitializeRequest{}
	init.Params.ClientInfo = mcp.Implementation{Name: "t", Version: "0"}
	if _, err := c.Initialize(ctx, init); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan string, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := mcp.CallToolRequest{}
			req.Params.Name = "barrier"
			res, err := c.CallTool(ctx, req)
			switch {
			case err != nil:
				errs <- err.Error()
			case res.IsError:
				errs <- res.Content[0].(mcp.TextContent).Text
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
	clientOut.Close() // EOF: the server stops cleanly
	if err := <-served; err != nil {
		t.Fatalf("ServeStdio: %v", err)
	}
}
