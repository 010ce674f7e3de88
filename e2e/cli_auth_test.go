package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

// What a newcomer meets at the command line, through the built binary:
// each message names the right thing, and nothing that guards a secret is
// left to luck.

// noKeyring makes auto mode fall back to the file, as on headless Linux.
var noKeyring = []string{"DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/bus"}

// importAccount stores account acct_1 with pin in the profile the service
// args name (auth import), and fails the test if it cannot.
func importAccount(t *testing.T, e env, pin string, args ...string) {
	t.Helper()
	envFile := filepath.Join(t.TempDir(), "a.env")
	writeFile(t, envFile, "MYAPI_ACCOUNT_ID=acct_1\nMYAPI_PIN="+pin+"\n")
	if _, errs, code := cli(t, e, append([]string{"auth", "import", "--env-file", envFile}, args...)...); code != 0 {
		t.Fatalf("import: %d %s", code, errs)
	}
}

// onboardDefault makes the default profile an account on the test's
// sandbox, through the server (create_agent), and stops the server.
func onboardDefault(t *testing.T, e env, label string) {
	t.Helper()
	s := startMCP(t, e, mcp.ProtocolVersion20251125)
	s.ok("create_agent", map[string]any{"label": label})
	s.c.Close()
}

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

// TestExportOutIsPrivate: `auth export --out FILE` writes the full
// credentials 0600, never over an existing file unless --force, and a
// secret sent to a pipe or a file by the shell is warned about.
func TestExportOutIsPrivate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sb := append(e.sandboxArgs(), "--credential-store", "file")
	pin := "pin-export-0123456789abcdef"
	importAccount(t, e, pin, sb...)

	// To a pipe, as `> file` would: the secrets come with a note on stderr.
	out, errs, code := cli(t, e, append([]string{"auth", "export", "--show-secrets"}, sb...)...)
	if code != 0 || !strings.Contains(out, pin) || !strings.Contains(errs, "--out") || !strings.Contains(errs, "not a terminal") {
		t.Errorf("export --show-secrets to a pipe: exit %d\nstderr: %s", code, errs)
	}
	if _, errs, _ := cli(t, e, append([]string{"auth", "export"}, sb...)...); strings.Contains(errs, "--out") {
		t.Errorf("a masked export warned about secrets: %s", errs)
	}

	backup := filepath.Join(t.TempDir(), "backup.env")
	out, errs, code = cli(t, e, append([]string{"auth", "export", "--out", backup}, sb...)...)
	if code != 0 || strings.Contains(out+errs, pin) || !strings.Contains(out, backup) {
		t.Fatalf("export --out: exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
	fi, err := os.Stat(backup)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup: %v %v, want 0600", fi, err)
	}
	if b, _ := os.ReadFile(backup); !strings.Contains(string(b), "MYAPI_PIN="+pin) {
		t.Fatalf("the backup does not hold the PIN:\n%s", b)
	}

	// An existing file is kept unless --force; with it, the file is replaced 0600.
	writeFile(t, backup, "mine\n")
	os.Chmod(backup, 0o644)
	if _, errs, code := cli(t, e, append([]string{"auth", "export", "--out", backup}, sb...)...); code != 1 || !strings.Contains(errs, "--force") {
		t.Errorf("export --out over an existing file: exit %d %s", code, errs)
	}
	if b, _ := os.ReadFile(backup); string(b) != "mine\n" {
		t.Errorf("an existing file was overwritten without --force: %q", b)
	}
	if _, errs, code := cli(t, e, append([]string{"auth", "export", "--out", backup, "--force"}, sb...)...); code != 0 {
		t.Errorf("export --out --force: exit %d %s", code, errs)
	}
	if fi, _ := os.Stat(backup); fi.Mode().Perm() != 0o600 {
		t.Errorf("--force kept mode %o", fi.Mode().Perm())
	}
	if entries, _ := os.ReadDir(filepath.Dir(backup)); len(entries) != 1 {
		t.Errorf("left files behind: %v", entries)
	}
	// The backup is what import takes back.
	if _, errs, code := cli(t, e, append([]string{"auth", "import", "--env-file", backup, "--profile", "restored"}, sb...)...); code != 0 {
		t.Errorf("import of the --out backup: exit %d %s", code, errs)
	}
}

// TestLogoutConfirmsAndNamesWhatItDeletes: nothing stored is said as such
// (exit 1, as `gh auth logout` for an unknown account); stored credentials
// are deleted only with --yes when no one is at a terminal to confirm.
func TestLogoutConfirmsAndNamesWhatItDeletes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sb := append(e.sandboxArgs(), "--credential-store", "file")
	importAccount(t, e, "pin-0123456789abcdef", sb...)

	out, errs, code := cli(t, e, append([]string{"auth", "logout", "--profile", "nobody", "--yes"}, sb...)...)
	if code != 1 || strings.Contains(out, "Deleted") || !strings.Contains(errs, `profile "nobody"`) ||
		!strings.Contains(errs, "nothing to delete") || !strings.Contains(errs, `"default"`) {
		t.Errorf("logout of an unknown profile: exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}

	out, errs, code = cli(t, e, append([]string{"auth", "logout"}, sb...)...)
	if code != 2 || strings.Contains(out, "Deleted") || !strings.Contains(errs, "--yes") || !strings.Contains(errs, "cannot be recovered") ||
		!strings.Contains(errs, "auth export --out") {
		t.Errorf("logout without a terminal or --yes: exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
	if status, _, _ := cli(t, e, append([]string{"auth", "status"}, sb...)...); !strings.Contains(status, "acct_1") {
		t.Fatalf("logout without --yes deleted the credentials:\n%s", status)
	}
	// At a terminal (util-linux script(1) gives it one), the question, and a "no".
	if script, err := exec.LookPath("script"); err == nil {
		line := binary + " auth logout " + strings.Join(sb, " ")
		cmd := exec.Command(script, "-qec", line, "/dev/null")
		cmd.Env = append(cmd.Environ(), e.vars()...)
		cmd.Stdin = strings.NewReader("n\n")
		asked, _ := cmd.CombinedOutput()
		if !strings.Contains(string(asked), "PIN cannot be recovered") || !strings.Contains(string(asked), "Type yes to delete") ||
			!strings.Contains(string(asked), "nothing was deleted") {
			t.Errorf("logout at a terminal:\n%s", asked)
		}
		if status, _, _ := cli(t, e, append([]string{"auth", "status"}, sb...)...); !strings.Contains(status, "acct_1") {
			t.Fatalf("a \"no\" at the terminal deleted the credentials:\n%s", status)
		}
	}

	out, errs, code = cli(t, e, append([]string{"auth", "logout", "--yes"}, sb...)...)
	if code != 0 || !strings.Contains(out, `Deleted the stored credentials of profile "default"`) {
		t.Errorf("logout --yes: exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
	if status, _, _ := cli(t, e, append([]string{"auth", "status"}, sb...)...); strings.Contains(status, "acct_1") {
		t.Fatalf("still stored after logout --yes:\n%s", status)
	}
}

// TestSecondProfileOfOneKey: a backup imported under a second profile is
// the same key; import says so, and rotating in either profile, which
// would revoke the other's key, is refused unless --force (the CLI) and
// refused outright to the model (rotate_key).
func TestSecondProfileOfOneKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	onboardDefault(t, e, "two profiles")
	sb := e.sandboxArgs()
	backup := filepath.Join(t.TempDir(), "backup.env")
	exported, _, _ := cli(t, e, append([]string{"auth", "export", "--show-secrets"}, sb...)...)
	writeFile(t, backup, exported)
	key := secretsOf(t, e)["MYAPI_API_KEY"]

	out, errs, code := cli(t, e, append([]string{"auth", "import", "--env-file", backup, "--profile", "p2"}, sb...)...)
	if code != 0 || !strings.Contains(errs, `profile "default"`) || !strings.Contains(errs, "same API key") || !strings.Contains(errs, "rotate") {
		t.Fatalf("import under p2 said nothing of profile default: exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}

	out, errs, code = cli(t, e, append([]string{"auth", "rotate-key", "--profile", "p2"}, sb...)...)
	if code != 1 || !strings.Contains(errs, `profile "default"`) || !strings.Contains(errs, "--force") || strings.Contains(out, "Revoked") {
		t.Fatalf("rotate-key in p2 revoked default's key: exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
	p2 := startMCP(t, e, mcp.ProtocolVersion20251125, "--profile", "p2")
	if msg := p2.fails("rotate_key", nil); !strings.Contains(msg, `profile "default"`) {
		t.Fatalf("rotate_key in p2: %s", msg)
	}
	p2.c.Close()
	if secretsOf(t, e)["MYAPI_API_KEY"] != key {
		t.Fatal("profile default's key changed")
	}
	def := startMCP(t, e, mcp.ProtocolVersion20251125)
	def.ok("list_keys", nil) // default's key still works
	def.c.Close()

	// With --force the human takes it on: p2 rotates, and is told default's key is gone.
	out, errs, code = cli(t, e, append([]string{"auth", "rotate-key", "--profile", "p2", "--force"}, sb...)...)
	if code != 0 || !strings.Contains(out, "Revoked the old key") || !strings.Contains(out+errs, `profile "default"`) {
		t.Fatalf("rotate-key --force: exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
}

// TestRotateKeyPrintsOnlyItsAnswer: the human output is not interleaved
// with the server's JSON log lines.
func TestRotateKeyPrintsOnlyItsAnswer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	onboardDefault(t, e, "quiet")
	out, errs, code := cli(t, e, append([]string{"auth", "rotate-key"}, e.sandboxArgs()...)...)
	if code != 0 || !strings.Contains(out, "Revoked the old key") {
		t.Fatalf("rotate-key: %d\n%s\n%s", code, out, errs)
	}
	for _, line := range strings.Split(out+errs, "\n") {
		if json.Valid([]byte(line)) && strings.HasPrefix(line, "{") {
			t.Errorf("a log line in the human output: %s", line)
		}
	}
}
