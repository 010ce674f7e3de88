// Package tools is the MCP surface: one tool per user action, declared as
// values in one table (All) that the server, the tests, the docs and the
// filters all read. Handlers call hqclient; secrets come from credentials.
package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/myapihq/myapihq-mcp/hqclient"
)

// Toolset is a group of tools that --toolsets turns on or off.
type Toolset string

// Toolsets, in display order.
const (
	Account  Toolset = "account"
	Keys     Toolset = "keys"
	Orgs     Toolset = "orgs"
	Billing  Toolset = "billing"
	Imports  Toolset = "imports"
	Services Toolset = "services" // the rest of the ecosystem (issue 11)
)

// AllToolsets are the toolsets in display order.
var AllToolsets = []Toolset{Account, Keys, Orgs, Billing, Imports, Services}

// Toolsets are their names, for flags and messages.
var Toolsets = func() []string {
	out := make([]string, len(AllToolsets))
	for i, s := range AllToolsets {
		out[i] = string(s)
	}
	return out
}()

// Tool is one MCP tool, as data.
type Tool struct {
	Name        string
	Toolset     Toolset
	Title       string
	Description string
	Params      []Param
	// Output is the JSON Schema of the structured result (outputSchema);
	// every tool here answers with structured content, so every tool has one.
	Output json.RawMessage
	// The four MCP annotations, always all set (mcp-go's NewTool would
	// otherwise call every tool destructive and open-world).
	ReadOnly, Destructive, Idempotent, OpenWorld bool
	// OwnKey: the handler manages its own Idempotency-Key (onboarding keeps
	// its key in the credential store), so the wrapper gives it none.
	OwnKey bool
	// LocalOnly marks tools that manage the local credential store or a
	// human's login: a multi-tenant server does not offer them.
	LocalOnly bool
	// Human marks the tools that use (or make) a human's login, which
	// belongs to one client: without a per-client identity they refuse.
	Human bool
	// Untrusted, when set, says who wrote text this tool's results carry
	// (a website, other users): the result is marked as data, not
	// instructions.
	Untrusted string
	// Charges is what a call may spend, in cents (nil: free); the wrapper
	// reserves it from the spending budget before the handler runs.
	Charges func(a Args) int64
	// Confirm, when set, is the question put to the human (by elicitation,
	// where the host supports it) before the handler runs.
	Confirm func(a Args) string
	// Refuse, when set, is checked before the human is asked: a refusal
	// that needs no human ("" lets the call go on), so nobody is asked to
	// allow what would be refused anyway.
	Refuse func(ctx context.Context, d *Deps, a Args) string
	// AsksInHandler marks a tool whose handler asks the human itself,
	// because its question needs a round with the client first (the
	// client's roots): docs and filters count it as asking.
	AsksInHandler bool
	// Handler does the work. A write tool makes one write request per call:
	// the wrapper gives it the call's Idempotency-Key through ctx (GETs
	// around it are free).
	Handler func(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error)
}

// MCP renders the tool for tools/list.
func (t Tool) MCP() mcp.Tool {
	mt := mcp.NewToolWithRawSchema(t.Name, t.Description, Schema(t.Params))
	mt.RawOutputSchema = t.Output
	mt.Annotations = mcp.ToolAnnotation{
		Title:           t.Title,
		ReadOnlyHint:    mcp.ToBoolPtr(t.ReadOnly),
		DestructiveHint: mcp.ToBoolPtr(t.Destructive),
		IdempotentHint:  mcp.ToBoolPtr(t.Idempotent),
		OpenWorldHint:   mcp.ToBoolPtr(t.OpenWorld),
	}
	return mt
}

// Select keeps the tools of the given toolsets (all when empty), and only
// read-only ones when readOnly: that filter wins over everything else.
func Select(all []Tool, toolsets []string, readOnly bool) ([]Tool, error) {
	want := map[Toolset]bool{}
	for _, s := range toolsets {
		s = strings.TrimSpace(s)
		if s == "" || s == "all" {
			continue
		}
		if !contains(Toolsets, s) {
			return nil, fmt.Errorf("unknown toolset %q: choose from %s, or all", s, strings.Join(Toolsets, ", "))
		}
		want[Toolset(s)] = true
	}
	var out []Tool
	for _, t := range all {
		if (len(want) == 0 || want[t.Toolset]) && (!readOnly || t.ReadOnly) {
			out = append(out, t)
		}
	}
	return out, nil
}

// Remote drops the LocalOnly tools: a multi-tenant server keeps no local
// credential store and no human login.
func Remote(all []Tool) []Tool {
	var out []Tool
	for _, t := range all {
		if !t.LocalOnly {
			out = append(out, t)
		}
	}
	return out
}

// Asks says whether a call puts a question to the human first.
func (t Tool) Asks() bool { return t.Confirm != nil || t.AsksInHandler }

// Register adds tools to s, each behind the one wrapper every call takes.
func Register(s *server.MCPServer, d *Deps, tools []Tool, readOnly bool) {
	batch := make([]server.ServerTool, 0, len(tools)) // one AddTools: one lock, one registry update
	for _, t := range tools {
		batch = append(batch, server.ServerTool{Tool: t.MCP(), Handler: t.handle(d, readOnly)})
	}
	s.AddTools(batch...)
}

// handle is the wrapper every call takes: arguments, identity, consent,
// budget, idempotency, then the handler, then what leaves (errors
// described, secrets masked, untrusted text marked, progress flushed).
func (t Tool) handle(d *Deps, readOnly bool) server.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		if readOnly && !t.ReadOnly { // defence in depth: such tools are not even registered
			return mcp.NewToolResultError(fmt.Sprintf("%s is disabled: the server runs with --read-only", t.Name)), nil
		}
		args, err := Validate(t.Params, req.GetArguments())
		if err != nil {
			return mcp.NewToolResultError(fmt.Sprintf("invalid arguments for %s: %v", t.Name, err)), nil
		}
		client, known := d.identity(ctx)
		if t.Human && !known {
			return mcp.NewToolResultError(errNoIdentity.Error()), nil
		}
		if d.ClientFor != nil {
			c, err := d.ClientFor(ctx)
			if err != nil {
				return nil, err // the gate lets no request in without a caller: a fault of ours
			}
			ctx = context.WithValue(ctx, clientKey{}, c)
		}
		canon, _ := json.Marshal(args)                   // map keys sorted: one string per call
		ctx = context.WithValue(ctx, callReqKey{}, &req) // for handlers with rounds of their own (write_env_file)
		if t.Refuse != nil {
			if why := t.Refuse(ctx, d, args); why != "" {
				return mcp.NewToolResultError(t.Name + " refused: " + why), nil
			}
		}
		if t.Confirm != nil {
			if res := d.consent(ctx, t, args, string(canon), req); res != nil {
				return res, nil
			}
		}
		var hold Hold
		if t.Charges != nil && d.Budget != nil {
			if cents := t.Charges(args); cents > 0 {
				if hold, err = d.Budget.Reserve(ctx, cents); err != nil {
					return mcp.NewToolResultError(fmt.Sprintf("%s refused: %v. Next: tell the user; the limit is "+
						"--max-spend-cents (MYAPI_MAX_SPEND_CENTS).", t.Name, err)), nil
				}
			}
		}
		var progress *callProgress
		if req.Params.Meta != nil && req.Params.Meta.ProgressToken != nil {
			progress = &callProgress{token: req.Params.Meta.ProgressToken, tracker: progressTrackerFrom(ctx)}
			ctx = context.WithValue(ctx, progressKey{}, progress)
			defer progress.flush(ctx)
		}
		// A write gets its Idempotency-Key here, remembered per client.
		var call, key string
		if !t.ReadOnly && !t.OwnKey {
			call = t.Name + "\x00" + string(canon)
			if known {
				if key, err = d.retries().Take(ctx, client, call); err != nil {
					// Without the record, a retry of a write whose outcome
					// was unknown would get a new key and could apply twice.
					d.Log.Warn().Err(err).Str("tool", t.Name).Msg("retry store: take failed")
					settle(d, t, hold, false)
					return mcp.NewToolResultError(fmt.Sprintf("%s not done: the server's record of unfinished writes is "+
						"unavailable, so it cannot tell a retry from a new write: retry shortly with the same arguments.", t.Name)), nil
				}
			}
			if key == "" {
				key = hqclient.NewIdempotencyKey()
			}
			ctx = context.WithValue(hqclient.WithIdempotencyKey(ctx, key), callKeyKey{}, key)
		}
		res, err := t.Handler(ctx, d, args)
		if err != nil {
			unknownOutcome := call != "" && ambiguous(err)
			settle(d, t, hold, unknownOutcome)
			out, ferr := failure(t.Name, err)
			if unknownOutcome && !known && out != nil {
				// No client identity: a retry cannot be told from another
				// client's call, so it would be a new write.
				out.Content = append(out.Content, mcp.NewTextContent("WARNING: this connection gives the server no "+
					"client identity, so a retry is a new write: check (list_* or get_billing_history) before retrying."))
			}
			if unknownOutcome && known {
				if kerr := d.retries().Keep(ctx, client, call, key, pendingKeyTTL); kerr != nil {
					d.Log.Warn().Err(kerr).Str("tool", t.Name).Msg("retry store: keep failed")
					if out != nil {
						out.Content = append(out.Content, mcp.NewTextContent("WARNING: this server could not remember "+
							"the write's key, so a retry may apply it twice: check (list_* or get_billing_history) before retrying."))
					}
				}
			}
			return d.finish(ctx, t, out, args), ferr
		}
		// Any answer may follow a charge (an import that stopped waiting was
		// paid for): only a failure before or at the service releases.
		settle(d, t, hold, true)
		return d.finish(ctx, t, res, args), nil
	}
}

// settle ends a budget hold: spent (or maybe spent) commits, surely not
// spent releases.
func settle(d *Deps, t Tool, hold Hold, spent bool) {
	if hold == nil {
		return
	}
	var err error
	if spent {
		err = hold.Commit()
	} else {
		err = hold.Release()
	}
	if err != nil {
		d.Log.Error().Err(err).Str("tool", t.Name).Bool("spent", spent).Msg("spending budget: could not settle a hold")
	}
}

// finish is the last step of every result: secrets masked (by key and by
// value) unless revealed on purpose, text from others marked.
func (d *Deps) finish(ctx context.Context, t Tool, res *mcp.CallToolResult, args Args) *mcp.CallToolResult {
	if res == nil {
		return nil
	}
	d.maskSecrets(ctx, res, args.Bool("reveal"))
	withJSONText(res)
	if t.Untrusted != "" && !res.IsError {
		markUntrusted(res, t.Untrusted)
	}
	return res
}
