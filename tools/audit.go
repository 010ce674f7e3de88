package tools

import (
	"context"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/myapihq/myapihq-mcp/audit"
	"github.com/myapihq/myapihq-mcp/hqclient"
	"github.com/myapihq/myapihq-mcp/internal/mask"
	"github.com/myapihq/myapihq-mcp/internal/textsafe"
	"github.com/myapihq/myapihq-mcp/toolkit"
)

// The audit trail's side of the tools: what the audit step records of a
// call of a tool with Audit set (toolkit.Auditing), and where (Deps.Trail).

// Trail is where a caller's audit entries are kept and read back: the
// local file, or a tenant's Redis list (and the log) in the multi-tenant
// mode.
type Trail interface {
	audit.Sink
	audit.Source
}

// Audited are the names of the tools whose calls are recorded.
func Audited(tools []toolkit.Tool) []string {
	var out []string
	for _, t := range tools {
		if t.Audit {
			out = append(out, t.Name)
		}
	}
	return out
}

// record is the audit step's: one masked entry for the call, with how it
// ended and how the human consented. What it returns is the result's note
// when the entry could not be kept. Without a Trail (a server built
// without one: tests, an embedder) nothing is kept.
func (d *Deps) record(ctx context.Context, c *toolkit.Call, res *mcp.CallToolResult, err error) string {
	if d.Trail == nil {
		return ""
	}
	outcome, detail := callOutcome(c, res, err)
	e := audit.Call{Service: d.serviceName(), Tool: c.Tool.Name, Args: c.Args, Outcome: outcome,
		Consent: consentOf(c), Detail: detail}
	if d.Store != nil {
		e.Profile = d.Store.Profile()
	}
	if d.Caller != nil { // the multi-tenant mode: the tenant, by its hash
		e.Tenant, _ = d.identity(ctx)
	}
	if c.Tool.Charges != nil {
		e.AmountCents = c.Tool.Charges(c.Args)
	}
	var sink audit.Sink
	if t := d.Trail(ctx); t != nil {
		sink = t
	}
	werr := audit.Recorder{Sink: sink, Now: d.now}.Record(ctx, e, d.masker(ctx))
	if werr == nil {
		return ""
	}
	d.Log.Error().Err(werr).Str("tool", c.Tool.Name).Msg("audit trail: entry not written")
	if we, isOne := werr.(*audit.WriteError); isOne {
		return we.Notice()
	}
	return (&audit.WriteError{Err: werr}).Notice()
}

func (d *Deps) serviceName() string { return ServiceName(d.Sandbox, d.BaseURL) }

// ServiceName names where calls go, for the trail: the embedded sandbox,
// the live service, or the --base-url given (without user info).
func ServiceName(sandbox bool, baseURL string) string {
	switch {
	case sandbox:
		return "sandbox"
	case baseURL == "" || strings.TrimRight(baseURL, "/") == hqclient.DefaultBaseURL:
		return "live"
	}
	return mask.URLs(baseURL)
}

// callOutcome says how a decided call ended, and why in a few words when
// it did not simply happen.
func callOutcome(c *toolkit.Call, res *mcp.CallToolResult, err error) (audit.Outcome, string) {
	why := ""
	if res != nil {
		why = textsafe.Line(resultText(res), 200)
	}
	switch {
	case c.Consent == toolkit.ConsentRefused:
		return audit.Refused, why
	case c.Consent == toolkit.ConsentDeclined:
		return audit.Declined, why
	case err != nil: // a fault of ours, before or in the handler
		return audit.Failed, textsafe.Line(err.Error(), 200)
	case !c.Ran: // a step answered instead: the budget, the tool's own refusal
		return audit.Refused, why
	case c.Unknown:
		return audit.Ambiguous, why
	case c.Replayed: // an earlier identical request's entry holds the charge
		return audit.Replayed, "answered from the service's record of an earlier identical request: nothing done or charged again"
	case res == nil || !res.IsError:
		return audit.Done, ""
	case !c.Failed && strings.Contains(why, c.Tool.Name+" refused"): // the handler's own guard (a cap)
		return audit.Refused, why
	}
	return audit.Failed, why
}

// consentOf is how the call's consent was given, as the trail says it.
func consentOf(c *toolkit.Call) audit.Consent {
	switch c.Consent {
	case toolkit.ConsentAccepted:
		return audit.ElicitationAccepted
	case toolkit.ConsentDeclined:
		return audit.ElicitationDeclined
	case toolkit.ConsentRefused:
		return audit.RequireConsentRefusal
	case toolkit.ConsentHostPolicy:
		return audit.NoElicitation
	}
	return audit.NotAsked
}

func resultText(res *mcp.CallToolResult) string {
	for _, ct := range res.Content {
		if tc, isText := ct.(mcp.TextContent); isText {
			return tc.Text
		}
	}
	return ""
}
