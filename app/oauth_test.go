package app

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/myapihq/myapihq-mcp/hqclient"
	"github.com/myapihq/myapihq-mcp/oauth/oauthtest"
	"github.com/myapihq/myapihq-mcp/remote"
	"github.com/myapihq/myapihq-mcp/toolkit"
)

// The seam: the multi-tenant server with --oauth, in-process on the
// embedded sandbox, driven through its HTTP surface.
func startOAuthRemote(t *testing.T, hc HTTPConfig) (string, *App) {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	u := "http://" + ts.Listener.Addr().String()
	hc.MultiTenant, hc.OAuth, hc.PublicURL = true, true, u
	hc.StateKey = "app-oauth-test-state-key-0123456789"
	a, err := Build(Config{Sandbox: true, SandboxConfig: SandboxConfig{State: filepath.Join(t.TempDir(), "sb.db")}, HTTP: hc, Stderr: io.Discard}, MultiTenant)
	if err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = a.Handler()
	ts.Start()
	t.Cleanup(func() { ts.Close(); a.Close() })
	return u, a
}

func onboardAgent(t *testing.T, base string) (key, pin string) {
	t.Helper()
	ctx := context.Background()
	c, _ := hqclient.New(hqclient.Options{BaseURL: base})
	a, err := c.CreateAgent(ctx, "oauth-app")
	if err != nil {
		t.Fatal(err)
	}
	kc, _ := hqclient.New(hqclient.Options{BaseURL: base, Credentials: hqclient.NewStaticCredentials(hqclient.Secrets{PIN: a.Data.PIN})})
	k, err := kc.CreateKey(ctx, hqclient.CreateKeyRequest{Name: "k"})
	if err != nil {
		t.Fatal(err)
	}
	return k.Data.APIKey, a.Data.PIN
}

func signIn(t *testing.T, u, key, pin, scope string) string {
	t.Helper()
	at, err := oauthtest.Connect(u, "App Test", key, pin, scope)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

func rpc(t *testing.T, u, bearer, body string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u+"/mcp", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res, string(b)
}

func TestRemoteOAuthScopes(t *testing.T) {
	t.Parallel()
	u, r := startOAuthRemote(t, HTTPConfig{APIKeyBearer: true})
	key, pin := onboardAgent(t, r.BaseURL)

	// Without a token: 401 pointing at the metadata, which is public.
	res, _ := rpc(t, u, "", `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`)
	if res.StatusCode != 401 || !strings.Contains(res.Header.Get("WWW-Authenticate"), `resource_metadata="`+u+`/.well-known/oauth-protected-resource/mcp"`) {
		t.Fatalf("no token: %d %q", res.StatusCode, res.Header.Get("WWW-Authenticate"))
	}
	if res, err := http.Get(u + "/.well-known/oauth-authorization-server"); err != nil || res.StatusCode != 200 {
		t.Fatalf("AS metadata: %v", err)
	}

	read := signIn(t, u, key, pin, "read")
	cl := mcpClient(t, u, read)
	if _, err := cl.CallTool(context.Background(), toolReq("list_orgs", nil)); err != nil {
		t.Fatalf("a read tool with the read scope: %v", err)
	}
	// A write and a billing tool: 403 with the scopes to step up to.
	for tool, need := range map[string]string{"create_org": "write", "top_up": "billing"} {
		res, body := rpc(t, u, read, `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"`+tool+`","arguments":{}}}`)
		wa := res.Header.Get("WWW-Authenticate")
		if res.StatusCode != 403 || !strings.Contains(wa, `error="insufficient_scope"`) || !strings.Contains(wa, `scope="read `+need+`"`) ||
			!strings.Contains(body, `"id":7`) {
			t.Errorf("%s with read only: %d %q %s", tool, res.StatusCode, wa, body)
		}
	}
	// Hidden in a batch, too.
	res, _ = rpc(t, u, read, `[{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_orgs"}},{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"delete_org","arguments":{"org_id":"x"}}}]`)
	if res.StatusCode != 403 {
		t.Errorf("a batch with a write: %d", res.StatusCode)
	}
	// The pipeline's scope step refuses too, whatever reached it: it stands
	// before the arguments are even read.
	if names := strings.Join(r.Pipeline.Names(), " "); !strings.Contains(names, "scope validate") {
		t.Errorf("no scope step before validate: %s", names)
	}
	var createOrg toolkit.Tool
	for _, tl := range r.Tools {
		if tl.Name == "create_org" {
			createOrg = tl
		}
	}
	createOrg.Handler = func(context.Context, toolkit.Args) (*mcp.CallToolResult, error) {
		t.Error("a write ran on a read-only token")
		return nil, nil
	}
	ctx := remote.WithTenant(context.Background(), &remote.Tenant{Hash: strings.Repeat("0", 64), Scopes: []string{"read"}})
	if res, _ := r.Pipeline.Handler(createOrg)(ctx, toolReq("create_org", nil)); res == nil || !res.IsError ||
		!strings.Contains(res.Content[0].(mcp.TextContent).Text, "needs the write scope") {
		t.Errorf("the scope step let a write through: %+v", res)
	}

	// A write token creates; an API key bearer still works (the operator's default).
	all := signIn(t, u, key, pin, "read write")
	if res, err := mcpClient(t, u, all).CallTool(context.Background(), toolReq("create_org", map[string]any{"name": "oauth org"})); err != nil || res.IsError {
		t.Fatalf("create_org with write: %v %v", err, res)
	}
	if res, _ := rpc(t, u, key, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"create_org","arguments":{"name":"k"}}}`); res.StatusCode != 200 {
		t.Errorf("API key bearer: %d", res.StatusCode)
	}
}

func TestRemoteOAuthOnlyRefusesAPIKeys(t *testing.T) {
	t.Parallel()
	u, r := startOAuthRemote(t, HTTPConfig{APIKeyBearer: false})
	key, pin := onboardAgent(t, r.BaseURL)
	res, body := rpc(t, u, key, `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`)
	if res.StatusCode != 401 || !strings.Contains(body, "OAuth") {
		t.Fatalf("API key with --api-key-bearer=false: %d %s", res.StatusCode, body)
	}
	at := signIn(t, u, key, pin, "")
	tl, err := mcpClient(t, u, at).ListTools(context.Background(), mcp.ListToolsRequest{})
	if err != nil || len(tl.Tools) == 0 {
		t.Fatalf("OAuth token: %v", err)
	}
}

func TestOAuthFlagsAreChecked(t *testing.T) {
	t.Parallel()
	for _, hc := range []HTTPConfig{
		{OAuth: true}, // no public URL
		{OAuth: true, PublicURL: "http://127.0.0.1:1", Redis: "redis://127.0.0.1:1/0"}, // Redis without a state key
	} {
		if a, err := Build(Config{BaseURL: "http://127.0.0.1:9", HTTP: hc, Stderr: io.Discard}, MultiTenant); err == nil {
			a.Close()
			t.Errorf("%+v accepted", hc)
		}
	}
	if err := RunHTTP(context.Background(), Config{HTTP: HTTPConfig{OAuth: true}}, io.Discard); err == nil || !strings.Contains(err.Error(), "--multi-tenant") {
		t.Errorf("--oauth without --multi-tenant: %v", err)
	}
	for _, bad := range []string{"http://mcp.example.com", "https://mcp.example.com/sub", "ftp://x", "https://u:p@x.example", "https://mcp.your-domain.invalid"} {
		if _, err := parse(t, nil, "--public-url="+bad); err == nil {
			t.Errorf("--public-url=%s accepted", bad)
		}
	}
}

func mcpClient(t *testing.T, u, bearer string) *client.Client {
	t.Helper()
	tr, err := transport.NewStreamableHTTP(u+"/mcp", transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + bearer}))
	if err != nil {
		t.Fatal(err)
	}
	c := client.NewClient(tr)
	t.Cleanup(func() { c.Close() })
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	init := mcp.InitializeRequest{}
	init.Params.ClientInfo = mcp.Implementation{Name: "oauth-app-test", Version: "1"}
	if _, err := c.Initialize(context.Background(), init); err != nil {
		t.Fatal(err)
	}
	return c
}

func toolReq(name string, args map[string]any) mcp.CallToolRequest {
	r := mcp.CallToolRequest{}
	r.Params.Name, r.Params.Arguments = name, args
	return r
}

// TestRemoteOAuthCompletionsNeedRead: completion/complete answers with
// the caller's organization ids and the domains they name, read with the
// caller's credentials: what the read scope guards. Before: a token
// allowed only write (or only billing) was given them; after: 403
// insufficient_scope, as resources/read, in a batch too.
func TestRemoteOAuthCompletionsNeedRead(t *testing.T) {
	t.Parallel()
	u, r := startOAuthRemote(t, HTTPConfig{APIKeyBearer: true})
	key, pin := onboardAgent(t, r.BaseURL)
	all := signIn(t, u, key, pin, "read write")
	if res, err := mcpClient(t, u, all).CallTool(context.Background(), toolReq("create_org", map[string]any{"name": "Secret Project", "logo_url": "https://secret-project.example/logo.png"})); err != nil || res.IsError {
		t.Fatalf("create_org: %v %v", err, res)
	}
	complete := `{"jsonrpc":"2.0","id":3,"method":"completion/complete","params":{"ref":{"type":"ref/resource","uri":"myapihq://orgs/{id}"},"argument":{"name":"id","value":""}}}`
	domains := `{"jsonrpc":"2.0","id":4,"method":"completion/complete","params":{"ref":{"type":"ref/prompt","name":"brand_from_domain"},"argument":{"name":"domain","value":"secret"}}}`
	if _, body := rpc(t, u, all, domains); !strings.Contains(body, "secret-project.example") {
		t.Fatalf("with read, the completion does not offer the org's domain: %s", body)
	}
	for _, scope := range []string{"write", "billing"} {
		tok := signIn(t, u, key, pin, scope)
		for _, req := range []string{complete, domains, "[" + complete + "]"} {
			res, body := rpc(t, u, tok, req)
			if res.StatusCode != 403 || strings.Contains(body, "org_") || strings.Contains(body, "secret-project") {
				t.Errorf("completion with only %s: %d %s", scope, res.StatusCode, body)
			}
		}
	}
}
