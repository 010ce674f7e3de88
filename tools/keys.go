package tools

import (
	"context"
	"fmt"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/myapihq/myapihq-mcp/credentials"
	"github.com/myapihq/myapihq-mcp/hqclient"
	"github.com/myapihq/myapihq-mcp/internal/mask"
	"github.com/myapihq/myapihq-mcp/internal/textsafe"
	"github.com/myapihq/myapihq-mcp/toolkit"
)

// The keys toolset: the workspace's API keys.

func keyTools(d *Deps) []toolkit.Tool {
	return []toolkit.Tool{
		{
			Name: "create_key", Toolset: Keys, Title: "Create an extra API key",
			Output: outKey,
			Description: "Create an additional API key for this workspace (create_agent already made the profile's own). " +
				"The key is masked unless reveal=true; it cannot be shown again later.",
			Params: []toolkit.Param{
				{Name: "name", Type: "string", Required: true, MaxLen: 100},
				{Name: "scopes", Type: "array", MaxLen: 100},
				pReveal,
			},
			OpenWorld: true,
			Handler: func(ctx context.Context, a toolkit.Args) (*mcp.CallToolResult, error) {
				r, err := d.client(ctx).CreateKey(ctx, hqclient.CreateKeyRequest{Name: a.Str("name"), Scopes: a.Strs("scopes")})
				if err != nil {
					return nil, err
				}
				shown := mask.Display(credentials.FieldAPIKey, r.Data.APIKey)
				if a.Bool("reveal") {
					shown = "shown in full below; it cannot be retrieved again"
				}
				return toolkit.OK(r.Raw, fmt.Sprintf("Created API key %s (%s), %s.", textsafe.Quote(r.Data.ID), textsafe.Quote(a.Str("name")), shown))
			},
		},
		{
			Name: "list_keys", Toolset: Keys, Title: "List API keys",
			Output:      outList,
			Description: "List this workspace's active API keys (ids, names, last 4 characters).",
			ReadOnly:    true, Idempotent: true, OpenWorld: true,
			Handler: func(ctx context.Context, a toolkit.Args) (*mcp.CallToolResult, error) {
				r, err := d.client(ctx).ListKeys(ctx)
				return answer(r, err, func() string { return fmt.Sprintf("%d active API key(s).", len(r.Data)) })
			},
		},
		{
			Name: "revoke_key", Toolset: Keys, Title: "Revoke an API key",
			Output:      outObject,
			Description: "Revoke an API key for good; whatever uses it stops working. Not the profile's own key unless the user insists.",
			Params:      []toolkit.Param{toolkit.IDParam("key_id", "from list_keys")},
			Destructive: true, Idempotent: true, OpenWorld: true,
			Confirm: func(a toolkit.Args) string {
				return "Revoke API key " + textsafe.Quote(a.Str("key_id")) + "? Anything using it stops working."
			},
			Handler: func(ctx context.Context, a toolkit.Args) (*mcp.CallToolResult, error) {
				r, err := d.client(ctx).RevokeKey(ctx, a.Str("key_id"))
				return answer(r, err, func() string { return "Revoked API key " + textsafe.Quote(a.Str("key_id")) + "." })
			},
		},
		rotateKeyTool(d),
	}
}
