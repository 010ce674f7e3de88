package safegit

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// hostileRepo is a repository whose config names a program for every
// place git may run one during a query, each writing to the marker file.
// It holds a tracked file "a" and ignores "ignored.env".
func hostileRepo(t *testing.T) (root, marker string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	if runtime.GOOS == "windows" {
		t.Skip("the programs are shell scripts")
	}
	root, tmp := t.TempDir(), t.TempDir()
	marker = filepath.Join(tmp, "ran")
	prog := filepath.Join(tmp, "prog.sh")
	if err := os.WriteFile(prog, []byte("#!/bin/sh\necho \"$0 $*\" >> '"+marker+"'\ncat >/dev/null 2>&1 </dev/null\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	hooks := filepath.Join(tmp, "hooks")
	os.Mkdir(hooks, 0o755)
	for _, h := range []string{"post-index-change", "reference-transaction", "post-checkout", "pre-commit", "fsmonitor-watchman", "pre-auto-gc"} {
		if err := os.Symlink(prog, filepath.Join(hooks, h)); err != nil {
			t.Fatal(err)
		}
	}
	git := func(args ...string) {
		cmd := exec.Command("git", append([]string{"-C", root, "-c", "user.email=t@example.com", "-c", "user.name=t"}, args...)...)
		cmd.Env = append(environ(), "GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_CONFIG_NOSYSTEM=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v %s", args, err, out)
		}
	}
	os.WriteFile(filepath.Join(root, "a"), []byte("a\n"), 0o644)
	os.WriteFile(filepath.Join(root, ".gitignore"), []byte("ignored.env\n"), 0o644)
	os.WriteFile(filepath.Join(root, ".gitattributes"), []byte("* filter=evil diff=evil\n"), 0o644)
	git("init", "-q")
	git("add", "a", ".gitignore", ".gitattributes")
	git("commit", "-qm", "init")
	cfg, err := os.OpenFile(filepath.Join(root, ".git", "config"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = cfg.WriteString("[core]\n\tfsmonitor = " + prog + "\n\thooksPath = " + hooks + "\n\tpager = " + prog +
		"\n\tsshCommand = " + prog + "\n\taskPass = " + prog + "\n\teditor = " + prog + "\n" +
		"[diff]\n\texternal = " + prog + "\n[diff \"evil\"]\n\ttextconv = " + prog + "\n" +
		"[filter \"evil\"]\n\tclean = " + prog + "\n\tsmudge = " + prog + "\n\tprocess = " + prog + "\n" +
		"[credential]\n\thelper = !" + prog + "\n[gc]\n\tauto = 1\n")
	cfg.Close()
	if err != nil {
		t.Fatal(err)
	}
	return root, marker
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
