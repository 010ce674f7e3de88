package toolkit

import (
	"context"
	"encoding/json"

	"github.com/mark3labs/mcp-go/mcp"
)

// Toolset is a group of tools that --toolsets turns on or off.
type Toolset string

// Handler does a tool's work with validated arguments. A write makes one
// write request per call: the pipeline gives it the call's idempotency key
// (CallFrom(ctx).Key; GETs around it are free).
type Handler func(ctx context.Context, a Args) (*mcp.CallToolResult, error)

// Tool is one MCP tool, as data: what the model sees (name, title,
// description, parameters, output schema, annotations) and what the
// pipeline's steps read (the properties below) before its Handler runs.
type Tool struct {
	Name        string
	Toolset     Toolset
	Title       string
	Description string
	Params      []Param
	// Output is the JSON Schema of the structured result (outputSchema);
	// nil: the result may carry no structured content.
	Output json.RawMessage
	// Meta is the tool's _meta in tools/list (the MCP App that renders its
	// results); every byte of it is in every prompt.
	Meta map[string]any
	// The four MCP annotations, always all set (mcp-go's NewTool would
	// otherwise call every tool destructive and open-world).
	ReadOnly, Destructive, Idempotent, OpenWorld bool
	// OwnKey: the handler manages its own idempotency key (onboarding keeps
	// its key in the credential store), so the pipeline gives it none.
	OwnKey bool
	// LocalOnly marks tools that manage this machine's credential store or
	// a human's login: a multi-tenant server does not offer them.
	LocalOnly bool
	// Human marks the tools that use (or make) a human's login, which
	// belongs to one client: without a per-client identity they refuse.
	Human bool
	// Untrusted, when set, says who wrote text this tool's results carry
	// (a website, other users): the result is marked as data, not
	// instructions.
	Untrusted string
	// Charges is what a call may spend, in cents (nil: free); the budget
	// step reserves it before the handler runs.
	Charges func(a Args) int64
	// Confirm, when set, is the question put to the human (by elicitation,
	// where the host supports it) before the handler runs.
	Confirm func(a Args) string
	// Refuse, when set, is checked before the human is asked: a refusal
	// that needs no human ("" lets the call go on), so nobody is asked to
	// allow what would be refused anyway.
	Refuse func(ctx context.Context, a Args) string
	// Audit: every call is recorded in the audit trail once it is decided
	// (the tools that move money, delete or revoke); the audit step reads it.
	Audit bool
	// AsksInHandler marks a tool whose handler asks the human itself,
	// because its question needs a round with the client first (the
	// client's roots): docs and filters count it as asking.
	AsksInHandler bool
	Handler       Handler
}

// MCP renders the tool for tools/list.
func (t Tool) MCP() mcp.Tool {
	mt := mcp.NewToolWithRawSchema(t.Name, t.Description, Schema(t.Params))
	mt.RawOutputSchema = t.Output
	if t.Meta != nil {
		mt.Meta = &mcp.Meta{AdditionalFields: t.Meta}
	}
	mt.Annotations = mcp.ToolAnnotation{
		Title:           t.Title,
		ReadOnlyHint:    mcp.ToBoolPtr(t.ReadOnly),
		DestructiveHint: mcp.ToBoolPtr(t.Destructive),
		IdempotentHint:  mcp.ToBoolPtr(t.Idempotent),
		OpenWorldHint:   mcp.ToBoolPtr(t.OpenWorld),
	}
	return mt
}

// Asks says whether a call puts a question to the human first.
func (t Tool) Asks() bool { return t.Confirm != nil || t.AsksInHandler }
