package e2e

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

var httpURL = regexp.MustCompile(`http://127\.0\.0\.1:\d+/mcp`)

// startHTTP runs `myapihq-mcp http` on a free loopback port.
func startHTTP(t *testing.T, e env, args ...string) string {
	t.Helper()
	return startHTTPWith(t, e, nil, args...)
}

// httpClient is a modern-era client of url that sends the bearer token.
func httpClient(t *testing.T, url, token string) *client.Client {
	t.Helper()
	tr, err := transport.NewStreamableHTTP(url, transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + token}))
	if err != nil {
		t.Fatal(err)
	}
	return startClient(t, tr, mcp.ProtocolVersion20251125, nil)
}

func callText(t *testing.T, c *client.Client, name string, args map[string]any) (*mcp.CallToolResult, string) {
	t.Helper()
	req := mcp.CallToolRequest{}
	req.Params.Name, req.Params.Arguments = name, args
	res, err := c.CallTool(context.Background(), req)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return res, text(res)
}

// TestHTTPTransport: the same server over streamable HTTP, with its guards.
func TestHTTPTransport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const token = "http-test-token-0123456789abcdef-0123456789"
	url := startHTTP(t, e, "--http-token", token)

	initBody := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`
	post := func(origin, auth string) int {
		req, _ := http.NewRequest("POST", url, bytes.NewBufferString(initBody))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, tc := range []struct {
		origin, auth string
		want         int
	}{
		{"", "", http.StatusUnauthorized},
		{"", "Bearer wrong", http.StatusUnauthorized},
		{"https://evil.example", "Bearer " + token, http.StatusForbidden}, // DNS rebinding from a web page
		{"http://localhost:3000", "Bearer " + token, http.StatusOK},
		{"", "Bearer " + token, http.StatusOK},
	} {
		if got := post(tc.origin, tc.auth); got != tc.want {
			t.Errorf("origin %q auth %q: %d, want %d", tc.origin, tc.auth, got, tc.want)
		}
	}

	// Two clients, one account: the tools work, and a human's login stays
	// with the session that made it.
	a, b := httpClient(t, url, token), httpClient(t, url, token)
	if res, msg := callText(t, a, "create_agent", nil); res.IsError {
		t.Fatal(msg)
	}
	if res, msg := callText(t, b, "create_org", map[string]any{"name": "Over HTTP"}); res.IsError {
		t.Fatal(msg)
	}
	callText(t, a, "register_account", map[string]any{"email": "h@example.com", "password": "correct horse"})
	who, _ := callText(t, a, "whoami", nil)
	base := who.StructuredContent.(map[string]any)["base_url"].(string)
	var mails []map[string]any
	getJSON(t, base+"/_sandbox/outbox?to=h@example.com", &mails)
	if resp, err := http.Get(mails[0]["link"].(string)); err != nil || resp.StatusCode != 200 {
		t.Fatalf("verify: %v", err)
	}
	if res, msg := callText(t, a, "login", map[string]any{"email": "h@example.com", "password": "correct horse"}); res.IsError {
		t.Fatal(msg)
	}
	if res, msg := callText(t, a, "list_linked_agents", nil); res.IsError {
		t.Fatalf("session a, logged in: %s", msg)
	}
	res, msg := callText(t, b, "list_linked_agents", nil)
	if !res.IsError || !strings.Contains(msg, "login") {
		t.Fatalf("session b used session a's login: %s", msg)
	}
	if _, err := a.ListResources(context.Background(), mcp.ListResourcesRequest{}); err != nil {
		t.Fatal(err)
	}
}

func TestHTTPRefusesNonLoopbackWithoutToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	out, errs, code := cli(t, e, append([]string{"http", "--addr", "0.0.0.0:0", "--allow-remote"}, e.sandboxArgs()...)...)
	if code != 2 || !strings.Contains(errs, "MYAPI_HTTP_TOKEN") {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
}
