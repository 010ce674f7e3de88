package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// setupRun runs `myapihq-mcp setup ARGS` for a user whose home is home,
// with PATH holding only pathDir (so no real `claude` is found).
func setupRun(t *testing.T, home, pathDir string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"setup"}, args...)...)
	cmd.Env = []string{"HOME=" + home, "PATH=" + pathDir, "XDG_CONFIG_HOME=" + filepath.Join(home, "xdg")}
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

// servers reads a host file's servers and the whole file.
func servers(t *testing.T, path, key string) (map[string]map[string]any, map[string]any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f map[string]any
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("%s: %v\n%s", path, err, b)
	}
	out := map[string]map[string]any{}
	srv, _ := f[key].(map[string]any)
	for k, v := range srv {
		out[k], _ = v.(map[string]any)
	}
	return out, f
}

// TestSetupThroughTheBinary: each host's file in its Linux place (HOME
// and XDG_CONFIG_HOME injected), merged with what the user had, the
// binary's absolute path written, a second run a no-op, bad input refused.
func TestSetupThroughTheBinary(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	empty := t.TempDir()
	files := map[string][2]string{ // host → file under home, servers key
		"claude-desktop": {"xdg/Claude/claude_desktop_config.json", "mcpServers"},
		"claude-code":    {".claude.json", "mcpServers"},
		"cursor":         {".cursor/mcp.json", "mcpServers"},
		"vscode":         {"xdg/Code/User/mcp.json", "servers"},
		"windsurf":       {".codeium/windsurf/mcp_config.json", "mcpServers"},
	}
	for host, f := range files {
		path := filepath.Join(home, f[0])
		os.MkdirAll(filepath.Dir(path), 0o700)
		mine := `{"theme": "dark", "` + f[1] + `": {"github": {"command": "/usr/bin/gh-mcp", "args": ["stdio"]}}}`
		if err := os.WriteFile(path, []byte(mine), 0o600); err != nil {
			t.Fatal(err)
		}
		out, errOut, code := setupRun(t, home, empty, host, "--sandbox")
		if code != 0 || !strings.Contains(out, `Added "myapihq-sandbox"`) || !strings.Contains(out, path) {
			t.Fatalf("%s: exit %d\n%s%s", host, code, out, errOut)
		}
		got, whole := servers(t, path, f[1])
		entry := got["myapihq-sandbox"]
		if entry["command"] != binary || len(got) != 2 || got["github"]["command"] != "/usr/bin/gh-mcp" || whole["theme"] != "dark" {
			t.Errorf("%s: %v", host, whole)
		}
		if args, _ := entry["args"].([]any); len(args) != 1 || args[0] != "--sandbox" {
			t.Errorf("%s args: %v", host, entry["args"])
		}
		if backups, _ := filepath.Glob(path + ".bak-*"); len(backups) != 1 {
			t.Errorf("%s backups: %v", host, backups)
		} else if b, _ := os.ReadFile(backups[0]); string(b) != mine {
			t.Errorf("%s backup holds %s", host, b)
		}
		before, _ := os.ReadFile(path)
		out, _, code = setupRun(t, home, empty, host, "--sandbox")
		after, _ := os.ReadFile(path)
		if code != 0 || !strings.Contains(out, "nothing changed") || string(before) != string(after) {
			t.Errorf("%s second run: exit %d %q", host, code, out)
		}
	}
}

// TestSetupRefusesThroughTheBinary: a malformed file and a conflicting
// server exit 1 naming the file, and leave it as it was; --force then
// replaces the server; --print writes nothing; a typo'd server flag is a
// usage error.
func TestSetupRefusesThroughTheBinary(t *testing.T) {
	t.Parallel()
	home, empty := t.TempDir(), t.TempDir()
	path := filepath.Join(home, ".cursor", "mcp.json")
	os.MkdirAll(filepath.Dir(path), 0o700)

	os.WriteFile(path, []byte(`{"mcpServers": {"a": {"command": "x"}`), 0o600)
	_, errOut, code := setupRun(t, home, empty, "cursor")
	if b, _ := os.ReadFile(path); code != 1 || !strings.Contains(errOut, path) || string(b) != `{"mcpServers": {"a": {"command": "x"}` {
		t.Errorf("malformed: exit %d %q", code, errOut)
	}

	taken := `{"mcpServers": {"myapihq": {"command": "/old/myapihq-mcp", "args": [], "env": {"MYAPI_PROFILE": "work"}}}}`
	os.WriteFile(path, []byte(taken), 0o600)
	_, errOut, code = setupRun(t, home, empty, "cursor")
	if b, _ := os.ReadFile(path); code != 1 || !strings.Contains(errOut, "--force") || string(b) != taken {
		t.Errorf("conflict: exit %d %q", code, errOut)
	}
	out, _, code := setupRun(t, home, empty, "cursor", "--force", "--", "--read-only")
	got, _ := servers(t, path, "mcpServers")
	if code != 0 || !strings.Contains(out, "Replaced") || got["myapihq"]["command"] != binary || got["myapihq"]["env"] == nil {
		t.Errorf("forced: exit %d %q %v", code, out, got)
	}

	vscode := filepath.Join(home, "xdg", "Code", "User", "mcp.json")
	out, errOut, code = setupRun(t, home, empty, "vscode", "--print")
	if _, err := os.Stat(vscode); code != 0 || err == nil || !strings.Contains(out, `"servers"`) || !strings.Contains(errOut, "nothing was written") {
		t.Errorf("print: exit %d %q %q", code, out, errOut)
	}
	if _, errOut, code = setupRun(t, home, empty, "cursor", "--", "--raed-only"); code != 2 || !strings.Contains(errOut, "raed-only") {
		t.Errorf("typo: exit %d %q", code, errOut)
	}
	if _, errOut, code = setupRun(t, home, empty, "emacs"); code != 2 || !strings.Contains(errOut, "claude-desktop") {
		t.Errorf("unknown host: exit %d %q", code, errOut)
	}
}

// TestSetupClaudeCodeThroughItsCLI: with a `claude` on PATH, setup hands
// it the entry (here a stand-in that records its arguments and writes the
// file as the real one does).
func TestSetupClaudeCodeThroughItsCLI(t *testing.T) {
	t.Parallel()
	home, bin := t.TempDir(), t.TempDir()
	log := filepath.Join(home, "claude.log")
	script := "#!/bin/sh\nprintf '%s\\n' \"$*\" >> " + log + "\n" +
		"[ \"$2\" = add-json ] && printf '{\"numStartups\": 1, \"mcpServers\": {\"%s\": %s}}' \"$5\" \"$6\" > \"$HOME/.claude.json\"\nexit 0\n"
	if err := os.WriteFile(filepath.Join(bin, "claude"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(home, ".claude.json"), []byte(`{"numStartups": 1}`), 0o600)
	out, errOut, code := setupRun(t, home, bin, "claude-code")
	calls, _ := os.ReadFile(log)
	if code != 0 || !strings.Contains(out, "claude mcp add-json --scope user") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if want := "mcp add-json --scope user myapihq { \"type\": \"stdio\", \"command\": \"" + binary + "\", \"args\": [], \"env\": {} }\n"; string(calls) != want {
		t.Errorf("claude was called with\n%q\nwant\n%q", calls, want)
	}
	if out, _, code := setupRun(t, home, bin, "claude-code"); code != 0 || !strings.Contains(out, "nothing changed") {
		t.Errorf("second run: %d %q", code, out)
	}
}
