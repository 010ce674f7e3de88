package tools

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/myapihq/myapihq-mcp/budget"
	"github.com/myapihq/myapihq-mcp/internal/humantest"
	"github.com/myapihq/myapihq-mcp/sandbox"
)

// The checkout by URL through a real client (mcp-go's, in process), in
// both eras: the human opens the page the server names and saves a card,
// or declines; the answer counts only for the question this server asked,
// for this account, once. The binary's transports: e2e/checkout_test.go.

func checkoutHarness(t *testing.T, proto string, human *humantest.Human) (*harness, *notes) {
	t.Helper()
	h := newHarness(t, hopts{protocol: proto, human: human})
	n := &notes{}
	h.c.OnNotification(n.add)
	t.Cleanup(func() {
		if err := human.Wait(); err != nil {
			t.Errorf("the human's page: %v", err)
		}
	})
	return h, n
}

type notes struct {
	mu  sync.Mutex
	all []mcp.JSONRPCNotification
}

func (n *notes) add(m mcp.JSONRPCNotification) {
	n.mu.Lock()
	n.all = append(n.all, m)
	n.mu.Unlock()
}

func (n *notes) of(method string) []mcp.JSONRPCNotification {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []mcp.JSONRPCNotification
	for _, m := range n.all {
		if m.Method == method {
			out = append(out, m)
		}
	}
	return out
}

func (h *harness) hasCard() bool {
	h.t.Helper()
	return h.ok("get_balance", nil)["has_payment_method"] == true
}

func TestCheckoutByURLBothEras(t *testing.T) {
	t.Parallel()
	for _, proto := range []string{mcp.ProtocolVersion20251125, mcp.LATEST_PROTOCOL_VERSION} {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			human := &humantest.Human{Delay: 30 * time.Millisecond}
			h, n := checkoutHarness(t, proto, human)
			h.ok("create_agent", nil)
			out := h.ok("setup_payment", nil)
			seen := human.Seen()
			if len(seen) != 1 || seen[0].Mode != mcp.ElicitationModeURL || !strings.HasPrefix(seen[0].ElicitationID, "ck1.") ||
				seen[0].URL != out["url"] || !strings.Contains(seen[0].Message, "never to the agent") {
				t.Fatalf("asked %+v; result %v", seen, out)
			}
			if out["has_payment_method"] != true || !strings.HasPrefix(out["payment_method_id"].(string), "pm_") || !h.hasCard() {
				t.Fatalf("no card saved: %v", out)
			}
			complete := n.of("notifications/elicitation/complete")
			if proto == mcp.LATEST_PROTOCOL_VERSION && len(complete) != 0 {
				t.Fatalf("the modern era has no completion notification: %+v", complete)
			}
			if proto != mcp.LATEST_PROTOCOL_VERSION &&
				(len(complete) != 1 || complete[0].Params.AdditionalFields["elicitationId"] != seen[0].ElicitationID) {
				t.Fatalf("completion notifications: %+v", complete)
			}
		})
	}
}

// TestTopUpWithoutCardSendsToCheckout: top_up asks its question once, then,
// with no card saved, sends the human to the checkout and goes on.
func TestTopUpWithoutCardSendsToCheckout(t *testing.T) {
	t.Parallel()
	for _, proto := range []string{mcp.ProtocolVersion20251125, mcp.LATEST_PROTOCOL_VERSION} {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			human := &humantest.Human{}
			h, _ := checkoutHarness(t, proto, human)
			h.ok("create_agent", nil)
			_, _, text := h.call("top_up", map[string]any{"amount_cents": 700})
			seen := human.Seen()
			if len(seen) != 2 || seen[0].Mode == mcp.ElicitationModeURL || seen[1].Mode != mcp.ElicitationModeURL ||
				!strings.Contains(seen[1].Message, "$7.00 needs a saved card") {
				t.Fatalf("asked %+v", seen)
			}
			if !strings.Contains(text, "The human saved a card") || !strings.Contains(text, "Added $7.00") {
				t.Fatalf("top_up: %s", text)
			}
			if b := h.ok("get_balance", nil); b["balance_cents"] != 700.0 || b["has_payment_method"] != true {
				t.Fatalf("balance %v", b)
			}
		})
	}
}

func TestCheckoutDeclinedSavesNothing(t *testing.T) {
	t.Parallel()
	for _, proto := range []string{mcp.ProtocolVersion20251125, mcp.LATEST_PROTOCOL_VERSION} {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			h, _ := checkoutHarness(t, proto, &humantest.Human{DeclineCheckout: true})
			h.ok("create_agent", nil)
			h.failsWith("setup_payment", nil, "did not open the checkout (decline)", "no card was saved")
			h.failsWith("top_up", map[string]any{"amount_cents": 300}, "did not open the checkout")
			if b := h.ok("get_balance", nil); b["balance_cents"] != 0.0 || b["has_payment_method"] == true {
				t.Fatalf("declined, yet %v", b)
			}
		})
	}
}

// TestCheckoutWithoutURLModeKeepsTheLink: a client that declares form
// elicitation only (as Claude Code does) gets the link to relay.
func TestCheckoutWithoutURLModeKeepsTheLink(t *testing.T) {
	t.Parallel()
	h := newHarness(t, hopts{})
	h.ok("create_agent", nil)
	_, sc, text := h.call("setup_payment", nil)
	if !strings.Contains(text, "Ask the human to open") || !strings.Contains(sc["url"].(string), "/_sandbox/checkout/") || h.asked.Load() != 0 {
		t.Fatalf("%s (asked %d)", text, h.asked.Load())
	}
	h.failsWith("top_up", map[string]any{"amount_cents": 100}, "no payment method: call setup_payment")
}

// TestCheckoutWaitIsBounded: a human who opens the page and leaves ends
// the wait at its bound, with nothing saved, and progress on the way.
func TestCheckoutWaitIsBounded(t *testing.T) {
	t.Parallel()
	h, n := checkoutHarness(t, mcp.LATEST_PROTOCOL_VERSION, &humantest.Human{Abandon: true})
	h.deps.CheckoutWait = 150 * time.Millisecond
	h.ok("create_agent", nil)
	req := mcp.CallToolRequest{}
	req.Params.Name, req.Params.Meta = "setup_payment", &mcp.Meta{ProgressToken: "wait-1"}
	start := time.Now()
	res, err := h.c.CallTool(context.Background(), req)
	if err != nil || !res.IsError || !strings.Contains(resultText(res), "no card was saved on the checkout page within 150ms") {
		t.Fatalf("%v %+v", err, res)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("the wait took %s", took)
	}
	if len(n.of("notifications/progress")) < 2 || h.hasCard() {
		t.Fatalf("progress %d, card %v", len(n.of("notifications/progress")), h.hasCard())
	}
}

// TestCheckoutAnswerIsBound: a URL-mode answer counts only with the state
// of a checkout this server asked for, for this account, once, in time;
// anything else is refused and saves nothing, and no wait ends but on the
// caller's own account.
func TestCheckoutAnswerIsBound(t *testing.T) {
	t.Parallel()
	var clock atomic.Int64
	clock.Store(time.Now().Unix())
	key := []byte("a state key both replicas share.")
	now := func() time.Time { return time.Unix(clock.Load(), 0) }
	a := newHarness(t, hopts{now: now, cfg: Config{StateKey: key}})
	b := newHarness(t, hopts{now: now, cfg: Config{StateKey: key}})
	a.ok("create_agent", nil)
	b.ok("create_agent", nil)
	url := map[string]any{"url": map[string]any{}}
	opened := map[string]any{"checkout": map[string]any{"action": "accept"}}
	ask := func(h *harness) (state, page string) {
		t.Helper()
		res := h.rawCallWith("setup_payment", map[string]any{}, "", nil, url)
		req, asked := res.InputRequests[checkoutAnswer]
		if !res.NeedsInput() || !asked || req.Elicitation == nil || req.Elicitation.Mode != mcp.ElicitationModeURL {
			t.Fatalf("not asked: %+v", res)
		}
		return res.RequestState, req.Elicitation.URL
	}
	refused := func(h *harness, what, state, want string) {
		t.Helper()
		res := h.rawCallWith("setup_payment", map[string]any{}, state, opened, url)
		if !res.IsError || !strings.Contains(resultText(res), want) || !strings.Contains(resultText(res), "Nothing was saved") {
			t.Fatalf("%s: %+v", what, res)
		}
	}
	refused(a, "an answer to no question", "", "not for a checkout this server asked for")
	stateA, pageA := ask(a)
	body, sig, _ := strings.Cut(stateA, ".")
	refused(a, "a forged state", body+"x."+sig, "not for a checkout this server asked for")
	// A's question, answered by B (whose server shares the key): refused.
	refused(b, "another account's checkout", stateA, "not for this account")
	if a.hasCard() || b.hasCard() {
		t.Fatal("a refused answer saved a card")
	}
	// Another account completing its own checkout does not end A's wait:
	// B's card is not A's.
	_, pageB := ask(b)
	if err := sandbox.CompleteCheckout(context.Background(), http.DefaultClient, pageB); err != nil {
		t.Fatal(err)
	}
	a.deps.CheckoutWait = 100 * time.Millisecond
	stateA2, _ := ask(a)
	if res := a.rawCallWith("setup_payment", map[string]any{}, stateA2, opened, url); !res.IsError ||
		!strings.Contains(resultText(res), "no card was saved") || a.hasCard() {
		t.Fatalf("B's checkout ended A's wait: %+v", res)
	}
	// A's own answer, with A's page completed, counts once ...
	a.deps.CheckoutWait = 0
	stateA3, pageA3 := ask(a)
	if err := sandbox.CompleteCheckout(context.Background(), http.DefaultClient, pageA3); err != nil {
		t.Fatal(err)
	}
	if res := a.rawCallWith("setup_payment", map[string]any{}, stateA3, opened, url); res.IsError || !a.hasCard() {
		t.Fatalf("the real answer was refused: %+v", res)
	}
	// ... and never again; an old one is refused too.
	refused(a, "a replayed answer", stateA3, "or it was used")
	clock.Add(int64((11 * time.Minute).Seconds()))
	refused(a, "an expired question", stateA, "or expired")
	_ = pageA
}

// TestCheckoutNotAskedWhereTheAnswerCouldGoAstray: where a legacy-era
// client cannot be asked (the multi-tenant mode without pinned sessions),
// it gets the link even though it declares URL mode; a modern one is asked.
func TestCheckoutNotAskedWhereTheAnswerCouldGoAstray(t *testing.T) {
	t.Parallel()
	for proto, asks := range map[string]bool{mcp.ProtocolVersion20251125: false, mcp.LATEST_PROTOCOL_VERSION: true} {
		human := &humantest.Human{}
		h, _ := checkoutHarness(t, proto, human)
		h.deps.LegacyCannotAsk = true
		h.ok("create_agent", nil)
		_, _, text := h.call("setup_payment", nil)
		if got := len(human.Seen()) == 1; got != asks || asks == strings.Contains(text, "Ask the human to open") {
			t.Errorf("%s: asked %v, result %s", proto, human.Seen(), text)
		}
	}
}

// TestCheckoutDeclinedHoldsNoBudget: a top_up whose checkout the human
// declined charged nothing, so it spends none of the rolling budget.
func TestCheckoutDeclinedHoldsNoBudget(t *testing.T) {
	t.Parallel()
	human := &humantest.Human{DeclineCheckout: true}
	h := newHarness(t, hopts{protocol: mcp.LATEST_PROTOCOL_VERSION, human: human, budget: BudgetFrom(budget.Open(budget.Options{Limit: 1000}))})
	h.ok("create_agent", nil)
	h.failsWith("top_up", map[string]any{"amount_cents": 800}, "did not open the checkout")
	h.ok("confirm_payment_setup", map[string]any{"payment_method_id": "pm_card"})
	if got := h.ok("top_up", map[string]any{"amount_cents": 900}); got["new_balance_cents"] != 900.0 {
		t.Fatalf("top_up after a declined checkout: %v", got)
	}
}
