package app

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/myapihq/myapihq-mcp/tools"
)

// The files and sections made from the code, so that docs never drift
// from it: `go generate ./...` writes them all (cmd/regen), and
// TestGeneratedSectionsAreCurrent fails when one is stale.
//go:generate go run ../internal/regen

// Section is a generated part of a document, between the lines
// <!-- NAME:begin --> and <!-- NAME:end -->.
type Section struct {
	Path, Name, Content string
}

// Sections are every generated section, from the repository's root.
func Sections() []Section {
	return []Section{
		{"docs/tools.md", "tools", toolsSection()},
		{"docs/configuration.md", "flags", FlagTable()},
		{"docs/architecture.md", "pipeline", pipelineSection()},
	}
}

// Replace puts s's content between its markers in doc.
func (s Section) Replace(doc string) (string, error) {
	open, closing := "<!-- "+s.Name+":begin -->\n", "<!-- "+s.Name+":end -->"
	begin, end := strings.Index(doc, open), strings.Index(doc, closing)
	if begin < 0 || end < begin {
		return "", fmt.Errorf("%s has no %s:begin/end markers", s.Path, s.Name)
	}
	return doc[:begin+len(open)] + s.Content + doc[end:], nil
}

// toolsSection is the inventory's size, what its list costs the model
// (tokens ≈ compact bytes / 4), and its table.
func toolsSection() string {
	all := tools.Catalog(tools.Config{})
	list := make([]mcp.Tool, len(all))
	for i, t := range all {
		list[i] = t.MCP()
	}
	b, _ := json.Marshal(map[string]any{"tools": list})
	return fmt.Sprintf("%d tools in %d toolsets; their `tools/list` costs the model about %d tokens (%d bytes / 4, %d per tool).\n\n",
		len(all), len(tools.AllToolsets), len(b)/4, len(b), len(b)/4/len(all)) + ToolTable(all)
}

// pipelineSection draws each mode's pipeline.
func pipelineSection() string {
	var b strings.Builder
	for _, m := range []Mode{Stdio, MultiTenant} {
		a := &App{Mode: m}
		what := "stdio and http (the profile's account)"
		if m == MultiTenant {
			a.Config.HTTP.OAuth = true
			what = "http --multi-tenant (each request's account; the scope step only with --oauth)"
		}
		fmt.Fprintf(&b, "%s:\n\n```\n%s```\n\n", what, a.pipeline(&tools.Deps{}))
	}
	return b.String()
}
