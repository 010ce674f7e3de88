package app

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/myapihq/myapihq-mcp/tools"
)

// TestNextStepsNameOnlyOfferedTools: a server narrowed by --read-only or
// --toolsets never tells the model to call a tool it does not offer: not
// in its instructions, prompts, summaries or errors (here: a profile with
// no credentials asking whoami and get_balance).
func TestNextStepsNameOnlyOfferedTools(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	for name, cfg := range map[string]Config{
		"read-only":        {ReadOnly: true},
		"toolsets billing": {Toolsets: []string{"billing"}},
	} {
		t.Run(name, func(t *testing.T) {
			cfg.BaseURL, cfg.CredentialStore, cfg.Version, cfg.Stderr = "http://127.0.0.1:1", "file", "test", io.Discard
			cfg.Profile = strings.ReplaceAll(name, " ", "-")
			a, err := Build(cfg, Stdio)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			offered := map[string]bool{}
			for _, tl := range a.Tools {
				offered[tl.Name] = true
			}
			var unoffered []string
			for _, tl := range tools.Catalog(tools.Config{}) {
				if !offered[tl.Name] {
					unoffered = append(unoffered, tl.Name)
				}
			}
			c, err := client.NewInProcessClient(a.MCP)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			ctx := context.Background()
			if err := c.Start(ctx); err != nil {
				t.Fatal(err)
			}
			init, err := c.Initialize(ctx, mcp.InitializeRequest{})
			if err != nil {
				t.Fatal(err)
			}
			said := map[string]string{"instructions": init.Instructions}
			prompts, _ := c.ListPrompts(ctx, mcp.ListPromptsRequest{})
			for _, p := range prompts.Prompts {
				got, err := c.GetPrompt(ctx, mcp.GetPromptRequest{Params: mcp.GetPromptParams{Name: p.Name, Arguments: map[string]string{"domain": "example.com"}}})
				if err != nil {
					t.Fatal(err)
				}
				said["prompt "+p.Name] = got.Messages[0].Content.(mcp.TextContent).Text
			}
			for _, tool := range []string{"whoami", "get_balance", "list_linked_agents", "list_orgs", "list_services"} {
				if !offered[tool] {
					continue
				}
				req := mcp.CallToolRequest{}
				req.Params.Name = tool
				res, err := c.CallTool(ctx, req)
				if err != nil {
					t.Fatal(err)
				}
				for _, ct := range res.Content {
					said[tool] += ct.(mcp.TextContent).Text
				}
			}
			for where, text := range said {
				for _, n := range unoffered {
					if strings.Contains(text, n) {
						t.Errorf("%s names %s, which this server does not offer: %s", where, n, text)
					}
				}
			}
		})
	}
}
