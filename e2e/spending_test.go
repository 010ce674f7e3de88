package e2e

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// TestAmbiguousChargeCounts: the sandbox acts on a top-up, then
// drops every answer (the network failed after the charge). The call
// fails with its outcome unknown; the budget must count it (it may have
// been spent, and here it was), the retries must not charge twice, and a
// retry by the model reuses the key rather than paying again.
func TestAmbiguousChargeCounts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	args := append([]string{"stdio"}, e.sandboxArgs()...)
	setup := startClient(t, transport.NewStdio(binary, e.vars(), args...), mcp.ProtocolVersion20251125, nil)
	mustOK(t, setup, "create_agent", nil)
	mustOK(t, setup, "confirm_payment_setup", map[string]any{"payment_method_id": "pm_card"})
	setup.Close()

	faulty := startClient(t, transport.NewStdio(binary, append(e.vars(), "MYAPI_SANDBOX_FAULTS=drop=1"), args...), mcp.ProtocolVersion20251125, nil)
	mustFail(t, faulty, "top_up", map[string]any{"amount_cents": 300})
	mustFail(t, faulty, "top_up", map[string]any{"amount_cents": 300}) // the model retries
	if _, who := callText(t, faulty, "whoami", nil); !strings.Contains(who, "$3.00 of $100.00 spent") && !strings.Contains(who, "$6.00 of $100.00 spent") {
		t.Fatalf("an ambiguous charge did not count: %s", who)
	}
	faulty.Close()

	after := startClient(t, transport.NewStdio(binary, e.vars(), args...), mcp.ProtocolVersion20251125, nil)
	if bal := mustOK(t, after, "get_balance", nil); bal["balance_cents"] != float64(300) {
		t.Fatalf("balance %v after one top-up of 300 whose answers were lost", bal["balance_cents"])
	}
	if _, who := callText(t, after, "whoami", nil); !strings.Contains(who, "spent") {
		t.Fatalf("whoami: %s", who)
	}
}

// TestBudgetHoldsUnderConcurrency: a host that cannot ask (consent
// is the host's own approval) runs 40 charges at once, pipelined, through
// two stdio server processes and one HTTP server on one profile: top_up,
// import_brand and failures mixed in. The sandbox's ledger must never show
// more than --max-spend-cents, failed charges give their hold back, and a
// restarted server still sees the window spent.
func TestBudgetHoldsUnderConcurrency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const limit = 1000
	args := append(append([]string{"stdio"}, e.sandboxArgs()...), "--max-spend-cents", "1000")
	a := startClient(t, transport.NewStdio(binary, e.vars(), args...), mcp.ProtocolVersion20251125, nil)
	mustOK(t, a, "create_agent", nil)
	// No card yet: these fail at the service, so they must not count.
	for range 3 {
		mustFail(t, a, "top_up", map[string]any{"amount_cents": 400})
	}
	if _, who := callText(t, a, "whoami", nil); !strings.Contains(who, "$10.00 left") {
		t.Fatalf("failed top-ups kept their holds: %s", who)
	}
	mustOK(t, a, "confirm_payment_setup", map[string]any{"payment_method_id": "pm_card"})

	b := startClient(t, transport.NewStdio(binary, e.vars(), args...), mcp.LATEST_PROTOCOL_VERSION, nil)
	url := startHTTP(t, e, "--max-spend-cents", "1000")
	h := httpAt(t, url, mcp.LATEST_PROTOCOL_VERSION)

	var wg sync.WaitGroup
	var mu sync.Mutex
	charged := 0
	fire := func(c *client.Client, name string, args map[string]any, cents int) {
		defer wg.Done()
		req := mcp.CallToolRequest{}
		req.Params.Name, req.Params.Arguments = name, args
		res, err := c.CallTool(context.Background(), req)
		if err == nil && !res.IsError {
			mu.Lock()
			charged += cents
			mu.Unlock()
		}
	}
	for i := range 40 {
		wg.Add(1)
		c := []*client.Client{a, b, h}[i%3]
		switch i % 4 {
		case 0:
			go fire(c, "import_brand", map[string]any{"domain": "rt2-budget.com", "wait": false}, 25)
		default:
			go fire(c, "top_up", map[string]any{"amount_cents": 100}, 100)
		}
	}
	wg.Wait()
	if charged > limit {
		t.Fatalf("charged %d cents past a %d limit", charged, limit)
	}
	hist := mustOK(t, a, "get_billing_history", nil)["items"].([]any)
	spent := 0
	for _, it := range hist {
		if m := it.(map[string]any); m["type"] == "topup" {
			spent += int(m["amount_cents"].(float64))
		}
	}
	if spent > limit {
		t.Fatalf("the service took %d cents of top-ups past a %d limit: %v", spent, limit, hist)
	}
	c := startClient(t, transport.NewStdio(binary, e.vars(), args...), mcp.ProtocolVersion20251125, nil)
	if _, who := callText(t, c, "whoami", nil); !strings.Contains(who, "of $10.00 spent") || strings.Contains(who, "$10.00 left") {
		t.Fatalf("a restart forgot the window: %s", who)
	}
	t.Logf("charged %d of %d; top-ups at the service %d", charged, limit, spent)
}

// TestSpendingToolsAreDestructive: hosts that confirm only tools
// marked destructive must be asked for every tool that spends money
// (docs/security.md, "Annotations"). import_brand charges on every call
// and was marked destructiveHint: false.
func TestSpendingToolsAreDestructive(t *testing.T) {
	t.Parallel()
	s := startMCP(t, newEnv(t), mcp.ProtocolVersion20251125)
	list, err := s.c.ListTools(context.Background(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	spends := map[string]bool{"top_up": true, "import_brand": true, "service_write": true}
	for _, tool := range list.Tools {
		if spends[tool.Name] {
			delete(spends, tool.Name)
			if h := tool.Annotations.DestructiveHint; h == nil || !*h || *tool.Annotations.ReadOnlyHint {
				t.Errorf("%s spends money but is not marked destructive", tool.Name)
			}
		}
	}
	if len(spends) != 0 {
		t.Fatalf("not listed: %v", spends)
	}
}
