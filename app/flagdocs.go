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
}

// FlagTable is docs/configuration.md's flag table, generated from the flag
// table so that the two cannot drift (go generate ./... writes it; a test
// checks it).
func FlagTable() string {
	var b strings.Builder
	b.WriteString("| flag | variable | default | commands | meaning |\n|---|---|---|---|---|\n")
	for _, f := range flagTable {
		var cmds []string
		name := "`--" + f.Name + "`"
		for _, c := range flagCommands {
			for _, entry := range c.rows {
				if flag, r := binding(entry); r == f.Name {
					cmds = append(cmds, c.name)
					if flag != f.Name {
						name += " (" + c.name + ": `--" + flag + "`)"
					}
					break
				}
			}
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
