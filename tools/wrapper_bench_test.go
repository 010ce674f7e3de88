package tools

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/myapihq/myapihq-mcp/budget"
	"github.com/myapihq/myapihq-mcp/toolkit"
)

// BenchmarkWrapper prices each step the pipeline adds to get_balance
// (docs/benchmarks.md, "Second wave"): the service's answer is fixed, so no
// HTTP is timed. The budget is a ledger file, as app.Build configures it.
func BenchmarkWrapper(b *testing.B) {
	ledger := BudgetFrom(budget.Open(budget.Options{Path: filepath.Join(b.TempDir(), "spend", "ledger.json")}))
	h := newHarness(b, hopts{noLimit: true, budget: ledger})
	req := mcp.CallToolRequest{}
	req.Params.Name = "create_agent"
	if _, err := h.c.CallTool(context.Background(), req); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	d := h.deps
	t := byNameB(b, "get_balance")
	raw := json.RawMessage(`{"balance_cents":0,"balance_display":"$0.00","has_payment_method":false}`)
	answer := func() *mcp.CallToolResult {
		res, _ := toolkit.OK(raw, "Balance \"$0.00\". No payment method: setup_payment before top_up.")
		return res
	}
	withBudget := func() *mcp.CallToolResult { // what get_balance returns when a budget is set
		st, line := d.budgetStatus(ctx)
		res, _ := toolkit.OKWith(raw, "budget", st, "Balance \"$0.00\". No payment method: setup_payment before top_up."+line)
		return res
	}
	finish := toolkit.Finish(d.masker)
	call := &toolkit.Call{Tool: &t, Args: toolkit.Args{}}
	fixed := t
	fixed.Handler = func(context.Context, toolkit.Args) (*mcp.CallToolResult, error) { return withBudget(), nil }
	whole := Pipeline(d).Handler(fixed) // composed once, as at registration
	steps := []struct {
		name string
		f    func()
	}{
		{"validate", func() { _, _ = toolkit.Validate(t.Params, map[string]any{}) }},
		{"canonical_args", func() { _, _ = json.Marshal(toolkit.Args{}) }},
		{"budget_status_ledger", func() { d.budgetStatus(ctx) }},
		{"answer_raw", func() { answer() }},
		{"answer_with_budget", func() { withBudget() }},
		{"known_secrets", func() { d.masker(ctx) }},
		{"finish_raw", func() {
			_, _ = finish.Run(ctx, call, func(context.Context, *toolkit.Call) (*mcp.CallToolResult, error) { return answer(), nil })
		}},
		{"finish_with_budget", func() {
			_, _ = finish.Run(ctx, call, func(context.Context, *toolkit.Call) (*mcp.CallToolResult, error) { return withBudget(), nil })
		}},
		{"wrapper_whole", func() { _, _ = whole(ctx, mcp.CallToolRequest{}) }},
	}
	for _, s := range steps {
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s.f()
			}
		})
	}
}
