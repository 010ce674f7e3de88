package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/myapihq/myapihq-mcp/internal/safegit/safegittest"
)

// TestWriteEnvFileRunsNoProgramOfTheRepository: a root holding a
// repository whose .git/config names programs (an unpacked archive, a
// clone) gets its .env written and checked against git, and none of those
// programs runs: not the fsmonitor hook, not a hook, not a pager, filter
// or helper. The answers are still git's (tracked, ignored).
func TestWriteEnvFileRunsNoProgramOfTheRepository(t *testing.T) {
	t.Parallel()
	root, marker := safegittest.HostileRepo(t, map[string]string{".env.example": "MYAPI_API_KEY=\n"})

	e := newEnv(t)
	h := &human{}
	s := startServices(t, e, mcp.LATEST_PROTOCOL_VERSION, h, rootsOf{root}, []string{"XDG_CACHE_HOME=" + t.TempDir()})
	s.ok("create_agent", map[string]any{"label": "hostile repository"})
	if msg := s.fails("write_env_file", map[string]any{"path": ".env.example"}); !strings.Contains(msg, "git tracks") {
		t.Errorf("tracked file: %s", msg)
	}
	got := s.ok("write_env_file", map[string]any{"path": ".env"})
	if w, _ := got["warning"].(string); !strings.Contains(w, "git check-ignore") {
		t.Errorf("the ignore check was not git's: %v", got)
	}
	writeFile(t, filepath.Join(root, ".gitignore"), ".env\n")
	if got := s.ok("write_env_file", map[string]any{"path": ".env"}); got["warning"] != nil {
		t.Errorf("an ignored .env was warned about: %v", got)
	}
	if b, err := os.ReadFile(marker); err == nil {
		t.Fatalf("write_env_file ran a program of the repository:\n%s", b)
	}
}
