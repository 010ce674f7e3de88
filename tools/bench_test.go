package tools

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/myapihq/myapihq-mcp/internal/mask"
	"github.com/myapihq/myapihq-mcp/toolkit"
)

// The hot paths of a tool call, apart from the network: argument decoding,
// and result building with masking. (BenchmarkRoundTrip in hqclient covers
// the client → sandbox exchange; BenchmarkToolCall the whole in-process call.)

func BenchmarkValidate(b *testing.B) {
	params := byNameB(b, "create_org").Params
	args := map[string]any{"name": "Acme", "description": "A company", "logo_url": "https://acme.com/logo.png",
		"gdpr_enabled": true, "default_language": "en", "color_palette": map[string]any{"primary": "#112233"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := toolkit.Validate(params, args); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResult is the slow path: an answer holding a secret key.
func BenchmarkResult(b *testing.B) {
	raw := json.RawMessage(`{"id":"org_abc","name":"Acme","description":"A company","color_palette":{"primary":"#112233"},` +
		`"gdpr_enabled":true,"created_at":"2026-11-27T12:00:00.000Z","updated_at":"2026-11-27T12:00:00.000Z","api_key":"hq_live_abcdefghijklmnopqrstuvwxyz0123456789"}`)
	b.ReportAllocs()
	for b.Loop() {
		res, err := toolkit.OK(raw, "Created organization Acme (org_abc).")
		if err != nil {
			b.Fatal(err)
		}
		toolkit.MaskResult(mask.New(), res)
		toolkit.WithJSONText(res)
		if res.RawStructuredContent == nil {
			b.Fatal("no raw content")
		}
	}
}

// BenchmarkToolCall is get_balance through an in-process MCP session, the
// tool wrapper, hqclient and the sandbox on loopback.
func BenchmarkToolCall(b *testing.B) {
	h := newHarness(b, hopts{noLimit: true})
	req := mcp.CallToolRequest{}
	req.Params.Name = "create_agent"
	if _, err := h.c.CallTool(context.Background(), req); err != nil {
		b.Fatal(err)
	}
	req.Params.Name = "get_balance"
	b.ReportAllocs()
	for b.Loop() {
		res, err := h.c.CallTool(context.Background(), req)
		if err != nil || res.IsError {
			b.Fatal(err, res)
		}
	}
}

func byNameB(b *testing.B, name string) toolkit.Tool {
	for _, t := range Catalog(Config{}) {
		if t.Name == name {
			return t
		}
	}
	b.Fatalf("no tool %s", name)
	return toolkit.Tool{}
}
