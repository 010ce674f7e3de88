// Package hostconfig writes this server into an MCP host's own
// configuration file (Claude Desktop, Claude Code, Cursor, VS Code,
// Windsurf), in that host's place and format on each OS. It merges: every
// other server and every unknown key stays as the user wrote it, a backup
// of the old file is written first, a second run changes nothing, and a
// file it cannot read safely is refused untouched.
//
// It is pure: the OS, home folder, environment, clock, file system and the
// `claude` command are given to it (Env), so every OS's paths are tested
// on any machine.
package hostconfig

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
)

// Host is one MCP host: where its user-wide file is and how it wants a
// stdio server written.
type Host struct {
	Name  string // what `setup` takes: claude-desktop, claude-code, …
	Title string // what messages call it
	// Key is the file's top-level member that holds the servers.
	Key string
	// Type, when set, is written as the entry's "type" (VS Code and Claude
	// Code name the transport; the others infer stdio from "command").
	Type string
	// EmptyEnv writes "env": {} as Claude Code's own `claude mcp add` does,
	// so that a file written either way compares equal.
	EmptyEnv bool
	// CLI, when set, is the host's own command for adding a server: used
	// instead of editing the file when it is on PATH (see claude.go).
	CLI string
	// Reload tells the user how the host picks up the change.
	Reload string
	path   func(e pathEnv) string
}

// pathEnv is what a path depends on: the OS, the home folder and the
// environment, with a join that uses the OS's own separator.
type pathEnv struct {
	goos, home string
	getenv     func(string) string
}

func (p pathEnv) join(elem ...string) string {
	if p.goos == "windows" {
		parts := make([]string, 0, len(elem))
		for i, e := range elem {
			e = strings.ReplaceAll(e, "/", `\`)
			if i > 0 {
				e = strings.Trim(e, `\`)
			} else {
				e = strings.TrimRight(e, `\`)
			}
			if e != "" {
				parts = append(parts, e)
			}
		}
		return strings.Join(parts, `\`)
	}
	return path.Join(elem...)
}

// appData is where Electron apps keep their settings: the folder
// Electron's app.getPath("appData") names on each OS.
func (p pathEnv) appData() string {
	switch p.goos {
	case "darwin":
		return p.join(p.home, "Library", "Application Support")
	case "windows":
		if v := p.getenv("APPDATA"); v != "" {
			return v
		}
		return p.join(p.home, "AppData", "Roaming")
	default:
		if v := p.getenv("XDG_CONFIG_HOME"); strings.HasPrefix(v, "/") {
			return v
		}
		return p.join(p.home, ".config")
	}
}

// hosts is the table `setup` reads; docs/install.md lists the same files.
var hosts = []Host{
	{
		Name: "claude-desktop", Title: "Claude Desktop", Key: "mcpServers",
		Reload: "Quit Claude Desktop completely and start it again",
		path: func(e pathEnv) string {
			return e.join(e.appData(), "Claude", "claude_desktop_config.json")
		},
	},
	{
		Name: "claude-code", Title: "Claude Code", Key: "mcpServers", Type: "stdio", EmptyEnv: true, CLI: "claude",
		Reload: "New Claude Code sessions start it; `claude mcp list` shows it",
		// The user scope of `claude mcp add --scope user`: the top-level
		// mcpServers of ~/.claude.json, or of $CLAUDE_CONFIG_DIR/.claude.json.
		path: func(e pathEnv) string {
			if dir := e.getenv("CLAUDE_CONFIG_DIR"); dir != "" {
				return e.join(dir, ".claude.json")
			}
			return e.join(e.home, ".claude.json")
		},
	},
	{
		Name: "cursor", Title: "Cursor", Key: "mcpServers",
		Reload: "Cursor picks it up in Settings → MCP (restart Cursor if it does not show)",
		path:   func(e pathEnv) string { return e.join(e.home, ".cursor", "mcp.json") },
	},
	{
		Name: "vscode", Title: "VS Code", Key: "servers", Type: "stdio",
		Reload: `VS Code offers to start it; "MCP: List Servers" shows it`,
		path: func(e pathEnv) string {
			return e.join(e.appData(), "Code", "User", "mcp.json")
		},
	},
	{
		Name: "windsurf", Title: "Windsurf", Key: "mcpServers",
		Reload: "Press refresh in Cascade's MCP panel (or restart Windsurf)",
		path:   func(e pathEnv) string { return e.join(e.home, ".codeium", "windsurf", "mcp_config.json") },
	},
}

// Hosts lists the hosts `setup` knows, by name.
func Hosts() []string {
	names := make([]string, 0, len(hosts))
	for _, h := range hosts {
		names = append(names, h.Name)
	}
	sort.Strings(names)
	return names
}

// ErrUnknownHost is returned for a host name not in the table.
var ErrUnknownHost = errors.New("unknown host")

// Lookup finds a host by name.
func Lookup(name string) (Host, error) {
	for _, h := range hosts {
		if h.Name == name {
			return h, nil
		}
	}
	return Host{}, fmt.Errorf("%w %q: want one of %s", ErrUnknownHost, name, strings.Join(Hosts(), ", "))
}

// ConfigPath is the host's user-wide configuration file on goos, for a
// user whose home folder is home.
func (h Host) ConfigPath(goos, home string, getenv func(string) string) (string, error) {
	if home == "" {
		return "", errors.New("no home folder: set HOME (USERPROFILE on Windows)")
	}
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	return h.path(pathEnv{goos: goos, home: home, getenv: getenv}), nil
}
