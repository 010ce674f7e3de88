package e2e

import (
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

// TestWebhookNumericHostsRefusedAtRegistration: the embedded
// sandbox, without the opt-in, is asked by the model for webhooks whose
// host is loopback or metadata written the ways a resolver (inet_aton)
// reads but an IP parser does not: one decimal number, hex, octal, short
// dotted forms, IPv4-compatible IPv6 (::127.0.0.1). Registration must refuse them like their dotted-quad
// spelling, not leave the dial-time check alone to catch them (and a
// webhook row pointing inward). Before the fix each was registered.
func TestWebhookNumericHostsRefusedAtRegistration(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := startMCPCmd(t, e, mcp.ProtocolVersion20251125, nil, []string{"MYAPI_SANDBOX_ALLOW_PRIVATE_WEBHOOKS=false"})
	s.ok("create_agent", map[string]any{"label": "rt2"})
	org := s.ok("create_org", map[string]any{"name": "Hooks"})["id"]
	for _, u := range []string{
		"http://2130706433/", "http://0x7f.1/", "http://0x7f000001/", "http://017700000001/", "http://0177.0.0.1/",
		"http://127.1/", "http://127.0.1/", "http://2852039166/latest/meta-data", "http://0xA9FEA9FE/", "http://0251.0376.0251.0376/",
		"http://0/", "http://10.1/", "http://localhost./", "http://[::ffff:7f00:1]/", "http://[0:0:0:0:0:ffff:127.0.0.1]/",
		"http://[::127.0.0.1]/", "http://[::a9fe:a9fe]/",
	} {
		res, _ := s.call("create_webhook", map[string]any{"org_id": org, "url": u}, "")
		if !res.IsError || !strings.Contains(text(res), "400") {
			t.Errorf("%s: registered (%s)", u, text(res))
		}
	}
	if hooks := s.ok("list_webhooks", map[string]any{"org_id": org})["items"].([]any); len(hooks) != 0 {
		t.Fatalf("webhooks pointing inward were kept: %v", hooks)
	}
	s.ok("create_webhook", map[string]any{"org_id": org, "url": "https://hooks.example.com/x"})
}
