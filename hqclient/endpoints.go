package hqclient

import (
	"context"
	"net/http"
)

// One method per endpoint of the reference, in its order. The auth column of
// each request is docs/api.md, "Credentials": the JWT for /hq/account/* and /hq/billing/*,
// the API key for the rest.

// ListKeys: GET /hq/account/keys
func (c *Client) ListKeys(ctx context.Context) (*Response[[]APIKey], error) {
	return call[[]APIKey](ctx, c, request{http.MethodGet, "/hq/account/keys", authJWT, nil})
}

type CreateKeyRequest struct {
	Name   string   `json:"name"`
	Scopes []string `json:"scopes,omitempty"`
}

// CreateKey: POST /hq/account/create/key. The answer holds the full key, once.
func (c *Client) CreateKey(ctx context.Context, in CreateKeyRequest) (*Response[APIKey], error) {
	return call[APIKey](ctx, c, request{http.MethodPost, "/hq/account/create/key", authJWT, in})
}

// RevokeKey: DELETE /hq/account/delete/key/{id}
func (c *Client) RevokeKey(ctx context.Context, id string) (*Response[Object], error) {
	return callAt[Object](ctx, c, http.MethodDelete, authJWT, nil, "/hq/account/delete/key/", id)
}

type EmailPassword struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// Register: POST /hq/account/register (a verification email follows).
func (c *Client) Register(ctx context.Context, in EmailPassword) (*Response[Object], error) {
	return call[Object](ctx, c, request{http.MethodPost, "/hq/account/register", authNone, in})
}

// Login: POST /hq/account/login. The refresh cookie stays in this client's jar.
func (c *Client) Login(ctx context.Context, in EmailPassword) (*Response[Token], error) {
	return call[Token](ctx, c, request{http.MethodPost, "/hq/account/login", authNone, in})
}

// Refresh: POST /hq/account/refresh, with the cookie from Login.
func (c *Client) Refresh(ctx context.Context) (*Response[Token], error) {
	return call[Token](ctx, c, request{http.MethodPost, "/hq/account/refresh", authNone, nil})
}

// LinkAgent: POST /hq/account/link-agent (a human links an agent by its PIN).
func (c *Client) LinkAgent(ctx context.Context, pin string) (*Response[Object], error) {
	return call[Object](ctx, c, request{http.MethodPost, "/hq/account/link-agent", authJWT, map[string]string{"pin": pin}})
}

// AcceptAgentLink: POST /hq/account/link-agent/accept (the token from the link email).
func (c *Client) AcceptAgentLink(ctx context.Context, token string) (*Response[Object], error) {
	return call[Object](ctx, c, request{http.MethodPost, "/hq/account/link-agent/accept", authJWT, map[string]string{"token": token}})
}

// ListAgents: GET /hq/account/agents
func (c *Client) ListAgents(ctx context.Context) (*Response[[]Account], error) {
	return call[[]Account](ctx, c, request{http.MethodGet, "/hq/account/agents", authJWT, nil})
}

// AgentBalance: GET /hq/account/agent/{agent_id}/balance
func (c *Client) AgentBalance(ctx context.Context, agentID string) (*Response[Balance], error) {
	return callAt[Balance](ctx, c, http.MethodGet, authJWT, nil, "/hq/account/agent/", agentID, "/balance")
}

// AgentUsage: GET /hq/account/agent/{agent_id}/usage
func (c *Client) AgentUsage(ctx context.Context, agentID string) (*Response[Object], error) {
	return callAt[Object](ctx, c, http.MethodGet, authJWT, nil, "/hq/account/agent/", agentID, "/usage")
}

// SendLinkEmail: POST /hq/account/agent/send-link-email
func (c *Client) SendLinkEmail(ctx context.Context, email string) (*Response[Object], error) {
	return call[Object](ctx, c, request{http.MethodPost, "/hq/account/agent/send-link-email", authJWT, map[string]string{"email": email}})
}

// ListOrgs: GET /hq/orgs
func (c *Client) ListOrgs(ctx context.Context) (*Response[[]Org], error) {
	return call[[]Org](ctx, c, request{http.MethodGet, "/hq/orgs", authAPIKey, nil})
}

// CreateOrg: POST /hq/orgs
func (c *Client) CreateOrg(ctx context.Context, in OrgFields) (*Response[Org], error) {
	return call[Org](ctx, c, request{http.MethodPost, "/hq/orgs", authAPIKey, in})
}

// GetOrg: GET /hq/orgs/{id}
func (c *Client) GetOrg(ctx context.Context, id string) (*Response[Org], error) {
	return callAt[Org](ctx, c, http.MethodGet, authAPIKey, nil, "/hq/orgs/", id)
}

// UpdateOrg: PATCH /hq/orgs/{id}; only the fields set in in are sent.
func (c *Client) UpdateOrg(ctx context.Context, id string, in OrgFields) (*Response[Org], error) {
	return callAt[Org](ctx, c, http.MethodPatch, authAPIKey, in, "/hq/orgs/", id)
}

// DeleteOrg: DELETE /hq/orgs/{id}
func (c *Client) DeleteOrg(ctx context.Context, id string) (*Response[Object], error) {
	return callAt[Object](ctx, c, http.MethodDelete, authAPIKey, nil, "/hq/orgs/", id)
}

// CreateWebhook: POST /hq/orgs/{id}/webhooks. The answer holds the signing secret.
func (c *Client) CreateWebhook(ctx context.Context, orgID string, in WebhookRequest) (*Response[Webhook], error) {
	return callAt[Webhook](ctx, c, http.MethodPost, authAPIKey, in, "/hq/orgs/", orgID, "/webhooks")
}

// ListWebhooks: GET /hq/orgs/{id}/webhooks
func (c *Client) ListWebhooks(ctx context.Context, orgID string) (*Response[[]Webhook], error) {
	return callAt[[]Webhook](ctx, c, http.MethodGet, authAPIKey, nil, "/hq/orgs/", orgID, "/webhooks")
}

// DeleteWebhook: DELETE /hq/orgs/{id}/webhooks/{webhook_id}
func (c *Client) DeleteWebhook(ctx context.Context, orgID, webhookID string) (*Response[Object], error) {
	return callAt[Object](ctx, c, http.MethodDelete, authAPIKey, nil, "/hq/orgs/", orgID, "/webhooks/", webhookID)
}

// CreateAgent: POST /hq/account/agent/create. Both documented shapes work
// (docs/api.md, "Agent creation"): without a token in the answer the PIN is exchanged for one;
// without an account id it is read from the token. If that exchange fails,
// the answer comes back with the error, so the caller still has the PIN.
func (c *Client) CreateAgent(ctx context.Context, label string) (*Response[AgentAccount], error) {
	var body any
	if label != "" {
		body = map[string]string{"label": label}
	}
	r, err := call[AgentAccount](ctx, c, request{http.MethodPost, "/hq/account/agent/create", authNone, body})
	if err != nil {
		return nil, err
	}
	if r.Data.PIN == "" {
		return nil, &Error{Status: r.Status, Code: CodeBadResponse, Method: http.MethodPost, Path: "/hq/account/agent/create",
			RequestID: r.RequestID, Message: "agent/create answered without a PIN"}
	}
	if r.Data.Token == "" {
		// The account exists now: a failure here must still hand the PIN back.
		tok, err := c.AgentToken(ctx, r.Data.PIN)
		if err != nil {
			return r, err
		}
		r.Data.Token = tok.Data.Token
		if r.Data.AccountID == "" {
			r.Data.AccountID = tok.Data.AccountID
		}
	}
	if r.Data.AccountID == "" {
		r.Data.AccountID, _, _ = TokenClaims(r.Data.Token)
	}
	return r, nil
}

// AgentToken: POST /hq/account/agent/token (PIN → short-lived JWT).
func (c *Client) AgentToken(ctx context.Context, pin string) (*Response[Token], error) {
	r, err := call[Token](ctx, c, request{http.MethodPost, "/hq/account/agent/token", authNone, map[string]string{"pin": pin}})
	if err == nil && r.Data.AccountID == "" {
		r.Data.AccountID = r.Data.Subject()
	}
	return r, err
}

// TopUp: POST /hq/billing/topup
func (c *Client) TopUp(ctx context.Context, amountCents int64) (*Response[TopUpResult], error) {
	return call[TopUpResult](ctx, c, request{http.MethodPost, "/hq/billing/topup", authJWT, map[string]int64{"amount_cents": amountCents}})
}

// Balance: GET /hq/billing/balance
func (c *Client) Balance(ctx context.Context) (*Response[Balance], error) {
	return call[Balance](ctx, c, request{http.MethodGet, "/hq/billing/balance", authJWT, nil})
}

// SetupPayment: POST /hq/billing/setup-payment (the envelope is removed).
// The checkout URL is checked (CheckoutURL): a human is sent there.
func (c *Client) SetupPayment(ctx context.Context) (*Response[SetupPayment], error) {
	r, err := call[SetupPayment](ctx, c, request{http.MethodPost, "/hq/billing/setup-payment", authJWT, nil})
	if err == nil {
		err = c.checkCheckoutURL(r.Data.URL)
	}
	return r, err
}

// ConfirmPaymentSetup: POST /hq/billing/setup-payment/confirm
func (c *Client) ConfirmPaymentSetup(ctx context.Context, paymentMethodID string) (*Response[Object], error) {
	return call[Object](ctx, c, request{http.MethodPost, "/hq/billing/setup-payment/confirm", authJWT,
		map[string]string{"payment_method_id": paymentMethodID}})
}

// BillingHistory: GET /hq/billing/history, newest first.
func (c *Client) BillingHistory(ctx context.Context) (*Response[[]BillingEvent], error) {
	return call[[]BillingEvent](ctx, c, request{http.MethodGet, "/hq/billing/history", authJWT, nil})
}

// ImportBrand: POST /hq/org-imports (asynchronous; poll GetImport).
func (c *Client) ImportBrand(ctx context.Context, in ImportRequest) (*Response[ImportJob], error) {
	return call[ImportJob](ctx, c, request{http.MethodPost, "/hq/org-imports", authAPIKey, in})
}

// GetImport: GET /hq/org-imports/{job_id}
func (c *Client) GetImport(ctx context.Context, jobID string) (*Response[ImportJob], error) {
	return callAt[ImportJob](ctx, c, http.MethodGet, authAPIKey, nil, "/hq/org-imports/", jobID)
}

// ConfirmImport: POST /hq/org-imports/{job_id}/confirm, with optional overrides.
func (c *Client) ConfirmImport(ctx context.Context, jobID string, overrides OrgFields) (*Response[Org], error) {
	return callAt[Org](ctx, c, http.MethodPost, authAPIKey, overrides, "/hq/org-imports/", jobID, "/confirm")
}
