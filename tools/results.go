package tools

import (
	"context"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/myapihq/myapihq-mcp/hqclient"
	"github.com/myapihq/myapihq-mcp/toolkit"
)

// answer is the usual end of a handler: the call's error as is, or its
// answer with a summary (made only on success, when r is there).
func answer[T any](r *hqclient.Response[T], err error, summary func() string) (*mcp.CallToolResult, error) {
	if err != nil {
		return nil, err
	}
	return toolkit.OK(r.Raw, summary())
}

// asHuman gives a handler the logged-in human's client, or says to log in.
func (d *Deps) asHuman(f func(ctx context.Context, h *hqclient.Client, a toolkit.Args) (*mcp.CallToolResult, error)) toolkit.Handler {
	return func(ctx context.Context, a toolkit.Args) (*mcp.CallToolResult, error) {
		h, err := d.humanClient(ctx)
		if err != nil {
			return nil, err
		}
		return f(ctx, h, a)
	}
}
