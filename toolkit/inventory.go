package toolkit

import (
	"fmt"
	"slices"
	"strings"
)

// An inventory is a []Tool in display order: the one table the server
// registers, the docs print and the tests snapshot. A mode or a flag
// narrows it with filters; a filter never changes a tool.

// Filter keeps a tool or drops it.
type Filter func(Tool) bool

// Keep is the tools every filter keeps, in their order.
func Keep(all []Tool, filters ...Filter) []Tool {
	out := make([]Tool, 0, len(all))
	for _, t := range all {
		if !slices.ContainsFunc(filters, func(f Filter) bool { return !f(t) }) {
			out = append(out, t)
		}
	}
	return out
}

// ReadOnly keeps the read-only tools (--read-only).
func ReadOnly(t Tool) bool { return t.ReadOnly }

// NotLocalOnly drops the tools of this machine's credential store and a
// human's login (the multi-tenant mode).
func NotLocalOnly(t Tool) bool { return !t.LocalOnly }

// InToolsets keeps the tools of the named toolsets; no name, or "all",
// keeps every tool. A name not in known is an error that lists them.
func InToolsets(names []string, known []Toolset) (Filter, error) {
	want := map[Toolset]bool{}
	for _, s := range names {
		s = strings.TrimSpace(s)
		if s == "" || s == "all" {
			continue
		}
		if !slices.Contains(known, Toolset(s)) {
			list := make([]string, len(known))
			for i, k := range known {
				list[i] = string(k)
			}
			return nil, fmt.Errorf("unknown toolset %q: choose from %s, or all", s, strings.Join(list, ", "))
		}
		want[Toolset(s)] = true
	}
	return func(t Tool) bool { return len(want) == 0 || want[t.Toolset] }, nil
}

// Replace swaps the tool of the same name for t (a mode's own version of
// a tool), where the inventory has it.
func Replace(all []Tool, t Tool) []Tool {
	out := slices.Clone(all)
	for i := range out {
		if out[i].Name == t.Name {
			out[i] = t
		}
	}
	return out
}

// Names are the tools' names, in order.
func Names(all []Tool) []string {
	out := make([]string, len(all))
	for i, t := range all {
		out[i] = t.Name
	}
	return out
}
