package tools

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/myapihq/myapihq-mcp/audit"
	"github.com/myapihq/myapihq-mcp/budget"
)

// memoryTrail keeps entries in memory, as the file and Redis would.
type memoryTrail struct {
	mu sync.Mutex
	es []audit.Entry
}

func (m *memoryTrail) Append(_ context.Context, e audit.Entry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.es = append(m.es, e)
	return nil
}

func (m *memoryTrail) Since(context.Context, time.Time, int) ([]audit.Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.es), nil
}

func (m *memoryTrail) last(t *testing.T) audit.Entry {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.es) == 0 {
		t.Fatal("no entry")
	}
	return m.es[len(m.es)-1]
}

// TestAuditedTools: the tools that move money, delete or revoke, and no
// other, are recorded (the table's Audit field).
func TestAuditedTools(t *testing.T) {
	t.Parallel()
	got := Audited(Catalog(Config{}))
	slices.Sort(got)
	want := []string{"confirm_import", "delete_org", "delete_webhook", "import_brand", "logout", "revoke_key", "rotate_key",
		"service_write", "top_up"}
	if !slices.Equal(got, want) {
		t.Fatalf("audited %v, want %v", got, want)
	}
}

// TestAuditOutcomes: the outcomes the transports' tests do not reach: a
// write whose answer was lost (ambiguous), its retry answered from the
// service's record (replayed), and one the spending budget refused before
// the handler; one entry each, decided calls only.
func TestAuditOutcomes(t *testing.T) {
	t.Parallel()
	var drop atomic.Bool
	trail := &memoryTrail{}
	h := newHarness(t, hopts{wrap: dropTopUps(&drop), noElicit: true, budget: BudgetFrom(budget.Open(budget.Options{Limit: 1000}))})
	h.deps.Trail = func(context.Context) Trail { return trail }
	h.ok("create_agent", nil)
	h.ok("confirm_payment_setup", map[string]any{"payment_method_id": "pm_card"})
	drop.Store(true)
	h.failsWith("top_up", map[string]any{"amount_cents": 300}, "same arguments")
	drop.Store(false)
	if e := trail.last(t); e.Tool != "top_up" || e.Outcome != audit.Ambiguous || e.AmountCents != 300 || e.Consent != audit.NoElicitation {
		t.Fatalf("a lost answer: %+v", e)
	}
	// The model retries: the service answers from its record, and the
	// trail says so rather than show a second charge.
	h.ok("top_up", map[string]any{"amount_cents": 300})
	if e := trail.last(t); e.Outcome != audit.Replayed || e.AmountCents != 300 {
		t.Fatalf("the retry answered from the record: %+v", e)
	}
	h.failsWith("top_up", map[string]any{"amount_cents": 900}, "refused")
	if e := trail.last(t); e.Outcome != audit.Refused || e.AmountCents != 900 || e.Detail == "" {
		t.Fatalf("over the budget: %+v", e)
	}
	h.ok("create_org", map[string]any{"name": "not audited"})
	if n := len(trail.es); n != 3 {
		t.Fatalf("%d entries, want 3", n)
	}
}
