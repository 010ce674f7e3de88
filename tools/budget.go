package tools

import (
	"context"
	"time"

	"github.com/myapihq/myapihq-mcp/budget"
	"github.com/myapihq/myapihq-mcp/internal/money"
	"github.com/myapihq/myapihq-mcp/internal/textsafe"
)

// Budget limits what the server may spend across every charging tool
// (package budget implements it, persisted with the credentials).
type Budget interface {
	// Reserve holds cents before a charging call; over the limit it fails
	// with an error that says spent, limit and when room frees.
	Reserve(ctx context.Context, cents int64) (Hold, error)
	Status(ctx context.Context) (spent, limit int64, resetsAt time.Time, err error)
}

// Hold is a reservation: Commit when the money was (or may have been)
// spent, Release when it surely was not.
type Hold interface {
	Commit() error
	Release() error
}

// BudgetFrom adapts package budget's ledger to the wrapper's Budget (nil:
// no limit).
func BudgetFrom(b *budget.Budget) Budget {
	if b == nil {
		return nil
	}
	return ledgerBudget{b}
}

type ledgerBudget struct{ b *budget.Budget }

func (l ledgerBudget) Reserve(ctx context.Context, cents int64) (Hold, error) {
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
