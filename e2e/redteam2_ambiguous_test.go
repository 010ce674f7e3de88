package e2e

import (
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// TestRedteam2AmbiguousChargeCounts: the sandbox acts on a top-up, then
// drops every answer (the network failed after the charge). The call
// fails with its outcome unknown; the budget must count it (it may have
// been spent, and here it was), the retries must not charge twice, and a
// retry by the model reuses the key rather than paying again.
func TestRedteam2AmbiguousChargeCounts(t *testing.T) {
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
