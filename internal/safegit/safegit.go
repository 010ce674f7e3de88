// Package safegit runs git on folders the server does not trust: a client's
// root may hold an unpacked archive or a cloned repository whose
// .git/config names programs (core.fsmonitor, hooks, a pager, a promisor
// remote to fetch from). Every git invocation of the project goes through
// Run, and none of those programs runs. It imports nothing of the project.
package safegit

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"time"
)

// timeout bounds one git call: a read of the index and of ignore files.
const timeout = 10 * time.Second

// overrides neutralise, whatever any config file says (command-line
// config wins over every file), what a read-only query could be made to
// run. The repository's own config cannot be skipped, so the keys that
// run programs during ls-files and check-ignore are set here.
var overrides = []string{
	"--no-pager", // a pager is a program
	// The fsmonitor hook runs when the index is read, as both queries do.
	"-c", "core.fsmonitor=false",
	// No hook, from any folder (an index write would run post-index-change).
	"-c", "core.hooksPath=" + os.DevNull,
	// No transport at all: a partial clone would fetch a missing blob
	// (a .gitignore of a sparse checkout) through its promisor remote, a
	// remote helper, ssh (core.sshCommand), a credential helper or askpass.
	"-c", "protocol.allow=never",
	// No background maintenance or gc child.
	"-c", "gc.auto=0", "-c", "maintenance.auto=false",
}

// Run runs `git -C dir args...` with overrides, no system or global
// config (the user's global excludes file, which ignore checks need, is
// passed on by ExcludesFile), no optional locks (a query must not write the
// repository's index), and no inherited GIT_* variable (GIT_DIR and kin
// from a calling hook would point the query elsewhere). It returns git's
// exit code; err is set only when git did not run to an exit (missing,
// killed, timed out).
func Run(ctx context.Context, dir string, args ...string) (int, error) {
	git, err := exec.LookPath("git")
	if err != nil {
		return -1, err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, git, append(append(append([]string{}, overrides...), "-C", dir), args...)...)
	cmd.Env = append(environ(),
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL="+os.DevNull,
		"GIT_OPTIONAL_LOCKS=0",
		"GIT_NO_LAZY_FETCH=1", // git 2.44+: the same as protocol.allow=never for lazy fetches
		"GIT_TERMINAL_PROMPT=0",
	)
	err = cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &ee) && ee.Exited():
		return ee.ExitCode(), nil
	}
	return -1, err
}

// ExcludesFile is the user's global core.excludesFile ("" when unset or
// git is missing), read from the user's own config only: Run skips that
// config, and a check-ignore without it would miss what the user ignores
// everywhere. Pass it back as -c core.excludesFile=….
func ExcludesFile(ctx context.Context) string {
	git, err := exec.LookPath("git")
	if err != nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// `config --global --get` reads the user's files and runs nothing; from
	// the temp folder, it reads no repository the server was started in.
	cmd := exec.CommandContext(ctx, git, "-C", os.TempDir(), "config", "--global", "--type=path", "--get", "core.excludesFile")
	cmd.Env = append(environ(), "GIT_CONFIG_NOSYSTEM=1")
	var out bytes.Buffer
	cmd.Stdout = &out
	if cmd.Run() != nil {
		return ""
	}
	return strings.TrimSpace(out.String())
}

// environ is the process environment without GIT_* variables.
func environ() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(strings.ToUpper(kv), "GIT_") {
			env = append(env, kv)
		}
	}
	return env
}
