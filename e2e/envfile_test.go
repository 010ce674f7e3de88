package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

// An injected "write the credentials to .env.example" would put the key in a
// file git tracks (templates are committed); an encrypted .env.vault would
// be corrupted with the key in clear. Both are refused before the human is
// asked, and neither file changes.
func TestEnvFileRefusesTrackedAndBinaryFiles(t *testing.T) {
	t.Parallel()
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("no git")
	}
	root := t.TempDir()
	run := func(args ...string) {
		cmd := exec.Command(git, append([]string{"-C", root, "-c", "user.email=t@example.com", "-c", "user.name=t"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v %s", args, err, out)
		}
	}
	example := filepath.Join(root, ".env.example")
	vault := filepath.Join(root, ".env.vault")
	os.WriteFile(example, []byte("MYAPI_API_KEY=\n"), 0o644)
	os.WriteFile(vault, []byte("\x00\x01encrypted\xff\xfe"), 0o600)
	run("init", "-q")
	run("add", ".env.example")
	run("commit", "-qm", "template")

	e := newEnv(t)
	h := &human{}
	s := startServices(t, e, mcp.LATEST_PROTOCOL_VERSION, h, rootsOf{root}, []string{"XDG_CACHE_HOME=" + t.TempDir()})
	s.ok("create_agent", map[string]any{"label": "redteam"})
	if msg := s.fails("write_env_file", map[string]any{"path": ".env.example"}); !strings.Contains(msg, "git tracks") {
		t.Errorf("tracked file: %s", msg)
	}
	if msg := s.fails("write_env_file", map[string]any{"path": ".env.vault"}); !strings.Contains(msg, "not a text") {
		t.Errorf("binary file: %s", msg)
	}
	if b, _ := os.ReadFile(example); string(b) != "MYAPI_API_KEY=\n" {
		t.Errorf(".env.example changed: %q", b)
	}
	if b, _ := os.ReadFile(vault); string(b) != "\x00\x01encrypted\xff\xfe" {
		t.Errorf(".env.vault changed: %q", b)
	}
	if n := h.asked.Load(); n != 0 {
		t.Errorf("the human was asked %d time(s) about a write that is refused", n)
	}
}
