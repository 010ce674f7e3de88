package app

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// TestPinnedSessionBelongsToItsCaller: with pinned sessions, a caller with
// valid credentials of its own cannot use another tenant's session id.
func TestPinnedSessionBelongsToItsCaller(t *testing.T) {
	t.Parallel()
	r, err := OpenRemote(Config{Sandbox: true, SandboxState: filepath.Join(t.TempDir(), "sb.db")},
		HTTPConfig{MultiTenant: true, PinnedSessions: true}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(r.Handler())
	t.Cleanup(func() { ts.Close(); r.Close() })
	aliceKey, _ := onboardAgent(t, r.BaseURL)
	bobKey, _ := onboardAgent(t, r.BaseURL)
	post := func(key, session, body string) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/mcp", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("MCP-Protocol-Version", "2025-11-25")
		if session != "" {
			req.Header.Set("Mcp-Session-Id", session)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res
	}
	res := post(aliceKey, "", `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"a","version":"1"}}}`)
	sid := res.Header.Get("Mcp-Session-Id")
	if res.StatusCode != 200 || sid == "" {
		t.Fatalf("initialize: %d %q", res.StatusCode, sid)
	}
	list := `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`
	if res := post(aliceKey, sid, list); res.StatusCode != 200 {
		t.Fatalf("alice in her session: %d", res.StatusCode)
	}
	if res := post(bobKey, sid, list); res.StatusCode < 400 {
		t.Fatalf("bob used alice's session: %d", res.StatusCode)
	}
	// The id alone, without the binding, opens nothing either.
	if res := post(aliceKey, sid[:strings.IndexByte(sid, '.')], list); res.StatusCode < 400 {
		t.Fatalf("an unbound id: %d", res.StatusCode)
	}
}
