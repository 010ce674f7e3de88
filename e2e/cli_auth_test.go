package e2e

import (
	"path/filepath"
	"strings"
	"testing"
)

// What a newcomer meets at the command line, through the built binary:
// each message names the right thing, and nothing that guards a secret is
// left to luck.

// TestSandboxStatePathMistakesAreNamed: a folder given for the state file,
// or a folder that cannot be made, is said as such; "move it aside or
// delete it" is only for a file that holds no sandbox state.
func TestSandboxStatePathMistakesAreNamed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "a-file")
	writeFile(t, file, "")
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"stdio", "--sandbox", "--sandbox-state", dir}, []string{dir + " is a directory", filepath.Join(dir, "sandbox.db")}},
		{[]string{"sandbox", "--addr", "127.0.0.1:0", "--state", dir}, []string{dir + " is a directory"}},
		{[]string{"stdio", "--sandbox", "--sandbox-state", filepath.Join(file, "sub", "x.db")},
			[]string{filepath.Join(file, "sub") + " of the sandbox state file cannot be created", "not a directory"}},
	} {
		out, errs, code := cli(t, e, c.args...)
		if code != 1 || out != "" || strings.Contains(errs, "move it aside") || strings.Contains(errs, "delete it") {
			t.Errorf("%v: exit %d\nstdout: %s\nstderr: %s", c.args, code, out, errs)
		}
		for _, w := range c.want {
			if !strings.Contains(errs, w) {
				t.Errorf("%v: stderr does not say %q:\n%s", c.args, w, errs)
			}
		}
	}
}
