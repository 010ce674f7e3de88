package hqclient_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/myapihq/myapihq-mcp/hqclient"
	"github.com/myapihq/myapihq-mcp/sandbox"
)

// TestOnboardingStory is the whole first session of an agent, end to end.
func TestOnboardingStory(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{ImportDelay: time.Second, AllowPrivateWebhooks: true})
	ctx := context.Background()

	// A receiver for the org's webhook, checking each signature as a user's would.
	type got struct {
		event string
		body  map[string]any
	}
	var mu sync.Mutex
	var received []got
	var secret string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if r.Header.Get(sandbox.SignatureHeader) != sandbox.Sign(secret, body) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var m map[string]any
		json.Unmarshal(body, &m)
		received = append(received, got{r.Header.Get("X-MyAPIHQ-Event"), m})
	}))
	defer hook.Close()

	// 1-2. Agent account, then a permanent API key.
	c, _, agent := e.agent("story-agent")
	if agent.AccountID == "" || len(agent.PIN) < 26 || agent.Token == "" {
		t.Fatalf("agent: %+v", agent)
	}

	// 3. An organization.
	org, err := c.CreateOrg(ctx, hqclient.OrgFields{Name: hqclient.Ptr("Story Co"), GDPREnabled: hqclient.Ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	if org.Status != http.StatusCreated || org.Data.ID == "" || org.Data.Name != "Story Co" {
		t.Fatalf("org: %+v", org)
	}

	// 4. A webhook, then an update: a signed delivery arrives.
	wh, err := c.CreateWebhook(ctx, org.Data.ID, hqclient.WebhookRequest{URL: hook.URL, Name: "ci"})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	secret = wh.Data.Secret
	mu.Unlock()
	if _, err := c.UpdateOrg(ctx, org.Data.ID, hqclient.OrgFields{Description: hqclient.Ptr("Now with webhooks")}); err != nil {
		t.Fatal(err)
	}
	fctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := e.sb.FlushWebhooks(fctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if len(received) != 1 || received[0].event != "organization.updated" {
		t.Fatalf("deliveries: %+v", received)
	}
	data := received[0].body["data"].(map[string]any)
	if data["changed_fields"].([]any)[0] != "description" || data["organization"].(map[string]any)["gdpr_enabled"] != true {
		t.Fatalf("event data: %+v", data)
	}
	mu.Unlock()

	// 5. Payment method through the hosted checkout page, as a human would.
	setup, err := c.SetupPayment(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := sandbox.CompleteCheckout(ctx, http.DefaultClient, setup.Data.URL); err != nil {
		t.Fatalf("checkout: %v", err)
	}

	// 6. Top up.
	top, err := c.TopUp(ctx, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if top.Data.NewBalanceCents != 1000 || top.Data.NewBalanceDisplay != "$10.00" {
		t.Fatalf("top-up: %+v", top.Data)
	}

	// 7. Import a brand; it moves queued → processing → awaiting_confirmation.
	job, err := c.ImportBrand(ctx, hqclient.ImportRequest{Domain: "story-co.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	statuses := []string{job.Data.Status}
	for !job.Data.Done() {
		e.clock.Advance(600 * time.Millisecond)
		if job, err = c.GetImport(ctx, job.Data.ID); err != nil {
			t.Fatal(err)
		}
		if statuses[len(statuses)-1] != job.Data.Status {
			statuses = append(statuses, job.Data.Status)
		}
	}
	if want := []string{"queued", "processing", "awaiting_confirmation"}; !equal(statuses, want) {
		t.Fatalf("statuses %v, want %v", statuses, want)
	}
	if job.Data.Brand["name"] != "Story Co" {
		t.Fatalf("brand: %+v", job.Data.Brand)
	}

	// 8. Confirm with an override: the org exists with it.
	imported, err := c.ConfirmImport(ctx, job.Data.ID, hqclient.OrgFields{FontFamily: hqclient.Ptr("Inter")})
	if err != nil {
		t.Fatal(err)
	}
	orgs, err := c.ListOrgs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(orgs.Data) != 2 || orgs.Data[1].ID != imported.Data.ID || orgs.Data[1].FontFamily != "Inter" {
		t.Fatalf("orgs: %+v", orgs.Data)
	}
	after, err := c.GetImport(ctx, job.Data.ID)
	if err != nil || after.Data.Status != hqclient.ImportCompleted || after.Data.OrgID != imported.Data.ID {
		t.Fatalf("job after confirm: %+v %v", after, err)
	}

	// Balance and history agree to the cent: 1000 in, 25 out.
	bal, err := c.Balance(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hist, err := c.BillingHistory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, ev := range hist.Data {
		sum += ev.AmountCents
	}
	if bal.Data.BalanceCents != 975 || sum != 975 || !bal.Data.HasPaymentMethod || bal.Data.BalanceDisplay != "$9.75" {
		t.Fatalf("balance %+v, history sum %d", bal.Data, sum)
	}
	if len(hist.Data) != 2 || hist.Data[0].Type != "charge" || hist.Data[0].BalanceAfterCents != 975 || hist.Data[1].Type != "topup" {
		t.Fatalf("history (newest first): %+v", hist.Data)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
