package oauth

import (
	"slices"
	"strings"
)

// The scopes a token may carry. A tool needs exactly one (ScopeFor).
const (
	ScopeRead    = "read"    // tools that change nothing
	ScopeWrite   = "write"   // tools that change something but spend nothing
	ScopeBilling = "billing" // tools that may spend money (top-ups, paid imports, paid service writes)
)

// Scopes is every scope, in the order pages and metadata show them.
var Scopes = []string{ScopeRead, ScopeWrite, ScopeBilling}

// scopeText is what the consent page says each scope lets the client do.
func scopeText(scope string) string {
	switch scope {
	case ScopeRead:
		return "read your account, organizations, keys, balance and history"
	case ScopeWrite:
		return "create, change and delete organizations, webhooks and API keys"
	case ScopeBilling:
		return "spend money: top up the balance, run paid brand imports and paid service calls"
	}
	return ""
}

// ToolTraits are what a tool's scope depends on: its readOnlyHint and
// whether it may charge (tools.Tool's ReadOnly, and Charges != nil).
type ToolTraits struct {
	ReadOnly bool
	Charges  bool
}

// ScopeFor is the one scope a tool needs: billing for any tool that may
// spend, else read for read-only tools, else write. It is the mapping the
// remote mode's scope check applies to every tools/call.
func ScopeFor(t ToolTraits) string {
	switch {
	case t.Charges:
		return ScopeBilling
	case t.ReadOnly:
		return ScopeRead
	}
	return ScopeWrite
}

// Covers says whether granted includes scope.
func Covers(granted []string, scope string) bool { return slices.Contains(granted, scope) }

// parseScopes reads a space-separated scope parameter. Unknown scopes are
// an error (the client asked for something this server does not have);
// an empty parameter is every scope (what a client that names none means).
func parseScopes(s string) ([]string, bool) {
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return slices.Clone(Scopes), true
	}
	var out []string
	for _, f := range fields {
		if !slices.Contains(Scopes, f) {
			return nil, false
		}
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return ordered(out), true
}

// ordered sorts scopes into Scopes' order.
func ordered(in []string) []string {
	var out []string
	for _, s := range Scopes {
		if slices.Contains(in, s) {
			out = append(out, s)
		}
	}
	return out
}

// subset says whether every scope of a is in b.
func subset(a, b []string) bool {
	for _, s := range a {
		if !slices.Contains(b, s) {
			return false
		}
	}
	return true
}
