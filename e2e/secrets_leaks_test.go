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

// TestSecretsAcrossHumanTools: the story's secret scan, widened to
// what it did not walk: a human's login (and a failed one), the human-only
// tools, a key rotation, progress, resources, and a model that copies the
// human's password into text the service echoes back. Nothing stored or
// typed as a secret reaches a result, a resource, stderr or the log file.
func TestSecretsAcrossHumanTools(t *testing.T) {
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

// TestSandboxStateHoldsNoSecret: after a story that saw every kind
// of secret (an agent's PIN, its API keys before and after a rotation, a
// JWT, a human's password, a webhook's signing secret is the service's own),
// the embedded sandbox's state file, its WAL and its folder are private,
// and none of those secrets is in them in clear.
func TestSandboxStateHoldsNoSecret(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.state = filepath.Join(filepath.Dir(e.state), "fresh", "sandbox.db") // a folder the sandbox creates
	s := startMCP(t, e, mcp.ProtocolVersion20251125)
	const password = "state-password-4711"
	base := s.ok("whoami", nil)["base_url"].(string)
	s.ok("create_agent", map[string]any{"label": "rt2"})
	before := secretsOf(t, e)
	s.ok("register_account", map[string]any{"email": "st@example.com", "password": password})
	verifyEmailAt(t, base, "st@example.com")
	s.ok("login", map[string]any{"email": "st@example.com", "password": password})
	s.ok("link_agent", nil)
	s.ok("confirm_payment_setup", map[string]any{"payment_method_id": "pm_card"})
	s.ok("top_up", map[string]any{"amount_cents": 100})
	s.ok("create_key", map[string]any{"name": "extra"})
	s.ok("rotate_key", nil)
	after := secretsOf(t, e)

	secrets := map[string]string{"password": password}
	for k, v := range before {
		secrets["first "+k] = v
	}
	for k, v := range after {
		secrets["last "+k] = v
	}
	if info, err := os.Stat(filepath.Dir(e.state)); err != nil || info.Mode().Perm()&0o077 != 0 {
		t.Errorf("state folder: %v %v", info.Mode(), err)
	}
	files, _ := filepath.Glob(e.state + "*")
	if len(files) < 2 {
		t.Fatalf("state files: %v", files)
	}
	for _, f := range files {
		info, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v", filepath.Base(f), info.Mode().Perm())
		}
		b, _ := os.ReadFile(f)
		for name, v := range secrets {
			if len(v) >= 8 && strings.Contains(string(b), v) {
				t.Errorf("%s holds %s in clear", filepath.Base(f), name)
			}
		}
		for name, re := range secretShapes {
			if m := re.Find(b); m != nil {
				t.Errorf("%s holds %s: %.20s…", filepath.Base(f), name, m)
			}
		}
	}
}

// TestURLCredentialsNeverEchoed: a base or service URL carrying a
// password or a token is refused without repeating it on stderr (which
// hosts keep in their logs).
func TestURLCredentialsNeverEchoed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, args := range [][]string{
		{"stdio", "--base-url", "https://ada:s3cretpw99@api.example.com"},
		{"stdio", "--base-url", "https://api.example.com/?token=s3cretpw99"},
		{"stdio", "--service-url", "mydomainapi.com=https://ada:s3cretpw99@x.example.com"},
		{"stdio", "--service-url", "mydomainapi.com=https://x.example.com/?key=s3cretpw99"},
		{"stdio", "--service-url", "mydomainapi.com=https://x.example.com/#s3cretpw99"},
	} {
		out, errs, code := cli(t, e, args...)
		if code == 0 {
			t.Errorf("%v: accepted", args)
		}
		if strings.Contains(out+errs, "s3cretpw99") {
			t.Errorf("%v: the credential was echoed: %s", args, errs)
		}
	}
}
