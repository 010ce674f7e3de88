package toolkit

import (
	"context"
	"fmt"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// The call pipeline: every tools/call goes through the same ordered list
// of small named steps, then the tool's Handler. Each step does one job:
// it may answer instead of the rest (a refusal, a question), change what
// the rest sees (the context, the Call), or look at what comes back (the
// result, the error). The list is data: docs/architecture.md prints it,
// and a mode adds or drops steps by name, never by wrapping the server.

// Call is one tools/call on its way through the pipeline: what the steps
// learn and leave for the steps after them (and, through CallFrom, for the
// handler).
type Call struct {
	Tool    *Tool
	Request *mcp.CallToolRequest
	// Args are the validated arguments (set by the validate step); Canon
	// is their canonical JSON (keys sorted), which consent questions and
	// idempotency keys are bound to.
	Args  Args
	Canon string
	// Client names the caller where the transport tells callers apart
	// (Known); set by the identity step.
	Client string
	Known  bool
	// Consent says how the human's consent was given, for the tools that
	// ask (the Consent* constants); set by the consent step.
	Consent string
	// Key is a write's idempotency key: the one an accepted consent answer
	// fixes (the consent step), else a pending retry's or a new one (the
	// idempotency step). Unknown: the write failed in a way that may have
	// applied it.
	Key     string
	Unknown bool
	// Replayed: the service answered from its idempotency record: an
	// earlier request with this key did the work, this one did nothing
	// again (nor charged). The budget step releases its hold; an audit
	// step records the call as a replay, not as a second charge.
	Replayed bool
	// Ran: the handler was reached; Failed: it returned an error.
	Ran, Failed bool
	// Uncharged: the handler says it stopped before anything could be
	// charged (a human who declined a checkout), so its hold is released.
	Uncharged bool
	// Notes are warnings a step adds to the result's text.
	Notes []string
	// progress is this call's progress token, when it asked for one.
	progress *callProgress
	// resumed is the request state of an earlier round, once opened.
	resumed *resumed
}

type callKey struct{}

// CallFrom is the call being served, for handlers that read more of it
// (their idempotency key, the request's multi-round-trip answers).
func CallFrom(ctx context.Context) *Call {
	c, _ := ctx.Value(callKey{}).(*Call)
	return c
}

// Next runs the rest of the pipeline.
type Next func(ctx context.Context, c *Call) (*mcp.CallToolResult, error)

// Step is one stage of the pipeline.
type Step struct {
	Name string
	What string // one line, for docs/architecture.md
	Run  func(ctx context.Context, c *Call, next Next) (*mcp.CallToolResult, error)
}

// Pipeline is the ordered list of steps every call takes, outermost first.
type Pipeline []Step

// Insert returns p with steps added before the step named before ("" or a
// name p lacks: at the end, next to the handler).
func (p Pipeline) Insert(before string, steps ...Step) Pipeline {
	i := len(p)
	for j, s := range p {
		if s.Name == before {
			i = j
			break
		}
	}
	out := make(Pipeline, 0, len(p)+len(steps))
	out = append(append(append(out, p[:i]...), steps...), p[i:]...)
	return out
}

// Without returns p less the named steps.
func (p Pipeline) Without(names ...string) Pipeline {
	out := make(Pipeline, 0, len(p))
	for _, s := range p {
		drop := false
		for _, n := range names {
			drop = drop || s.Name == n
		}
		if !drop {
			out = append(out, s)
		}
	}
	return out
}

// Names are the steps' names, in order.
func (p Pipeline) Names() []string {
	out := make([]string, len(p))
	for i, s := range p {
		out[i] = s.Name
	}
	return out
}

// String draws the pipeline as docs/architecture.md shows it.
func (p Pipeline) String() string {
	var b strings.Builder
	width := 0
	for _, s := range p {
		width = max(width, len(s.Name))
	}
	b.WriteString("tools/call\n")
	for i, s := range p {
		fmt.Fprintf(&b, "  %2d. %-*s  %s\n", i+1, width, s.Name, s.What)
	}
	fmt.Fprintf(&b, "      %-*s  %s\n", width, "handler", "the tool's own work (tools/)")
	return b.String()
}

// Handler composes the steps around t's handler: what tools/call runs for
// t (once per tool, at registration).
func (p Pipeline) Handler(t Tool) server.ToolHandlerFunc {
	next := Next(func(ctx context.Context, c *Call) (*mcp.CallToolResult, error) {
		c.Ran = true
		return c.Tool.Handler(ctx, c.Args)
	})
	for i := len(p) - 1; i >= 0; i-- {
		run, rest := p[i].Run, next
		next = func(ctx context.Context, c *Call) (*mcp.CallToolResult, error) { return run(ctx, c, rest) }
	}
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		c := &Call{Tool: &t, Request: &req}
		return next(context.WithValue(ctx, callKey{}, c), c)
	}
}

// Register adds tools to s, each behind the pipeline.
func (p Pipeline) Register(s *server.MCPServer, tools []Tool) {
	batch := make([]server.ServerTool, 0, len(tools)) // one AddTools: one lock, one registry update
	for _, t := range tools {
		batch = append(batch, server.ServerTool{Tool: t.MCP(), Handler: p.Handler(t)})
	}
	s.AddTools(batch...)
}
