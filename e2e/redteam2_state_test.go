package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

// TestRedteam2SandboxStateHoldsNoSecret: after a story that saw every kind
// of secret (an agent's PIN, its API keys before and after a rotation, a
// JWT, a human's password, a webhook's signing secret is the service's own),
// the embedded sandbox's state file, its WAL and its folder are private,
// and none of those secrets is in them in clear.
func TestRedteam2SandboxStateHoldsNoSecret(t *testing.T) {
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
