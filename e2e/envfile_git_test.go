package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

// TestWriteEnvFileRunsNoProgramOfTheRepository: a root holding a
// repository whose .git/config names programs (an unpacked archive, a
// clone) gets its .env written and checked against git, and none of those
// programs runs: not the fsmonitor hook, not a hook, not a pager, filter
// or helper. The answers are still git's (tracked, ignored).
func TestWriteEnvFileRunsNoProgramOfTheRepository(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	if runtime.GOOS == "windows" {
		t.Skip("the programs are shell scripts")
	}
	root, tmp := t.TempDir(), t.TempDir()
	marker := filepath.Join(tmp, "ran")
	prog := filepath.Join(tmp, "prog.sh")
	writeFile(t, prog, "#!/bin/sh\necho \"$0 $*\" >> '"+marker+"'\n")
	os.Chmod(prog, 0o755)
	hooks := filepath.Join(tmp, "hooks")
	os.Mkdir(hooks, 0o755)
	for _, h := range []string{"post-index-change", "reference-transaction", "post-checkout", "pre-commit", "pre-auto-gc"} {
		os.Symlink(prog, filepath.Join(hooks, h))
	}
	git := func(args ...string) {
		cmd := exec.Command("git", append([]string{"-C", root, "-c", "user.email=t@example.com", "-c", "user.name=t"}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_CONFIG_NOSYSTEM=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v %s", args, err, out)
		}
	}
	writeFile(t, filepath.Join(root, ".env.example"), "MYAPI_API_KEY=\n")
	writeFile(t, filepath.Join(root, ".gitattributes"), "* filter=evil diff=evil\n")
	git("init", "-q")
	git("add", ".env.example", ".gitattributes")
	git("commit", "-qm", "template")
	cfg, err := os.OpenFile(filepath.Join(root, ".git", "config"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	cfg.WriteString("[core]\n\tfsmonitor = " + prog + "\n\thooksPath = " + hooks + "\n\tpager = " + prog + "\n\tsshCommand = " + prog +
		"\n[diff]\n\texternal = " + prog + "\n[filter \"evil\"]\n\tclean = " + prog + "\n\tprocess = " + prog +
		"\n[credential]\n\thelper = !" + prog + "\n[gc]\n\tauto = 1\n")
	cfg.Close()

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
