package tools

import (
	"context"
	"time"

	"github.com/myapihq/myapihq-mcp/budget"
	"github.com/myapihq/myapihq-mcp/internal/money"
	"github.com/myapihq/myapihq-mcp/internal/textsafe"
	"github.com/myapihq/myapihq-mcp/toolkit"
)

// BudgetFrom adapts package budget's ledger to the budget step's Budget (nil:
// no limit).
func BudgetFrom(b *budget.Budget) toolkit.Budget {
	if b == nil {
		return nil
	}
	return ledgerBudget{b}
}

type ledgerBudget struct{ b *budget.Budget }

func (l ledgerBudget) Reserve(ctx context.Context, cents int64) (toolkit.Hold, error) {
	h, err := l.b.Reserve(ctx, cents)
	if err != nil {
		return nil, err
	}
	return h, nil
}

func (l ledgerBudget) Status(ctx context.Context) (int64, int64, time.Time, error) {
	st, err := l.b.Status(ctx)
	return st.Spent, st.Limit, st.RoomAt, err
}

// budgetStatus is the budget as whoami and get_balance show it (nil: none).
func (d *Deps) budgetStatus(ctx context.Context) (map[string]any, string) {
	if d.Budget == nil {
		return nil, ""
	}
	spent, limit, resets, err := d.Budget.Status(ctx)
	if err != nil {
		return map[string]any{"error": err.Error()}, " Spending budget unknown: " + textsafe.Quote(err.Error()) + "."
	}
	left := max(limit-spent, 0)
	out := map[string]any{"spent_cents": spent, "limit_cents": limit, "left_cents": left}
	summary := " Spending budget: " + money.Dollars(spent) + " of " + money.Dollars(limit) + " spent in the last 24 hours, " + money.Dollars(left) + " left"
	if !resets.IsZero() && spent > 0 {
		out["room_frees_at"] = resets.UTC().Format(time.RFC3339)
		summary += " (room frees from " + resets.UTC().Format(time.RFC3339) + ")"
	}
	return out, summary + "."
}
