package e2e

import (
	"path/filepath"
	"strings"
	"testing"
)

// What a newcomer meets at the command line, through the built binary:
// each message names the right thing, and nothing that guards a secret is
// left to luck.

// noKeyring makes auto mode fall back to the file, as on headless Linux.
var noKeyring = []string{"DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/bus"}

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

// TestKeyringFallbackIsOneAccurateWarning: without a keyring, auto mode
// says once that it uses the plain-text file, for the profile asked for,
// and does not suggest the flag it has just applied.
func TestKeyringFallbackIsOneAccurateWarning(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	envFile := filepath.Join(t.TempDir(), "a.env")
	writeFile(t, envFile, "MYAPI_ACCOUNT_ID=acct_1\nMYAPI_PIN=pin-0123456789abcdef\n")
	sb := e.sandboxArgs()
	for _, args := range [][]string{
		append([]string{"auth", "import", "--env-file", envFile, "--profile", "p2"}, sb...),
		append([]string{"auth", "--profile", "p2", "import", "--env-file", envFile}, sb...),
		append([]string{"auth", "export", "--profile", "p2"}, sb...),
		append([]string{"auth", "status", "--profile", "p2"}, sb...),
	} {
		_, errs, code := cliEnv(t, e, noKeyring, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		warnings := 0
		for _, line := range strings.Split(errs, "\n") {
			if strings.HasPrefix(line, "WARNING") {
				warnings++
			}
		}
		if args[1] == "status" {
			// status shows the store in its own output: stderr stays quiet.
			if warnings != 0 {
				t.Errorf("%v: %d warnings on stderr besides the status:\n%s", args, warnings, errs)
			}
			continue
		}
		if warnings != 1 || !strings.Contains(errs, `profile "p2"`) || strings.Contains(errs, `"default"`) ||
			strings.Contains(errs, "use --credential-store file") || !strings.Contains(errs, "plain text") ||
			!strings.Contains(errs, "--credential-store keyring") {
			t.Errorf("%v: want one warning naming profile p2, the plain-text file and how to refuse it:\n%s", args, errs)
		}
	}
	status, _, _ := cliEnv(t, e, noKeyring, append([]string{"auth", "status", "--profile", "p2"}, sb...)...)
	if !strings.Contains(status, "plain text") || !strings.Contains(status, "acct_1") {
		t.Errorf("status:\n%s", status)
	}
}
