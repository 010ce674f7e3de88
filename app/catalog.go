package app

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/myapihq/myapihq-mcp/toolkit"
)

// PrintTools writes the tool surface as JSON (what tools/list returns) or
// as the Markdown table the README embeds.
func PrintTools(w io.Writer, all []toolkit.Tool, format string) error {
	switch format {
	case "json":
		list := make([]mcp.Tool, len(all))
		for i, t := range all {
			list[i] = t.MCP()
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"tools": list})
	case "markdown":
		_, err := io.WriteString(w, ToolTable(all))
		return err
	default:
		for _, t := range all {
			fmt.Fprintf(w, "%-22s %-8s %s\n", t.Name, t.Toolset, t.Title)
		}
		return nil
	}
}

// ToolTable is the README's tool table, generated from the inventory.
func ToolTable(all []toolkit.Tool) string {
	var b strings.Builder
	b.WriteString("| tool | toolset | what it does | read-only | destructive | asks first | audited |\n|---|---|---|---|---|---|---|\n")
	yes := func(v bool) string {
		if v {
			return "yes"
		}
		return ""
	}
	for _, t := range all {
		desc := strings.ReplaceAll(t.Description, "|", "\\|")
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s | %s |\n", t.Name, t.Toolset, desc, yes(t.ReadOnly), yes(t.Destructive),
			yes(t.Asks()), yes(t.Audit))
	}
	return b.String()
}
