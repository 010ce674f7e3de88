package hqclient_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/myapihq/myapihq-mcp/hqclient"
	"github.com/myapihq/myapihq-mcp/sandbox"
)

// Every endpoint of the reference: its happy path and its main error,
// against the sandbox. The comment on each block names the endpoints.

func TestAgentEndpoints(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{TokenTTL: time.Minute})
	ctx := context.Background()
	anon := e.client(nil)

	// POST /hq/account/agent/create
	a, err := anon.CreateAgent(ctx, "lbl")
	if err != nil || a.Status != http.StatusCreated || a.Data.Label != "lbl" {
		t.Fatalf("create: %+v %v", a, err)
	}
	if sub, exp, ok := hqclient.TokenClaims(a.Data.Token); !ok || sub != a.Data.AccountID || !exp.Equal(e.clock.Now().Add(time.Minute)) {
		t.Fatalf("claims: %v %v %v", sub, exp, ok)
	}
	_, err = anon.CreateAgent(ctx, strings.Repeat("x", 101))
	wantErr(t, err, 400, "invalid_field")

	// POST /hq/account/agent/token
	tok, err := anon.AgentToken(ctx, a.Data.PIN)
	if err != nil || tok.Data.Token == "" || tok.Data.AccountID != a.Data.AccountID || tok.Data.ExpiresAt().IsZero() {
		t.Fatalf("token: %+v %v", tok, err)
	}
	_, err = anon.AgentToken(ctx, "not-the-pin")
	wantErr(t, err, 401, "invalid_pin")

	// POST /hq/account/agent/send-link-email
	agent := e.client(hqclient.NewStaticCredentials(hqclient.Secrets{Token: a.Data.Token}))
	if _, err := agent.SendLinkEmail(ctx, "owner@example.com"); err != nil {
		t.Fatal(err)
	}
	if m := e.outbox("owner@example.com"); len(m) != 1 || m[0].Kind != "link" || m[0].Token == "" {
		t.Fatalf("outbox: %+v", m)
	}
	_, err = agent.SendLinkEmail(ctx, "not-an-email")
	wantErr(t, err, 400, "invalid_email")
}

func TestKeyEndpoints(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	ctx := context.Background()
	c, _, _ := e.agent("keys")

	// POST /hq/account/create/key
	k, err := c.CreateKey(ctx, hqclient.CreateKeyRequest{Name: "second", Scopes: []string{"orgs:read"}})
	if err != nil || !strings.HasPrefix(k.Data.APIKey, "hq_live_") || len(k.Data.APIKey) < 8+32 || k.Data.ID == "" {
		t.Fatalf("create key: %+v %v", k, err)
	}
	_, err = c.CreateKey(ctx, hqclient.CreateKeyRequest{})
	wantErr(t, err, 400, "missing_field")

	// GET /hq/account/keys: never a full key.
	list, err := c.ListKeys(ctx)
	if err != nil || len(list.Data) != 2 {
		t.Fatalf("list: %+v %v", list, err)
	}
	if bytes.Contains(list.Raw, []byte(k.Data.APIKey)) || list.Data[1].Last4 != k.Data.APIKey[len(k.Data.APIKey)-4:] {
		t.Fatalf("list shows the key or not its last 4: %s", list.Raw)
	}
	jwtless := e.client(hqclient.NewStaticCredentials(hqclient.Secrets{Token: "not.a.jwt"}))
	_, err = jwtless.ListKeys(ctx)
	wantErr(t, err, 401, "invalid_token")

	// DELETE /hq/account/delete/key/{id}: the revoked key is refused from then on.
	revoked := e.client(hqclient.NewStaticCredentials(hqclient.Secrets{APIKey: k.Data.APIKey}))
	if _, err := revoked.ListOrgs(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RevokeKey(ctx, k.Data.ID); err != nil {
		t.Fatal(err)
	}
	_, err = revoked.ListOrgs(ctx)
	wantErr(t, err, 401, "invalid_api_key")
	_, err = c.RevokeKey(ctx, "key_nope")
	wantErr(t, err, 404, "key_not_found")
	if list, _ := c.ListKeys(ctx); len(list.Data) != 1 {
		t.Fatalf("revoked key still listed: %s", list.Raw)
	}
}

func TestHumanEndpoints(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	ctx := context.Background()
	anon := e.client(nil)

	// POST /hq/account/register
	_, err := anon.Register(ctx, hqclient.EmailPassword{Email: "bad", Password: "long enough"})
	wantErr(t, err, 400, "invalid_email")
	_, err = anon.Register(ctx, hqclient.EmailPassword{Email: "ada@example.com", Password: "short"})
	wantErr(t, err, 400, "weak_password")
	if _, err := anon.Register(ctx, hqclient.EmailPassword{Email: "ada@example.com", Password: "correct horse"}); err != nil {
		t.Fatal(err)
	}
	_, err = anon.Register(ctx, hqclient.EmailPassword{Email: "ada@example.com", Password: "correct horse"})
	wantErr(t, err, 409, "email_taken")

	// POST /hq/account/login: refused until verified, then a token and a cookie.
	_, err = anon.Login(ctx, hqclient.EmailPassword{Email: "ada@example.com", Password: "correct horse"})
	wantErr(t, err, 403, "email_not_verified")
	human, _ := e.human("grace@example.com")
	_, err = human.Login(ctx, hqclient.EmailPassword{Email: "grace@example.com", Password: "wrong password"})
	wantErr(t, err, 401, "invalid_login")

	// POST /hq/account/refresh: the jar's cookie; a fresh client has none.
	r1, err := human.Refresh(ctx)
	if err != nil || r1.Data.Token == "" {
		t.Fatalf("refresh: %+v %v", r1, err)
	}
	if _, err := human.Refresh(ctx); err != nil { // the rotated cookie works too
		t.Fatal(err)
	}
	_, err = anon.Refresh(ctx)
	wantErr(t, err, 401, "missing_refresh_token")

	// POST /hq/account/link-agent
	_, acreds, agent := e.agent("linked")
	if _, err := human.LinkAgent(ctx, agent.PIN); err != nil {
		t.Fatal(err)
	}
	_, err = human.LinkAgent(ctx, "wrong-pin")
	wantErr(t, err, 404, "agent_not_found")
	other, _ := e.human("other@example.com")
	_, err = other.LinkAgent(ctx, agent.PIN)
	wantErr(t, err, 409, "agent_already_linked")
	agentClient := e.client(acreds)
	_, err = agentClient.LinkAgent(ctx, agent.PIN)
	wantErr(t, err, 403, "human_only")

	// GET /hq/account/agents
	agents, err := human.ListAgents(ctx)
	if err != nil || len(agents.Data) != 1 || agents.Data[0].AccountID != agent.AccountID || agents.Data[0].LinkedAt == "" {
		t.Fatalf("agents: %+v %v", agents, err)
	}
	_, err = agentClient.ListAgents(ctx)
	wantErr(t, err, 403, "human_only")

	// GET /hq/account/agent/{id}/balance and /usage: only for linked agents.
	e.fund(agentClient, 500)
	bal, err := human.AgentBalance(ctx, agent.AccountID)
	if err != nil || bal.Data.BalanceCents != 500 || !bal.Data.HasPaymentMethod {
		t.Fatalf("agent balance: %+v %v", bal, err)
	}
	_, err = other.AgentBalance(ctx, agent.AccountID)
	wantErr(t, err, 403, "agent_not_linked")
	usage, err := human.AgentUsage(ctx, agent.AccountID)
	if err != nil || usage.Data["topups_cents"] != float64(500) || usage.Data["api_keys_active"] != float64(1) {
		t.Fatalf("usage: %+v %v", usage, err)
	}
	_, err = other.AgentUsage(ctx, agent.AccountID)
	wantErr(t, err, 403, "agent_not_linked")

	// POST /hq/account/link-agent/accept: the mailed token, by the addressee only.
	_, a2creds, agent2 := e.agent("by-email")
	if _, err := e.client(a2creds).SendLinkEmail(ctx, "grace@example.com"); err != nil {
		t.Fatal(err)
	}
	token := e.outbox("grace@example.com")[0].Token
	_, err = other.AcceptAgentLink(ctx, token)
	wantErr(t, err, 403, "link_for_other_email")
	_, err = human.AcceptAgentLink(ctx, "nope")
	wantErr(t, err, 404, "link_not_found")
	if _, err := human.AcceptAgentLink(ctx, token); err != nil {
		t.Fatal(err)
	}
	if agents, _ := human.ListAgents(ctx); len(agents.Data) != 2 || agents.Data[1].AccountID != agent2.AccountID {
		t.Fatalf("after accept: %s", agents.Raw)
	}
}

func TestOrgAndWebhookEndpoints(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	ctx := context.Background()
	c, _, _ := e.agent("orgs")
	stranger, _, _ := e.agent("stranger")

	// POST /hq/orgs
	o, err := c.CreateOrg(ctx, hqclient.OrgFields{Name: hqclient.Ptr("Acme"), DefaultLanguage: hqclient.Ptr("en"),
		ColorPalette: map[string]any{"primary": "#112233"}, Tracking: map[string]any{"ga": "G-1"}})
	if err != nil || o.Data.ColorPalette["primary"] != "#112233" {
		t.Fatalf("create: %+v %v", o, err)
	}
	_, err = c.CreateOrg(ctx, hqclient.OrgFields{Name: hqclient.Ptr("X"), TermsURL: hqclient.Ptr("ftp://nope")})
	wantErr(t, err, 400, "invalid_field")
	_, err = c.CreateOrg(ctx, hqclient.OrgFields{Description: hqclient.Ptr("no name")})
	wantErr(t, err, 400, "missing_field")

	// GET /hq/orgs, GET /hq/orgs/{id}: scoped to the workspace.
	if list, err := c.ListOrgs(ctx); err != nil || len(list.Data) != 1 {
		t.Fatalf("list: %+v %v", list, err)
	}
	if list, _ := stranger.ListOrgs(ctx); len(list.Data) != 0 {
		t.Fatalf("stranger sees orgs: %s", list.Raw)
	}
	if g, err := c.GetOrg(ctx, o.Data.ID); err != nil || g.Data.Name != "Acme" {
		t.Fatalf("get: %+v %v", g, err)
	}
	_, err = stranger.GetOrg(ctx, o.Data.ID)
	wantErr(t, err, 404, "org_not_found")

	// PATCH /hq/orgs/{id}: only what is sent changes.
	u, err := c.UpdateOrg(ctx, o.Data.ID, hqclient.OrgFields{GDPREnabled: hqclient.Ptr(false)})
	if err != nil || u.Data.Name != "Acme" || !bytes.Contains(u.Raw, []byte(`"gdpr_enabled":false`)) || !bytes.Contains(u.Raw, []byte(`"ga":"G-1"`)) {
		t.Fatalf("patch: %s %v", u.Raw, err)
	}
	_, err = c.UpdateOrg(ctx, o.Data.ID, hqclient.OrgFields{})
	wantErr(t, err, 400, "nothing_to_update")
	_, err = stranger.UpdateOrg(ctx, o.Data.ID, hqclient.OrgFields{Name: hqclient.Ptr("Mine")})
	wantErr(t, err, 404, "org_not_found")

	// POST/GET/DELETE /hq/orgs/{id}/webhooks
	wh, err := c.CreateWebhook(ctx, o.Data.ID, hqclient.WebhookRequest{URL: "https://hooks.example.com/x", Name: "n", Description: "d"})
	if err != nil || !strings.HasPrefix(wh.Data.Secret, "whsec_") {
		t.Fatalf("webhook: %+v %v", wh, err)
	}
	_, err = c.CreateWebhook(ctx, o.Data.ID, hqclient.WebhookRequest{URL: "javascript:alert(1)"})
	wantErr(t, err, 400, "invalid_field")
	whs, err := c.ListWebhooks(ctx, o.Data.ID)
	if err != nil || len(whs.Data) != 1 || whs.Data[0].Secret != "" || whs.Data[0].Name != "n" {
		t.Fatalf("list webhooks: %s %v", whs.Raw, err)
	}
	_, err = c.ListWebhooks(ctx, "org_missing")
	wantErr(t, err, 404, "org_not_found")
	if _, err := c.DeleteWebhook(ctx, o.Data.ID, wh.Data.ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteWebhook(ctx, o.Data.ID, wh.Data.ID)
	wantErr(t, err, 404, "webhook_not_found")

	// DELETE /hq/orgs/{id}: gone with its webhooks.
	if _, err := c.CreateWebhook(ctx, o.Data.ID, hqclient.WebhookRequest{URL: "https://hooks.example.com/y"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteOrg(ctx, o.Data.ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetOrg(ctx, o.Data.ID)
	wantErr(t, err, 404, "org_not_found")
	_, err = stranger.DeleteOrg(ctx, o.Data.ID)
	wantErr(t, err, 404, "org_not_found")
	if l := e.ledger(); l["webhooks"] != 0 || l["orgs"] != 0 {
		t.Fatalf("ledger after delete: %v", l)
	}
}

func TestBillingEndpoints(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	ctx := context.Background()
	c, _, _ := e.agent("billing")

	// GET /hq/billing/balance
	b, err := c.Balance(ctx)
	if err != nil || b.Data.BalanceCents != 0 || b.Data.HasPaymentMethod || b.Data.BalanceDisplay != "$0.00" {
		t.Fatalf("balance: %+v %v", b, err)
	}
	_, err = e.client(nil).Balance(ctx)
	if he, ok := hqclient.AsError(err); !ok || he.Code != hqclient.CodeNoToken || he.Status != 0 {
		t.Fatalf("no credentials: %v", err)
	}

	// POST /hq/billing/topup: a card first, and the amount in range.
	_, err = c.TopUp(ctx, 500)
	wantErr(t, err, 402, "payment_method_required")

	// POST /hq/billing/setup-payment (enveloped) and its confirm.
	s, err := c.SetupPayment(ctx)
	if err != nil || !strings.Contains(s.Data.URL, "/_sandbox/checkout/cs_") {
		t.Fatalf("setup: %+v %v", s, err)
	}
	_, err = c.ConfirmPaymentSetup(ctx, "card_123")
	wantErr(t, err, 400, "invalid_payment_method")
	if _, err := c.ConfirmPaymentSetup(ctx, "pm_card_visa"); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []int64{0, -5, 1_000_001} {
		_, err = c.TopUp(ctx, bad)
		wantErr(t, err, 400, "invalid_amount")
	}
	for _, amt := range []int64{1, 1_000_000} {
		if _, err := c.TopUp(ctx, amt); err != nil {
			t.Fatal(err)
		}
	}

	// GET /hq/billing/history: newest first, balances chained.
	h, err := c.BillingHistory(ctx)
	if err != nil || len(h.Data) != 2 || h.Data[0].AmountCents != 1_000_000 || h.Data[0].BalanceAfterCents != 1_000_001 {
		t.Fatalf("history: %s %v", h.Raw, err)
	}
	expired := e.client(hqclient.NewStaticCredentials(hqclient.Secrets{Token: "eyJ.eyJ.sig"}))
	_, err = expired.BillingHistory(ctx)
	wantErr(t, err, 401, "invalid_token")
}

func TestImportEndpoints(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{ImportDelay: time.Second, ImportPriceCents: 25})
	ctx := context.Background()
	c, _, _ := e.agent("imports")

	// POST /hq/org-imports: charged on creation, so a short balance is 402.
	_, err := c.ImportBrand(ctx, hqclient.ImportRequest{Domain: "acme.com"})
	wantErr(t, err, 402, "insufficient_balance")
	e.fund(c, 100)
	for _, bad := range []string{"https://acme.com", "acme", "acme.com/path", "-x.com", ""} {
		_, err = c.ImportBrand(ctx, hqclient.ImportRequest{Domain: bad})
		if he, ok := hqclient.AsError(err); !ok || he.Status != 400 {
			t.Fatalf("domain %q: %v", bad, err)
		}
	}
	job, err := c.ImportBrand(ctx, hqclient.ImportRequest{Domain: "Acme-Tools.com."})
	if err != nil || job.Status != http.StatusAccepted || job.Data.Status != "queued" || job.Data.Domain != "acme-tools.com" {
		t.Fatalf("import: %+v %v", job, err)
	}

	// POST /hq/org-imports/{id}/confirm: only once awaiting.
	_, err = c.ConfirmImport(ctx, job.Data.ID, hqclient.OrgFields{})
	he := wantErr(t, err, 409, "import_not_awaiting")
	if he.Retryable || he.Attempts != 1 {
		t.Fatalf("a final conflict was retried: %+v", he)
	}

	// GET /hq/org-imports/{id}
	e.clock.Advance(2 * time.Second)
	got, err := c.GetImport(ctx, job.Data.ID)
	if err != nil || got.Data.Status != "awaiting_confirmation" || got.Data.Brand["name"] != "Acme Tools" {
		t.Fatalf("get: %+v %v", got, err)
	}
	_, err = c.GetImport(ctx, "imp_missing")
	wantErr(t, err, 404, "import_not_found")
	if _, err := c.ConfirmImport(ctx, job.Data.ID, hqclient.OrgFields{}); err != nil {
		t.Fatal(err)
	}

	// auto_accept makes the org itself; a .invalid domain fails and is refunded.
	auto, _ := c.ImportBrand(ctx, hqclient.ImportRequest{Domain: "auto.example.org", AutoAccept: true})
	bad, _ := c.ImportBrand(ctx, hqclient.ImportRequest{Domain: "nowhere.invalid"})
	e.clock.Advance(2 * time.Second)
	if got, _ := c.GetImport(ctx, auto.Data.ID); got.Data.Status != "completed" || got.Data.OrgID == "" {
		t.Fatalf("auto: %s", got.Raw)
	}
	if got, _ := c.GetImport(ctx, bad.Data.ID); got.Data.Status != "failed" || !strings.Contains(got.Data.Error, "no such host") {
		t.Fatalf("failed: %s", got.Raw)
	}
	if orgs, _ := c.ListOrgs(ctx); len(orgs.Data) != 2 {
		t.Fatalf("orgs: %s", orgs.Raw)
	}
	if b, _ := c.Balance(ctx); b.Data.BalanceCents != 100-25-25 {
		t.Fatalf("balance %d: three imports charged, one refunded", b.Data.BalanceCents)
	}
}
