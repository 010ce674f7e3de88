package app

import (
	"context"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// toolsFirst holds every request but the handshake (initialize, or
// server/discover from the 2026-07-28 era on, which replaces it) and ping
// until ready is closed, when the tools are registered: a tools/list or
// tools/call sent on the heels of the handshake sees every tool, never
// part of them. The handshake's answer needs no tool: the capabilities
// are set when the server is made.
func toolsFirst(ready <-chan struct{}) server.BeforeAnyHookFunc {
	return func(_ context.Context, _ any, method mcp.MCPMethod, _ any) {
		switch method {
		case mcp.MethodInitialize, mcp.MethodServerDiscover, mcp.MethodPing:
			return
		}
		// Not cut short when ctx ends (stdin closed right after the
		// request): the hook cannot refuse the request, which would then
		// go ahead without the tools; registration is CPU work of a few
		// milliseconds that always ends.
		<-ready
	}
}
