package e2e

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/myapihq/myapihq-mcp/internal/humantest"
	"github.com/myapihq/myapihq-mcp/sandbox"
)

// The checkout by URL through the binary's transports: stdio with
// initialize (2025-11-25), the modern era over HTTP, and the multi-tenant
// cluster (TestRemoteCluster, "checkout by URL across replicas"). The
// client is mcp-go's; the human is internal/humantest, who opens the page
// the server names and saves a card, declines, or leaves.

// urlClient is a client of an HTTP endpoint that declares URL-mode
// elicitation and lets human answer.
func urlClient(t *testing.T, url, protocol string, human client.ElicitationHandler, headers map[string]string) *client.Client {
	t.Helper()
	tr, err := transport.NewStreamableHTTP(url, transport.WithHTTPHeaders(headers))
	if err != nil {
		t.Fatal(err)
	}
	c := client.NewClient(tr, client.WithProtocolVersion(protocol), client.WithElicitationHandler(human),
		client.WithClientCapabilities(mcp.ClientCapabilities{Elicitation: &mcp.ElicitationCapability{Form: &struct{}{}, URL: &struct{}{}}}))
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = protocol
	init.Params.ClientInfo = mcp.Implementation{Name: "e2e-checkout", Version: "1"}
	if _, err := c.Initialize(ctx, init); err != nil {
		t.Fatalf("initialize (%s): %v", protocol, err)
	}
	return c
}

func waitHuman(t *testing.T, h *humantest.Human) {
	t.Helper()
	if err := h.Wait(); err != nil {
		t.Fatalf("the human's checkout page: %v", err)
	}
}

func urlAsks(seen []mcp.ElicitationParams) []mcp.ElicitationParams {
	var out []mcp.ElicitationParams
	for _, p := range seen {
		if p.Mode == mcp.ElicitationModeURL {
			out = append(out, p)
		}
	}
	return out
}

// TestCheckoutByURLOverStdio: a 2025-11-25 host on stdio that declares URL
// mode is asked to open the checkout (elicitation/create, mode url, a
// signed id), the human saves a card, the call returns with it after
// progress, and notifications/elicitation/complete names the id. top_up
// without a card asks its question, then sends the human to the checkout
// and charges once the card is there.
func TestCheckoutByURLOverStdio(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	human := &humantest.Human{Delay: 200 * time.Millisecond}
	s := startStdio(t, e, mcp.ProtocolVersion20251125, stdioOpts{answers: human, urlMode: true})
	s.ok("create_agent", nil)
	res, out := s.call("setup_payment", nil, "checkout-1")
	waitHuman(t, human)
	asks := urlAsks(human.Seen())
	if res.IsError || len(asks) != 1 || !strings.HasPrefix(asks[0].ElicitationID, "ck1.") || asks[0].URL != out["url"] ||
		!strings.HasPrefix(out["payment_method_id"].(string), "pm_") {
		t.Fatalf("setup_payment: %s; asked %+v", text(res), asks)
	}
	waitFor(t, 5*time.Second, "elicitation/complete and progress", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		complete, progress := false, 0
		for _, n := range s.notes {
			complete = complete || n.Method == "notifications/elicitation/complete" && n.Params.AdditionalFields["elicitationId"] == asks[0].ElicitationID
			if n.Method == "notifications/progress" && n.Params.AdditionalFields["progressToken"] == "checkout-1" {
				progress++
			}
		}
		return complete && progress >= 1
	})
	if bal := s.ok("get_balance", nil); bal["has_payment_method"] != true {
		t.Fatalf("balance: %v", bal)
	}

	s.ok("create_agent", map[string]any{"force": true}) // a new account: no card
	top := s.ok("top_up", map[string]any{"amount_cents": 900})
	waitHuman(t, human)
	if asks := urlAsks(human.Seen()); len(asks) != 2 || !strings.Contains(asks[1].Message, "$9.00 needs a saved card") {
		t.Fatalf("top_up's checkout: %+v", asks)
	}
	if bal := s.ok("get_balance", nil); top["new_balance_cents"] != 900.0 || bal["balance_cents"] != 900.0 {
		t.Fatalf("top_up %v, balance %v", top, bal)
	}
}

// TestCheckoutByURLOverHTTP: the modern era over HTTP (input_required,
// answered by the client's retry): a card saved, no completion
// notification (that era has none); a human who declines saves nothing.
func TestCheckoutByURLOverHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	url := startHTTP(t, e)
	human := &humantest.Human{}
	c := urlClient(t, url, mcp.LATEST_PROTOCOL_VERSION, human, nil)
	mustOK(t, c, "create_agent", nil)
	out := mustOK(t, c, "setup_payment", nil)
	waitHuman(t, human)
	if asks := urlAsks(human.Seen()); len(asks) != 1 || asks[0].URL != out["url"] || out["has_payment_method"] != true {
		t.Fatalf("setup_payment %v; asked %+v", out, asks)
	}

	mustOK(t, c, "create_agent", map[string]any{"force": true})
	no := &humantest.Human{DeclineCheckout: true}
	d := urlClient(t, url, mcp.LATEST_PROTOCOL_VERSION, no, nil)
	mustFail(t, d, "setup_payment", nil, "did not open the checkout (decline)", "no card was saved")
	mustFail(t, d, "top_up", map[string]any{"amount_cents": 300}, "did not open the checkout")
	if bal := mustOK(t, d, "get_balance", nil); bal["has_payment_method"] == true || bal["balance_cents"] != 0.0 {
		t.Fatalf("declined, yet %v", bal)
	}
}

// TestCheckoutWithoutURLModeKeepsTheLink: a host that declares form
// elicitation only (as Claude Code does) is never sent a URL elicitation:
// it gets the link in the result, to give the human.
func TestCheckoutWithoutURLModeKeepsTheLink(t *testing.T) {
	t.Parallel()
	s := startMCP(t, newEnv(t), mcp.ProtocolVersion20251125)
	s.ok("create_agent", nil)
	res, out := s.call("setup_payment", nil, "")
	if res.IsError || !strings.Contains(text(res), "Ask the human to open") || !strings.Contains(out["url"].(string), "/_sandbox/checkout/") ||
		s.asked.Load() != 0 {
		t.Fatalf("%s (asked %d)", text(res), s.asked.Load())
	}
}

// TestCheckoutAnswersAreBound: over the modern era's wire, where the
// client carries the state itself: an answer to no question, a forged
// state and a replayed one are refused, and nothing is saved. (Another
// account's: TestRemoteCluster; an expired one: tools' TestCheckoutAnswerIsBound.)
func TestCheckoutAnswersAreBound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	url := startHTTP(t, e)
	h := httpAt(t, url, mcp.LATEST_PROTOCOL_VERSION)
	mustOK(t, h, "create_agent", nil)
	caps := map[string]any{"url": map[string]any{}}
	opened := map[string]any{"checkout": map[string]any{"action": "accept"}}
	refused := func(what, state string) {
		t.Helper()
		res := rawModern(t, url, nil, "setup_payment", map[string]any{}, state, opened, caps)
		txt := resultText(res)
		if res["isError"] != true || !strings.Contains(txt, "not for a checkout this server asked for") || !strings.Contains(txt, "Nothing was saved") {
			t.Fatalf("%s: %v", what, res)
		}
	}
	refused("an answer to a question never asked", "")
	first := rawModern(t, url, nil, "setup_payment", map[string]any{}, "", nil, caps)
	state := asked(t, "setup_payment", first)
	body, sig, _ := strings.Cut(state, ".")
	refused("a forged state", body+"x."+sig)
	// The page completed, the real answer counts once; its replay does not.
	page := first["inputRequests"].(map[string]any)["checkout"].(map[string]any)["params"].(map[string]any)["url"].(string)
	completeCheckout(t, page)
	if res := rawModern(t, url, nil, "setup_payment", map[string]any{}, state, opened, caps); res["isError"] == true {
		t.Fatalf("the real answer: %v", res)
	}
	refused("a replayed answer", state)
}

// TestCheckoutWaitIsCancellable: a human who opens the page and leaves
// keeps the call waiting until the client gives up; the server stops, stays
// up, and nothing was saved.
func TestCheckoutWaitIsCancellable(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := startStdio(t, e, mcp.ProtocolVersion20251125, stdioOpts{answers: &humantest.Human{Abandon: true}, urlMode: true})
	s.ok("create_agent", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	req := mcp.CallToolRequest{}
	req.Params.Name = "setup_payment"
	start := time.Now()
	if _, err := s.c.CallTool(ctx, req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("the wait did not end with the client: %v", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("cancelling took %s", took)
	}
	if bal := s.ok("get_balance", nil); bal["has_payment_method"] == true {
		t.Fatalf("a card appeared: %v", bal)
	}
}

func completeCheckout(t *testing.T, page string) {
	t.Helper()
	if err := sandbox.CompleteCheckout(context.Background(), http.DefaultClient, page); err != nil {
		t.Fatalf("checkout page: %v", err)
	}
}

func resultText(res map[string]any) string {
	var b strings.Builder
	content, _ := res["content"].([]any)
	for _, c := range content {
		if m, ok := c.(map[string]any); ok {
			s, _ := m["text"].(string)
			b.WriteString(s)
		}
	}
	return b.String()
}
