package app

import (
	"context"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
)

// TestToolsFirst: the handshake (either era's) and ping pass at once; anything else waits
// until the tools are registered.
func TestToolsFirst(t *testing.T) {
	t.Parallel()
	ready := make(chan struct{})
	hook := toolsFirst(ready)
	// A request whose context has ended (stdin closed at once) waits too:
	// the hook cannot refuse it, so it would list no tool.
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	passed := func(method mcp.MCPMethod) <-chan struct{} {
		done := make(chan struct{})
		go func() { hook(ended, 1, method, nil); close(done) }()
		return done
	}
	for _, m := range []mcp.MCPMethod{mcp.MethodInitialize, mcp.MethodServerDiscover, mcp.MethodPing} {
		select {
		case <-passed(m):
		case <-time.After(10 * time.Second):
			t.Fatalf("%s waited for the tools", m)
		}
	}
	list, call := passed(mcp.MethodToolsList), passed(mcp.MethodToolsCall)
	select { // a wait that can only show a failure: a hook that holds nothing returns at once
	case <-list:
		t.Fatal("tools/list went ahead before the tools were registered")
	case <-call:
		t.Fatal("tools/call went ahead before the tools were registered")
	case <-time.After(50 * time.Millisecond):
	}
	close(ready)
	for _, done := range []<-chan struct{}{list, call} {
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("a request still waits after the tools were registered")
		}
	}
}
