package humantest

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/myapihq/myapihq-mcp/hqclient"
	"github.com/myapihq/myapihq-mcp/sandbox"
)

var _ client.ElicitationHandler = (*Human)(nil)

func agent(t *testing.T) (*hqclient.Client, string) {
	t.Helper()
	sb, err := sandbox.New(sandbox.Options{PasswordIterations: 1000})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb)
	t.Cleanup(func() { srv.Close(); sb.Close() })
	creds := hqclient.NewStaticCredentials(hqclient.Secrets{})
	c, err := hqclient.New(hqclient.Options{BaseURL: srv.URL, Credentials: creds})
	if err != nil {
		t.Fatal(err)
	}
	a, err := c.CreateAgent(context.Background(), "human test")
	if err != nil {
		t.Fatal(err)
	}
	creds.Update(func(s *hqclient.Secrets) { s.AccountID, s.PIN, s.Token = a.Data.AccountID, a.Data.PIN, a.Data.Token })
	setup, err := c.SetupPayment(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c, setup.Data.URL
}

func urlRequest(u string) mcp.ElicitationRequest {
	return mcp.ElicitationRequest{Params: mcp.ElicitationParams{Mode: mcp.ElicitationModeURL, URL: u,
		ElicitationID: "ck1.test", Message: "Save a card"}}
}

// TestHumanCompletesCheckout: accepting a URL elicitation completes the
// sandbox checkout, and the account then has a card.
func TestHumanCompletesCheckout(t *testing.T) {
	t.Parallel()
	c, checkout := agent(t)
	h := &Human{}
	res, err := h.Elicit(context.Background(), urlRequest(checkout))
	if err != nil || res.Action != mcp.ElicitationResponseActionAccept {
		t.Fatalf("%+v, %v", res, err)
	}
	if err := h.Wait(); err != nil {
		t.Fatal(err)
	}
	bal, err := c.Balance(context.Background())
	if err != nil || !bal.Data.HasPaymentMethod {
		t.Fatalf("after the checkout: %+v, %v", bal, err)
	}
	if seen := h.Seen(); len(seen) != 1 || seen[0].URL != checkout {
		t.Fatalf("seen: %+v", seen)
	}
}

// TestHumanDeclines: nothing is opened, nothing saved.
func TestHumanDeclines(t *testing.T) {
	t.Parallel()
	c, checkout := agent(t)
	h := &Human{Decline: true}
	res, err := h.Elicit(context.Background(), urlRequest(checkout))
	if err != nil || res.Action != mcp.ElicitationResponseActionDecline {
		t.Fatalf("%+v, %v", res, err)
	}
	if err := h.Wait(); err != nil {
		t.Fatal(err)
	}
	if bal, _ := c.Balance(context.Background()); bal.Data.HasPaymentMethod {
		t.Fatal("a declined checkout saved a card")
	}
}

func TestHumanOpensLoopbackOnly(t *testing.T) {
	t.Parallel()
	h := &Human{}
	for _, u := range []string{"https://evil.example/checkout", "http://10.0.0.1/x", "javascript:alert(1)"} {
		if _, err := h.Elicit(context.Background(), urlRequest(u)); err == nil {
			t.Errorf("opened %s", u)
		}
	}
	res, err := h.Elicit(context.Background(), mcp.ElicitationRequest{Params: mcp.ElicitationParams{Message: "Charge $5?"}})
	if err != nil || res.Action != mcp.ElicitationResponseActionAccept || res.Content.(map[string]any)["confirm"] != true {
		t.Fatalf("form question: %+v, %v", res, err)
	}
}
