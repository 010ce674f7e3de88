package app

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/myapihq/myapihq-mcp/remote"
)

// TestPinnedSessionBelongsToItsCaller: with pinned sessions, a caller with
// valid credentials of its own cannot use another tenant's session id.
func TestPinnedSessionBelongsToItsCaller(t *testing.T) {
	t.Parallel()
	r, err := Build(Config{Sandbox: true, SandboxConfig: SandboxConfig{State: filepath.Join(t.TempDir(), "sb.db")},
		HTTP: HTTPConfig{MultiTenant: true, PinnedSessions: true}, Stderr: io.Discard}, MultiTenant)
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

// TestTransportEndsBoundSessions: the transport's idle sweeper and its
// shutdown ask for the session manager without a request; they end a
// bound session (a nil request once meant a nil-pointer panic), and the
// ended id stays ended for its caller.
func TestTransportEndsBoundSessions(t *testing.T) {
	t.Parallel()
	s := newTenantSessions(newSessionIDs(10, nil))
	req := httptest.NewRequest(http.MethodPost, "/mcp", nil)
	req = req.WithContext(remote.WithTenant(req.Context(), &remote.Tenant{Hash: "alice"}))
	sid := s.ResolveSessionIdManager(req).Generate()
	if ended, err := s.ResolveSessionIdManager(req).Validate(sid); err != nil || ended {
		t.Fatalf("a live session: %v %v", ended, err)
	}
	if _, err := s.ResolveSessionIdManager(nil).Terminate(sid); err != nil {
		t.Fatalf("the sweeper could not end it: %v", err)
	}
	if ended, err := s.ResolveSessionIdManager(req).Validate(sid); err != nil || !ended {
		t.Fatalf("an ended session: %v %v", ended, err)
	}
}
