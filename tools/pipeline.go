package tools

import (
	"context"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/myapihq/myapihq-mcp/hqclient"
	"github.com/myapihq/myapihq-mcp/toolkit"
)

// Pipeline is what every tools/call goes through before and after its
// handler, in every mode (app adds a mode's own steps): the steps of
// package toolkit, given what they act with. docs/architecture.md draws it.
func Pipeline(d *Deps) toolkit.Pipeline {
	d.init()
	return toolkit.Pipeline{
		toolkit.ReadOnlyGuard(d.Config.ReadOnly),
		toolkit.Validation(),
		toolkit.Identity(d.identity, errNoIdentity.Error()),
		toolkit.Auditing(d.record),
		toolkit.Refusals(),
		toolkit.Consenting(d.consent),
		toolkit.Spending(d.Budget, d.Log, "--max-spend-cents (MYAPI_MAX_SPEND_CENTS)"),
		toolkit.Progress(),
		toolkit.Finish(d.masker),
		toolkit.Errors(d.failure),
		toolkit.Idempotency(d.Retries, d.Log, hqclient.NewIdempotencyKey, withKey),
	}
}

// withKey puts the call's idempotency key in ctx for every request to the
// hub, and has the hub's replay of an earlier answer under it (or a
// service's: serviceCall) mark the call replayed.
func withKey(ctx context.Context, c *toolkit.Call) context.Context {
	return hqclient.OnReplay(hqclient.WithIdempotencyKey(ctx, c.Key), func() { c.Replayed = true })
}

// StepClient is the name of CallerClient's step.
const StepClient = "client"

// CallerClient is the multi-tenant mode's step: each request brings its
// own credentials, and the handler acts with the caller's own client (its
// token cache and its mint), put in the call's context.
func (d *Deps) CallerClient() toolkit.Step {
	return toolkit.Step{Name: StepClient, What: "act with the caller's own HQ client (multi-tenant: credentials come with each request)",
		Run: func(ctx context.Context, c *toolkit.Call, next toolkit.Next) (*mcp.CallToolResult, error) {
			cl, err := d.ClientFor(ctx)
			if err != nil {
				return nil, err // the gate lets no request in without a caller: a fault of ours
			}
			return next(context.WithValue(ctx, clientKey{}, cl), c)
		}}
}
