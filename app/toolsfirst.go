package app

import (
	"context"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// toolsFirst holds every request but initialize and ping until ready is
// closed, when the tools are registered: a tools/list or tools/call sent
// on the heels of initialize sees every tool, never part of them.
func toolsFirst(ready <-chan struct{}) server.BeforeAnyHookFunc {
	return func(ctx context.Context, _ any, method mcp.MCPMethod, _ any) {
		switch method {
		case mcp.MethodInitialize, mcp.MethodPing:
			return
		}
		select {
		case <-ready:
		case <-ctx.Done():
		}
	}
}
