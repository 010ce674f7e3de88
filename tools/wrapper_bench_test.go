package tools

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/myapihq/myapihq-mcp/budget"
)

// BenchmarkWrapper prices each step the tool wrapper adds to get_balance
// (docs/benchmarks.md, "Second wave"): the service's answer is fixed, so no
// HTTP is timed. The budget is a ledger file, as app.Open configures it.
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
		res, _ := ok(raw, "Balance \"$0.00\". No payment method: setup_payment before top_up.")
		return res
	}
	withBudget := func() *mcp.CallToolResult { // what get_balance returns when a budget is set
		st, line := d.budgetStatus(ctx)
		res, _ := okWith(raw, "budget", st, "Balance \"$0.00\". No payment method: setup_payment before top_up."+line)
		return res
	}
	steps := []struct {
		name string
		f    func()
	}{
		{"validate", func() { _, _ = Validate(t.Params, map[string]any{}) }},
		{"canonical_args", func() { _, _ = json.Marshal(Args{}) }},
		{"budget_status_ledger", func() { d.budgetStatus(ctx) }},
		{"answer_raw", func() { answer() }},
		{"answer_with_budget", func() { withBudget() }},
		{"known_secrets", func() { d.knownSecrets(ctx) }},
		{"finish_raw", func() { d.finish(ctx, t, answer(), Args{}) }},
		{"finish_with_budget", func() { d.finish(ctx, t, withBudget(), Args{}) }},
		{"wrapper_whole", func() {
			fixed := t
			fixed.Handler = func(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) { return withBudget(), nil }
			_, _ = fixed.handle(d, false)(ctx, mcp.CallToolRequest{})
		}},
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
