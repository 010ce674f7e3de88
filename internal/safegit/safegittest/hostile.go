// Package safegittest makes the repository safegit is tested against: one
// whose config names a program for every place git may run one, as an
// unpacked archive in a client's folder could.
package safegittest

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// HostileRepo makes a repository in a new temporary folder with files
// (name -> content) committed, then names a program in its .git/config as
// the fsmonitor, every hook, the pager, ssh, askpass, the editor, an
// external diff and textconv, a clean/smudge/process filter (on every file,
// through .gitattributes), a credential helper, and asks for gc. Each run of
// the program appends a line to the marker file. It skips the test where
// git is missing or the program (a shell script) cannot run.
func HostileRepo(t testing.TB, files map[string]string) (root, marker string) {
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
	write(t, prog, "#!/bin/sh\necho \"$0 $*\" >> '"+marker+"'\n", 0o755)
	hooks := filepath.Join(tmp, "hooks")
	if err := os.Mkdir(hooks, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"post-index-change", "reference-transaction", "post-checkout", "pre-commit", "fsmonitor-watchman", "pre-auto-gc"} {
		if err := os.Symlink(prog, filepath.Join(hooks, h)); err != nil {
			t.Fatal(err)
		}
	}
	git := func(args ...string) {
		cmd := exec.Command("git", append([]string{"-C", root, "-c", "user.email=t@example.com", "-c", "user.name=t"}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_CONFIG_NOSYSTEM=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v %s", args, err, out)
		}
	}
	files[".gitattributes"] = "* filter=evil diff=evil\n"
	names := []string{"add", "--"}
	for name, content := range files {
		write(t, filepath.Join(root, name), content, 0o644)
		names = append(names, name)
	}
	git("init", "-q")
	git(names...)
	git("commit", "-qm", "init")
	var cfg strings.Builder
	cfg.WriteString("[core]\n")
	for _, k := range []string{"fsmonitor", "pager", "sshCommand", "askPass", "editor"} {
		cfg.WriteString("\t" + k + " = " + prog + "\n")
	}
	cfg.WriteString("\thooksPath = " + hooks + "\n[diff]\n\texternal = " + prog + "\n[diff \"evil\"]\n\ttextconv = " + prog + "\n" +
		"[filter \"evil\"]\n\tclean = " + prog + "\n\tsmudge = " + prog + "\n\tprocess = " + prog + "\n" +
		"[credential]\n\thelper = !" + prog + "\n[gc]\n\tauto = 1\n")
	f, err := os.OpenFile(filepath.Join(root, ".git", "config"), os.O_APPEND|os.O_WRONLY, 0)
	if err == nil {
		_, err = f.WriteString(cfg.String())
		f.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	return root, marker
}

func write(t testing.TB, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}
