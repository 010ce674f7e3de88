package prompts

import (
	"context"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

func TestPrompts(t *testing.T) {
	s := server.NewMCPServer("t", "0", server.WithPromptCapabilities(false))
	Register(s, All())
	c, err := client.NewInProcessClient(s)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	c.Start(ctx)
	init := mcp.InitializeRequest{}
	init.Params.ClientInfo = mcp.Implementation{Name: "t", Version: "0"}
	if _, err := c.Initialize(ctx, init); err != nil {
		t.Fatal(err)
	}
	list, err := c.ListPrompts(ctx, mcp.ListPromptsRequest{})
	if err != nil || len(list.Prompts) != 3 {
		t.Fatalf("list: %+v %v", list, err)
	}
	get := func(name string, args map[string]string) (string, error) {
		req := mcp.GetPromptRequest{}
		req.Params.Name, req.Params.Arguments = name, args
		r, err := c.GetPrompt(ctx, req)
		if err != nil {
			return "", err
		}
		return r.Messages[0].Content.(mcp.TextContent).Text, nil
	}
	for name, want := range map[string]string{"onboard": "create_agent", "billing_checkup": "get_billing_history"} {
		if text, err := get(name, nil); err != nil || !strings.Contains(text, want) {
			t.Fatalf("%s: %q %v", name, text, err)
		}
	}
	if text, err := get("brand_from_domain", map[string]string{"domain": " Shop.Example.COM "}); err != nil || !strings.Contains(text, `"shop.example.com"`) {
		t.Fatalf("brand_from_domain: %q %v", text, err)
	}
	for _, bad := range []map[string]string{nil, {"domain": ""}, {"domain": "https://x.com/a"}} {
		if _, err := get("brand_from_domain", bad); err == nil {
			t.Fatalf("accepted %v", bad)
		}
	}
}
