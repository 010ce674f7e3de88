package safegit

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/myapihq/myapihq-mcp/internal/safegit/safegittest"
)

// hostileRepo holds a tracked file "a" and ignores "ignored.env".
func hostileRepo(t *testing.T) (root, marker string) {
	return safegittest.HostileRepo(t, map[string]string{"a": "a\n", ".gitignore": "ignored.env\n"})
}

// TestHostileRepositoryRunsNothing: the queries the server makes answer
// as git would, and no program the repository names runs. The same query
// without safegit does run one (so the repository is really hostile).
func TestHostileRepositoryRunsNothing(t *testing.T) {
	t.Parallel()
	root, marker := hostileRepo(t)
	ctx := context.Background()
	for _, c := range []struct {
		args []string
		want int
	}{
		{[]string{"ls-files", "--error-unmatch", "--", "a"}, 0},
		{[]string{"ls-files", "--error-unmatch", "--", "new.env"}, 1},
		{[]string{"check-ignore", "-q", "--", "ignored.env"}, 0},
		{[]string{"check-ignore", "-q", "--", "new.env"}, 1},
	} {
		if got, err := Run(ctx, root, c.args...); err != nil || got != c.want {
			t.Errorf("git %v: exit %d (%v), want %d", c.args, got, err, c.want)
		}
	}
	if b, err := os.ReadFile(marker); err == nil {
		t.Fatalf("a program of the repository ran:\n%s", b)
	}
	plain := exec.Command("git", "-C", root, "check-ignore", "-q", "--", "new.env")
	plain.Env = append(environ(), "GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_CONFIG_NOSYSTEM=1")
	plain.Run() //nolint:errcheck // exit 1: not ignored
	if b, err := os.ReadFile(marker); err != nil || !strings.Contains(string(b), "prog.sh") {
		t.Fatalf("plain git ran nothing (%v): the test's repository is not hostile", err)
	}
}

// TestRunOutsideARepository: not a repository is git's 128, not an error;
// GIT_DIR inherited from a calling hook does not redirect the query.
func TestRunOutsideARepository(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	root, _ := hostileRepo(t)
	t.Setenv("GIT_DIR", filepath.Join(root, ".git"))
	t.Setenv("GIT_CEILING_DIRECTORIES", os.TempDir())
	if got, err := Run(context.Background(), t.TempDir(), "check-ignore", "-q", "--", "ignored.env"); err != nil || got != 128 {
		t.Fatalf("exit %d (%v), want 128", got, err)
	}
}

// TestUsersExcludesFileIsKept: without global config, the user's own
// core.excludesFile still counts when passed on.
func TestUsersExcludesFileIsKept(t *testing.T) {
	root, _ := hostileRepo(t)
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	os.WriteFile(filepath.Join(home, ".gitconfig"), []byte("[core]\n\texcludesFile = ~/global.ignore\n"), 0o644)
	os.WriteFile(filepath.Join(home, "global.ignore"), []byte("*.secret.env\n"), 0o644)
	ex := ExcludesFile(context.Background())
	if ex != filepath.Join(home, "global.ignore") {
		t.Fatalf("ExcludesFile = %q", ex)
	}
	if got, _ := Run(context.Background(), root, "check-ignore", "-q", "--", "x.secret.env"); got != 1 {
		t.Fatalf("without the excludes file: exit %d, want 1 (global config is skipped)", got)
	}
	if got, _ := Run(context.Background(), root, "-c", "core.excludesFile="+ex, "check-ignore", "-q", "--", "x.secret.env"); got != 0 {
		t.Fatalf("with it: exit %d, want 0", got)
	}
}
