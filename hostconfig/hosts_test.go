package hostconfig

import (
	"errors"
	"testing"
)

// TestConfigPathPerOS: each host's file on macOS, Windows and Linux, with
// the OS injected, so that the Windows and macOS paths are checked here.
func TestConfigPathPerOS(t *testing.T) {
	t.Parallel()
	homes := map[string]string{"darwin": "/Users/ann", "windows": `C:\Users\ann`, "linux": "/home/ann"}
	env := map[string]map[string]string{
		"windows": {"APPDATA": `C:\Users\ann\AppData\Roaming`},
	}
	want := map[string]map[string]string{
		"claude-desktop": {
			"darwin":  "/Users/ann/Library/Application Support/Claude/claude_desktop_config.json",
			"windows": `C:\Users\ann\AppData\Roaming\Claude\claude_desktop_config.json`,
			"linux":   "/home/ann/.config/Claude/claude_desktop_config.json",
		},
		"claude-code": {
			"darwin":  "/Users/ann/.claude.json",
			"windows": `C:\Users\ann\.claude.json`,
			"linux":   "/home/ann/.claude.json",
		},
		"cursor": {
			"darwin":  "/Users/ann/.cursor/mcp.json",
			"windows": `C:\Users\ann\.cursor\mcp.json`,
			"linux":   "/home/ann/.cursor/mcp.json",
		},
		"vscode": {
			"darwin":  "/Users/ann/Library/Application Support/Code/User/mcp.json",
			"windows": `C:\Users\ann\AppData\Roaming\Code\User\mcp.json`,
			"linux":   "/home/ann/.config/Code/User/mcp.json",
		},
		"windsurf": {
			"darwin":  "/Users/ann/.codeium/windsurf/mcp_config.json",
			"windows": `C:\Users\ann\.codeium\windsurf\mcp_config.json`,
			"linux":   "/home/ann/.codeium/windsurf/mcp_config.json",
		},
	}
	if len(want) != len(Hosts()) {
		t.Fatalf("hosts %v: the table here lists %d", Hosts(), len(want))
	}
	for host, byOS := range want {
		h, err := Lookup(host)
		if err != nil {
			t.Fatal(err)
		}
		for goos, path := range byOS {
			got, err := h.ConfigPath(goos, homes[goos], func(k string) string { return env[goos][k] })
			if err != nil || got != path {
				t.Errorf("%s on %s: %q, %v; want %q", host, goos, got, err, path)
			}
		}
	}
}

// TestConfigPathFollowsTheEnvironment: the variables each OS's apps obey.
func TestConfigPathFollowsTheEnvironment(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		host, goos, home string
		env              map[string]string
		want             string
	}{
		{"claude-desktop", "linux", "/home/ann", map[string]string{"XDG_CONFIG_HOME": "/home/ann/cfg"}, "/home/ann/cfg/Claude/claude_desktop_config.json"},
		{"vscode", "linux", "/home/ann", map[string]string{"XDG_CONFIG_HOME": "relative/ignored"}, "/home/ann/.config/Code/User/mcp.json"},
		{"vscode", "windows", `D:\ann\`, nil, `D:\ann\AppData\Roaming\Code\User\mcp.json`}, // no APPDATA: the default under the profile
		{"vscode", "windows", `C:\Users\ann`, map[string]string{"APPDATA": `E:\roam`}, `E:\roam\Code\User\mcp.json`},
		{"claude-code", "linux", "/home/ann", map[string]string{"CLAUDE_CONFIG_DIR": "/home/ann/.config/claude"}, "/home/ann/.config/claude/.claude.json"},
		{"claude-code", "windows", `C:\Users\ann`, map[string]string{"CLAUDE_CONFIG_DIR": `C:\cc`}, `C:\cc\.claude.json`},
	} {
		h, _ := Lookup(c.host)
		got, err := h.ConfigPath(c.goos, c.home, func(k string) string { return c.env[k] })
		if err != nil || got != c.want {
			t.Errorf("%s on %s with %v: %q, %v; want %q", c.host, c.goos, c.env, got, err, c.want)
		}
	}
	h, _ := Lookup("cursor")
	if _, err := h.ConfigPath("linux", "", nil); err == nil {
		t.Error("no home folder: want an error")
	}
	if _, err := Lookup("emacs"); !errors.Is(err, ErrUnknownHost) {
		t.Errorf("unknown host: %v", err)
	}
}
