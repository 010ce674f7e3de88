package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// cliEnv runs the binary with extra variables.
func cliEnv(t *testing.T, e env, extra []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(append(cmd.Environ(), e.vars()...), extra...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return out.String(), errb.String(), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), 0
}

// TestBadConfigExits2: a bad value, from a flag or its variable, stops the
// binary with exit 2 and names where it came from, before anything runs.
func TestBadConfigExits2(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, c := range []struct {
		env   []string
		args  []string
		named string
	}{
		{[]string{"MYAPI_READ_ONLY=yes"}, []string{"tools"}, "MYAPI_READ_ONLY"},
		{[]string{"MYAPI_READ_ONLY=yes"}, []string{"--sandbox"}, "MYAPI_READ_ONLY"},
		{[]string{"MYAPI_MAX_TOPUP_CENTS=10k"}, []string{"--sandbox"}, "MYAPI_MAX_TOPUP_CENTS"},
		{nil, []string{"--sandbox", "--max-topup-cents", "-5"}, "--max-topup-cents"},
		{nil, []string{"--sandbox", "--max-topup-cents", "0"}, "--max-topup-cents"},
		{nil, []string{"--sandbox", "--log-level", "loud"}, "--log-level"},
		{nil, []string{"--sandbox", "--sandbox-faults", "5xx=2"}, "--sandbox-faults"},
		{[]string{"MYAPI_SANDBOX=yes"}, nil, "MYAPI_SANDBOX"},
		{nil, []string{"http", "extra", "--addr", "127.0.0.1:0"}, `"extra"`},
		{nil, []string{"stdio", "extra", "--sandbox"}, `"extra"`},
		{nil, []string{"tools", "--sandbox"}, "--sandbox"},              // tools takes only flags that mean something to it
		{nil, []string{"auth", "status", "--read-only"}, "--read-only"}, // so does auth
		{nil, []string{"sandbox", "--faults", "drop=x"}, "--faults"},    // the standalone sandbox too
		{[]string{"MYAPI_SANDBOX_TOKEN_TTL=0"}, []string{"sandbox"}, "MYAPI_SANDBOX_TOKEN_TTL"},
		{nil, []string{"auth", "frobnicate"}, "frobnicate"},
		{nil, []string{"nonsense"}, "nonsense"},
	} {
		out, errs, code := cliEnv(t, e, c.env, c.args...)
		if code != 2 || !strings.Contains(errs, c.named) || out != "" {
			t.Errorf("%v %v: exit %d, want 2 naming %s\nstdout: %s\nstderr: %s", c.env, c.args, code, c.named, out, errs)
		}
	}
}

// TestFlagsAnywhere: auth's service flags may come before its command.
func TestFlagsAnywhere(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	out, errs, code := cli(t, e, "auth", "--sandbox", "--sandbox-state", e.state, "--credential-store", "file", "status")
	if code != 0 || !strings.Contains(out, "sandbox:") {
		t.Fatalf("auth --sandbox status: %d\n%s\n%s", code, out, errs)
	}
}

// TestSandboxStateFolderIsCreated: the standalone sandbox, like the
// embedded one, creates a missing state folder (0700).
func TestSandboxStateFolderIsCreated(t *testing.T) {
	t.Parallel()
	state := filepath.Join(t.TempDir(), "no", "such", "dir", "x.db")
	p := startSandbox(t, "--state", state)
	p.stop(t)
	fi, err := os.Stat(filepath.Dir(state))
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("state folder: %v %v", fi, err)
	}
	if _, err := os.Stat(state); err != nil {
		t.Fatal(err)
	}
}

// TestNonLoopbackNeedsAllowRemote: serving beyond loopback is never a typo.
func TestNonLoopbackNeedsAllowRemote(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, args := range [][]string{{"sandbox", "--addr", "0.0.0.0:0"}, {"http", "--sandbox", "--sandbox-state", e.state, "--addr", "0.0.0.0:0"}} {
		_, errs, code := cli(t, e, args...)
		if code != 2 || !strings.Contains(errs, "--allow-remote") {
			t.Fatalf("%v: exit %d %s", args, code, errs)
		}
	}
}

// TestHTTPTokenOnCommandLineWarns: the variable is the way; a flag shows in ps.
func TestHTTPTokenOnCommandLineWarns(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, errs, _ := cli(t, e, "http", "--sandbox", "--sandbox-state", e.state, "--addr", "0.0.0.0:0", "--allow-remote", "--http-token", strings.Repeat("x", 40), "--log-level", "nope")
	if !strings.Contains(errs, "--log-level") {
		t.Fatalf("bad flag not named: %s", errs)
	}
	_, errs, _ = cli(t, e, "http", "--sandbox", "--sandbox-state", e.state, "--addr", "256.0.0.1:0", "--allow-remote", "--http-token", strings.Repeat("x", 40))
	if !strings.Contains(errs, "MYAPI_HTTP_TOKEN") || !strings.Contains(errs, "process list") {
		t.Fatalf("no warning: %s", errs)
	}
}

// TestAutoLogoutWithoutKeyring: on a machine without a keyring, auto mode
// keeps secrets in the file, and `auth logout` deletes them and exits 0.
func TestAutoLogoutWithoutKeyring(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	noBus := []string{"DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/bus"}
	envFile := filepath.Join(t.TempDir(), "a.env")
	writeFile(t, envFile, "MYAPI_ACCOUNT_ID=acct_1\nMYAPI_PIN=pin-0123456789abcdef\n")
	sb := e.sandboxArgs()
	if _, errs, code := cliEnv(t, e, noBus, append([]string{"auth", "import", "--env-file", envFile}, sb...)...); code != 0 {
		t.Fatalf("import: %d %s", code, errs)
	}
	if out, errs, code := cliEnv(t, e, noBus, append([]string{"auth", "logout", "--yes"}, sb...)...); code != 0 || !strings.Contains(out, "Deleted") {
		t.Fatalf("logout: exit %d\n%s\n%s", code, out, errs)
	}
	if out, _, _ := cliEnv(t, e, noBus, append([]string{"auth", "status"}, sb...)...); strings.Contains(out, "acct_1") {
		t.Fatalf("still stored:\n%s", out)
	}
}

// TestSandboxExportImportsOnlyIntoThatSandbox: `auth export --sandbox`
// names the sandbox, so `auth import` cannot file it under the live service.
func TestSandboxExportImportsOnlyIntoThatSandbox(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sb := append(e.sandboxArgs(), "--credential-store", "file")
	importAccount(t, e, "pin-0123456789abcdef", sb...)
	exported, errs, code := cli(t, e, append([]string{"auth", "export", "--show-secrets"}, sb...)...)
	if code != 0 || !strings.Contains(exported, "MYAPI_SANDBOX=1") {
		t.Fatalf("export: %d %s\n%s", code, errs, exported)
	}
	backup := filepath.Join(t.TempDir(), "backup.env")
	writeFile(t, backup, exported)
	if _, errs, code := cli(t, e, "auth", "import", "--env-file", backup, "--credential-store", "file"); code != 1 || !strings.Contains(errs, "--sandbox") {
		t.Fatalf("sandbox credentials imported for the live service: exit %d %s", code, errs)
	}
	if out, _, _ := cli(t, e, "auth", "status", "--credential-store", "file"); strings.Contains(out, "acct_1") {
		t.Fatalf("live profile got sandbox credentials:\n%s", out)
	}
	if _, errs, code := cli(t, e, append([]string{"auth", "import", "--env-file", backup}, sb...)...); code != 0 {
		t.Fatalf("re-import into the sandbox: %d %s", code, errs)
	}
}
