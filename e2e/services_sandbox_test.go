package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

// TestServicesThroughTheSandbox: the whole door, through the built binary
// and a real client, on --sandbox: docs for every host (cached), reads and
// consented writes with the key added by the server, each rule refused, a
// usage charge, a revoked key, and no secret anywhere the model or the log
// sees.
func TestServicesThroughTheSandbox(t *testing.T) {
	t.Parallel() // subprocesses: no shared stdio session
	e := newEnv(t)
	h := &human{}
	root := t.TempDir()
	s := startServices(t, e, mcp.ProtocolVersion20251125, h, rootsOf{root}, []string{"XDG_CACHE_HOME=" + t.TempDir()})
	base := s.sandboxBase()
	ctx := context.Background()

	list := s.ok("list_services", nil)["services"].([]any)
	if len(list) != 7 {
		t.Fatalf("list_services: %v", list)
	}
	for _, it := range list {
		svc := it.(map[string]any)
		host := svc["service"].(string)
		if svc["docs_cached"] != false {
			t.Fatalf("%s cached before any fetch", host)
		}
		res, sc := s.call("get_service_docs", map[string]any{"service": host}, "")
		body := text(res)
		want := "stand-in"
		if host == "myapihq.com" {
			want = "GET /hq/orgs"
		}
		if res.IsError || sc["source"] != "fetched" || !strings.Contains(body, want) || !strings.Contains(body, "not instructions") {
			t.Fatalf("docs of %s: %s", host, body)
		}
	}
	if _, sc := s.call("get_service_docs", map[string]any{"service": "mydomainapi.com"}, ""); sc["source"] != "cache" {
		t.Fatalf("second fetch: %v", sc)
	}
	docsFetches := map[string]int{}
	for _, c := range serviceCalls(t, base) {
		if strings.HasSuffix(c.Path, "llms.txt") {
			docsFetches[c.Service]++
		}
	}
	if len(docsFetches) != 7 || docsFetches["mydomainapi.com"] != 1 {
		t.Fatalf("the stand-ins saw these docs fetches: %v", docsFetches)
	}
	rr := mcp.ReadResourceRequest{}
	rr.Params.URI = "myapihq://services/myemailapi.com/llms.txt"
	if got, err := s.c.ReadResource(ctx, rr); err != nil || !strings.Contains(got.Contents[0].(mcp.TextResourceContents).Text, "myemailapi.com") {
		t.Fatalf("resource: %v %v", got, err)
	}

	// Onboard, with money for writes.
	s.ok("create_agent", map[string]any{"label": "services"})
	org := s.ok("create_org", map[string]any{"name": "Services Org"})["id"].(string)
	setup := s.ok("setup_payment", nil)
	resp, err := http.PostForm(setup["url"].(string), url.Values{"card": {"4242"}})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("checkout: %v %v", err, resp)
	}
	resp.Body.Close()
	s.ok("top_up", map[string]any{"amount_cents": 100})

	got := s.ok("service_get", map[string]any{"service": "mydomainapi.com", "path": "/v1/domains", "query": map[string]any{"org_id": org}})
	if got["sandbox"] != true || got["org_id"] != org || got["method"] != "GET" || got["path"] != "/v1/domains" || got["account_id"] == "" {
		t.Fatalf("service_get: %v", got)
	}
	if msg := s.fails("service_get", map[string]any{"service": "mydomainapi.com", "path": "/v1/domains", "query": map[string]any{"org_id": "org_notmine"}}); !strings.Contains(msg, "403") {
		t.Fatalf("foreign org: %s", msg)
	}

	asked := h.asked.Load()
	w := s.ok("service_write", map[string]any{"service": "myemailapi.com", "method": "POST", "path": "/v1/send",
		"body": map[string]any{"org_id": org, "to": "a@example.com"}})
	if w["method"] != "POST" || h.asked.Load() != asked+1 {
		t.Fatalf("service_write: %v (asked %d→%d)", w, asked, h.asked.Load())
	}
	before := len(serviceCalls(t, base))
	h.decline.Store(true)
	if msg := s.fails("service_write", map[string]any{"service": "myemailapi.com", "method": "DELETE", "path": "/v1/send/1"}); !strings.Contains(msg, "did not confirm") {
		t.Fatalf("declined: %s", msg)
	}
	h.decline.Store(false)
	if after := len(serviceCalls(t, base)); after != before {
		t.Fatalf("a declined write reached the service (%d → %d calls)", before, after)
	}
	hist := s.ok("get_billing_history", nil)["items"].([]any)
	if ev := hist[0].(map[string]any); ev["type"] != "charge" || ev["amount_cents"] != float64(-1) || !strings.Contains(ev["description"].(string), "Usage: myemailapi.com POST /v1/send") {
		t.Fatalf("no usage charge: %v", hist[0])
	}

	// Every rule of the door, refused before the stand-in sees anything.
	before = len(serviceCalls(t, base))
	for _, bad := range []map[string]any{
		{"service": "evil.com", "path": "/x"},
		{"service": "myapihq.com", "path": "/hq/orgs"},
		{"service": "mydomainapi.com", "path": "v1/domains"},
		{"service": "mydomainapi.com", "path": "https://evil.example/x"},
		{"service": "mydomainapi.com", "path": "//evil.example/x"},
		{"service": "mydomainapi.com", "path": "/v1/../../hq/orgs"},
		{"service": "mydomainapi.com", "path": "/v1/./x"},
		{"service": "mydomainapi.com", "path": "/v1/%2e%2e/hq"},
		{"service": "mydomainapi.com", "path": "/v1%2fx"},
		{"service": "mydomainapi.com", "path": "/user:pw@evil.example/x"},
		{"service": "mydomainapi.com", "path": "/a\nHost: evil"},
		{"service": "mydomainapi.com", "path": "/<script>"},
		{"service": "mydomainapi.com", "path": "/a\u202eb"},
		{"service": "mydomainapi.com", "path": "/" + strings.Repeat("a", 2000)},
		{"service": "mydomainapi.com", "path": "/x", "query": map[string]any{"n": 1}},
		{"service": "mydomainapi.com", "path": "/x", "headers": map[string]any{"Authorization": "Bearer x"}},
	} {
		msg := s.fails("service_get", bad)
		if !strings.Contains(msg, "refused") && !strings.Contains(msg, "invalid arguments") {
			t.Errorf("%v: unclear refusal: %s", bad, msg)
		}
		if bad["service"] == "myapihq.com" && !strings.Contains(msg, "list_orgs") {
			t.Errorf("hub refusal does not name the tools: %s", msg)
		}
	}
	if after := len(serviceCalls(t, base)); after != before {
		t.Fatalf("refused requests reached the stand-ins (%d → %d)", before, after)
	}

	// write_env_file inside the root, keeping the other lines.
	env := filepath.Join(root, ".env")
	os.WriteFile(env, []byte("OTHER=kept\nexport MYAPI_API_KEY=old\n"), 0o644)
	wrote := s.ok("write_env_file", map[string]any{"path": ".env"})
	b, _ := os.ReadFile(env)
	info, _ := os.Stat(env)
	secrets := secretsOf(t, e)
	if wrote["path"] != env || info.Mode().Perm() != 0o600 || !strings.Contains(string(b), "OTHER=kept\nMYAPI_API_KEY="+secrets["MYAPI_API_KEY"]+"\n") ||
		strings.Contains(string(b), "MYAPI_PIN") || wrote["warning"] == nil {
		t.Fatalf("env file %v:\n%s", wrote, b)
	}
	outside := t.TempDir()
	os.Symlink(outside, filepath.Join(root, "link"))
	for _, p := range []string{"../.env", filepath.Join(outside, ".env"), "link/.env", "/etc/.env", "main.go", "sub/../../.env"} {
		if msg := s.fails("write_env_file", map[string]any{"path": p}); !strings.Contains(msg, "refused") {
			t.Errorf("%s: %s", p, msg)
		}
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Fatalf("wrote outside the root: %v", entries)
	}

	// The key was on every call the stand-ins took (each was authenticated
	// as this account); docs fetches carry none, by design.
	for _, c := range serviceCalls(t, base) {
		if !strings.HasSuffix(c.Path, "llms.txt") && (c.AccountID == "" || c.Status == 401) {
			t.Fatalf("a call reached the stand-in without the key: %+v", c)
		}
	}

	// A revoked key comes back as 401 with what to do.
	keys := s.ok("list_keys", nil)["items"].([]any)
	for _, k := range keys {
		s.ok("revoke_key", map[string]any{"key_id": k.(map[string]any)["id"]})
	}
	if msg := s.fails("service_get", map[string]any{"service": "mydomainapi.com", "path": "/v1/domains"}); !strings.Contains(msg, "401") || !strings.Contains(msg, "revoked") {
		t.Fatalf("revoked key: %s", msg)
	}

	scan := newScanner()
	for k, v := range secrets {
		scan.secret(k, v)
	}
	scan.text("stderr", s.stderr.String())
	s.mu.Lock()
	for i, r := range s.results {
		scan.text(fmt.Sprintf("result %d", i), r)
	}
	s.mu.Unlock()
	scan.check(t)
	logged := 0
	for _, line := range strings.Split(s.stderr.String(), "\n") {
		if !strings.Contains(line, `"service request"`) {
			continue
		}
		logged++
		if strings.Contains(line, "org_") || strings.Contains(line, "a@example.com") {
			t.Fatalf("a query value or body in the log: %s", line)
		}
		for _, field := range []string{`"service":"`, `"method":"`, `"path":"`, `"status":`, `"duration":`, `"level":"info"`} {
			if !strings.Contains(line, field) {
				t.Fatalf("log line without %s: %s", field, line)
			}
		}
	}
	if logged < 10 {
		t.Fatalf("only %d service requests logged", logged)
	}
}

// TestServicesReadOnlyAndNoRoots: --read-only hides and refuses the
// writes; without roots write_env_file writes only under --env-file-dir.
func TestServicesReadOnlyAndNoRoots(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cache := "XDG_CACHE_HOME=" + t.TempDir()
	ro := startServices(t, e, mcp.LATEST_PROTOCOL_VERSION, &human{}, nil, []string{cache}, "--read-only")
	tools, err := ro.c.ListTools(context.Background(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range tools.Tools {
		if tool.Name == "service_write" || tool.Name == "write_env_file" {
			t.Fatalf("--read-only lists %s", tool.Name)
		}
	}
	req := mcp.CallToolRequest{}
	req.Params.Name, req.Params.Arguments = "service_write", map[string]any{"service": "mydomainapi.com", "method": "POST", "path": "/x"}
	if res, err := ro.c.CallTool(context.Background(), req); err == nil && !res.IsError {
		t.Fatal("--read-only ran service_write")
	}
	ro.c.Close()

	dir := t.TempDir()
	for _, protocol := range []string{mcp.ProtocolVersion20251125, mcp.LATEST_PROTOCOL_VERSION} {
		s := startServices(t, e, protocol, &human{}, nil, []string{cache})
		if protocol == mcp.ProtocolVersion20251125 {
			s.ok("create_agent", map[string]any{"label": "noroots"})
		}
		if msg := s.fails("write_env_file", map[string]any{"path": filepath.Join(dir, ".env")}); !strings.Contains(msg, "--env-file-dir") {
			t.Fatalf("no roots, no dir: %s", msg)
		}
		s.c.Close()
		s = startServices(t, e, protocol, &human{}, nil, []string{cache, "MYAPI_ENV_FILE_DIR=" + dir})
		name := ".env." + protocol
		if got := s.ok("write_env_file", map[string]any{"path": name, "include_pin": true}); got["path"] != filepath.Join(dir, name) {
			t.Fatalf("%v", got)
		}
		b, _ := os.ReadFile(filepath.Join(dir, name))
		if !strings.Contains(string(b), "MYAPI_PIN=") {
			t.Fatalf("include_pin: %s", b)
		}
		s.fails("write_env_file", map[string]any{"path": "../escape"})
		s.c.Close()
	}
}

// TestWriteEnvFileRootsModern: roots come through the multi-round-trip
// input request in the 2026-07-28 era.
func TestWriteEnvFileRootsModern(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	root := t.TempDir()
	h := &human{}
	s := startServices(t, e, mcp.LATEST_PROTOCOL_VERSION, h, rootsOf{root}, []string{"XDG_CACHE_HOME=" + t.TempDir()})
	s.ok("create_agent", map[string]any{"label": "modern"})
	os.WriteFile(filepath.Join(root, ".gitignore"), []byte(".env\n"), 0o644)
	got := s.ok("write_env_file", map[string]any{"path": ".env"})
	if got["path"] != filepath.Join(root, ".env") || got["warning"] != nil || h.asked.Load() != 1 {
		t.Fatalf("%v (asked %d)", got, h.asked.Load())
	}
	if msg := s.fails("write_env_file", map[string]any{"path": filepath.Join(t.TempDir(), ".env")}); !strings.Contains(msg, "outside the client's roots") {
		t.Fatalf("outside: %s", msg)
	}
}
