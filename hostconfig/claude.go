package hostconfig

import (
	"encoding/json"
	"fmt"

	"github.com/myapihq/myapihq-mcp/internal/textsafe"
)

// Claude Code keeps its user-scope servers in ~/.claude.json, a file it
// also rewrites as it runs (projects, history, sign-in) and whose layout
// its makers do not promise. So when the `claude` command is there, setup
// asks it to add the server (`claude mcp add-json --scope user`), which
// writes that file under Claude Code's own lock; setup edits the file
// itself only when `claude` is not on PATH. Either way setup reads the
// file first, to stay idempotent and to refuse a conflicting entry, and
// reads it again after, to check the entry is there.

func (h Host) viaCLI(e Env, cli, target string, o Options, change Change) error {
	entry := h.entry(o.Server)
	if change == Updated {
		old, err := e.FS.ReadFile(target)
		if err != nil {
			return err
		}
		top, err := parseTop(old)
		if err != nil {
			return err
		}
		srv, _ := top.find(h.Key)
		servers, err := parseObject(old, srv.start)
		if err != nil {
			return err
		}
		have, _ := servers.find(o.Name)
		if entry, err = h.merged(have.value, o.Server); err != nil {
			return err
		}
		if out, err := e.Run(cli, "mcp", "remove", "--scope", "user", o.Name); err != nil {
			return fmt.Errorf("%s mcp remove --scope user %s: %v: %s", h.CLI, o.Name, err, cliSaid(out))
		}
	}
	js := style{indent: "", newline: " "}.render(entry, 0)
	if out, err := e.Run(cli, "mcp", "add-json", "--scope", "user", o.Name, js); err != nil {
		return fmt.Errorf("%s mcp add-json --scope user %s: %v: %s", h.CLI, o.Name, err, cliSaid(out))
	}
	after, err := e.FS.ReadFile(target)
	if err != nil {
		return fmt.Errorf("%s mcp add-json ran, but %s cannot be read: %w", h.CLI, target, err)
	}
	if !h.holds(after, o.Name, o.Server) {
		return fmt.Errorf("%s mcp add-json ran, but %s does not hold %q as expected: check `claude mcp get %s`", h.CLI, target, o.Name, o.Name)
	}
	return nil
}

// cliSaid is a host command's output as one line of an error: the
// command is not ours, so what it prints is kept to one line, its hidden
// characters dropped.
func cliSaid(out []byte) string { return textsafe.Line(string(out), 400) }

// holds reports whether a file's servers include name running s.
func (h Host) holds(data []byte, name string, s Server) bool {
	var top map[string]json.RawMessage
	if json.Unmarshal(data, &top) != nil {
		return false
	}
	var servers map[string]json.RawMessage
	if json.Unmarshal(top[h.Key], &servers) != nil {
		return false
	}
	raw, ok := servers[name]
	return ok && h.same(raw, s)
}
