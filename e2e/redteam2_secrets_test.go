package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

// TestRedteam2SecretsAcrossHumanTools: the story's secret scan, widened to
// what it did not walk: a human's login (and a failed one), the human-only
// tools, a key rotation, progress, resources, and a model that copies the
// human's password into text the service echoes back. Nothing stored or
// typed as a secret reaches a result, a resource, stderr or the log file.
func TestRedteam2SecretsAcrossHumanTools(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	logFile := filepath.Join(t.TempDir(), "server.log")
	s := startMCP(t, e, mcp.ProtocolVersion20251125, "--log-file", logFile)
	const password = "hunter2-correct-horse"
	base := s.ok("whoami", nil)["base_url"].(string)
	s.ok("create_agent", map[string]any{"label": "rt2"})
	s.ok("register_account", map[string]any{"email": "ada@example.com", "password": password})
	verifyEmailAt(t, base, "ada@example.com")
	if res, _ := s.call("login", map[string]any{"email": "ada@example.com", "password": password + "x"}, ""); !res.IsError {
		t.Fatal("a wrong password logged in")
	}
	s.ok("login", map[string]any{"email": "ada@example.com", "password": password})
	s.ok("link_agent", nil)
	agents := s.ok("list_linked_agents", nil)["items"].([]any)
	if len(agents) > 0 {
		id := agents[0].(map[string]any)["id"]
		s.call("get_agent_balance", map[string]any{"agent_id": id}, "")
		s.call("get_agent_usage", map[string]any{"agent_id": id}, "")
	}
	// The model copies the password into text the service echoes.
	org := s.ok("create_org", map[string]any{"name": "pw " + password, "description": password})["id"]
	s.ok("get_org", map[string]any{"org_id": org})
	s.call("import_brand", map[string]any{"domain": "rt2-brand.com"}, "p1")
	s.ok("rotate_key", nil)
	s.ok("whoami", nil)

	scan := newScanner()
	for k, v := range secretsOf(t, e) {
		scan.secret(k, v)
	}
	scan.secret("password", password)
	ctx := context.Background()
	for _, uri := range []string{"myapihq://account", "myapihq://orgs", "myapihq://orgs/" + fmt.Sprint(org)} {
		req := mcp.ReadResourceRequest{}
		req.Params.URI = uri
		r, err := s.c.ReadResource(ctx, req)
		if err != nil {
			t.Fatalf("%s: %v", uri, err)
		}
		b, _ := json.Marshal(r)
		scan.text(uri, string(b))
	}
	s.mu.Lock()
	for i, r := range s.results {
		scan.text(fmt.Sprintf("result %d", i), r)
	}
	for i, n := range s.notes {
		b, _ := json.Marshal(n)
		scan.text(fmt.Sprintf("notification %d", i), string(b))
	}
	s.mu.Unlock()
	scan.text("stderr", s.stderr.String())
	b, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "login") {
		t.Logf("log: %s", b)
	}
	scan.text("log file", string(b))
	scan.check(t)
}
