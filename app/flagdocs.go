package app

import (
	"fmt"
	"strings"
)

// flagCommands says which commands take each row, in the order the README
// lists them; main binds the same lists.
var flagCommands = []struct {
	name string
	rows []string
}{
	{"stdio", ServerFlags},
	{"http", append(append([]string{}, ServerFlags...), HTTPFlags...)},
	{"sandbox", SandboxFlags},
	{"auth", append(append([]string{}, ServiceFlags...), "json", "env-file", "show-secrets", "out", "force", "yes")},
	{"tools", ToolsFlags},
	{"audit", AuditFlags},
	{"setup", SetupFlags},
}

// FlagTable is docs/configuration.md's flag table, generated from the flag
// table so that the two cannot drift (go generate ./... writes it; a test
// checks it).
func FlagTable() string {
	var b strings.Builder
	b.WriteString("| flag | variable | default | commands | meaning |\n|---|---|---|---|---|\n")
	for _, f := range flagTable {
		var cmds, aliases []string
		own := false // some command takes the row under its own name
		for _, c := range flagCommands {
			for _, entry := range c.rows {
				if flag, r := binding(entry); r == f.Name {
					cmds = append(cmds, c.name)
					if flag != f.Name {
						aliases = append(aliases, c.name+": `--"+flag+"`")
					} else {
						own = true
					}
					break
				}
			}
		}
		name := "`--" + f.Name + "`"
		switch {
		case !own && len(aliases) == 1: // the row's own name is no flag anywhere: the one that is typed
			_, name, _ = strings.Cut(aliases[0], ": ")
		case len(aliases) > 0:
			name += " (" + strings.Join(aliases, "; ") + ")"
		}
		env, def := "", ""
		if f.Env != "" {
			env = "`" + f.Env + "`"
		}
		if f.Default != "" {
			def = "`" + f.Default + "`"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", name, env, def, strings.Join(cmds, ", "),
			strings.ReplaceAll(f.Help, "|", `\|`))
	}
	return b.String()
}
