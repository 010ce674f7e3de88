package hqclient

import (
	"encoding/json"
	"time"
)

// The typed views below name what callers read; Response.Raw keeps every
// field the service sent, known or not (docs/api.md, "Shapes").

// Object is a JSON object answer the reference describes only in words.
type Object = map[string]any

// AgentAccount is what agent/create yields once both of its shapes are
// reconciled (docs/api.md, "Agent creation").
type AgentAccount struct {
	AccountID string `json:"account_id"`
	PIN       string `json:"pin"`
	Token     string `json:"token"`
	Label     string `json:"label,omitempty"`
}

// Token is the answer of agent/token, login and refresh.
type Token struct {
	Token        string `json:"token"`
	AccountID    string `json:"account_id,omitempty"`
	ExpiresAtRaw string `json:"expires_at,omitempty"`
}

// ExpiresAt is the token's expiry: the service's expires_at, else its claim.
func (t Token) ExpiresAt() time.Time {
	if ts, err := time.Parse(time.RFC3339, t.ExpiresAtRaw); err == nil {
		return ts
	}
	_, exp, _ := TokenClaims(t.Token)
	return exp
}

// Subject is the account the token is for.
func (t Token) Subject() string {
	if t.AccountID != "" {
		return t.AccountID
	}
	sub, _, _ := TokenClaims(t.Token)
	return sub
}

type APIKey struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Status    string   `json:"status,omitempty"`
	APIKey    string   `json:"api_key,omitempty"` // only in create's answer
	Prefix    string   `json:"prefix,omitempty"`
	Last4     string   `json:"last4,omitempty"`
	Scopes    []string `json:"scopes,omitempty"`
	CreatedAt string   `json:"created_at,omitempty"`
}

type Account struct {
	AccountID string `json:"account_id"`
	Type      string `json:"type,omitempty"`
	Label     string `json:"label,omitempty"`
	Email     string `json:"email,omitempty"`
	LinkedAt  string `json:"linked_at,omitempty"`
	CreatedAt string `json:"created_at,omitempty"`
}

// UnmarshalJSON accepts "id" where "account_id" is expected.
func (a *Account) UnmarshalJSON(b []byte) error {
	type plain Account
	var v struct {
		plain
		ID string `json:"id"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*a = Account(v.plain)
	if a.AccountID == "" {
		a.AccountID = v.ID
	}
	return nil
}

// Org is the reference's unnamed Organization.
type Org struct {
	ID             string         `json:"id"`
	Name           string         `json:"name"`
	Description    string         `json:"description,omitempty"`
	BusinessSector string         `json:"business_sector,omitempty"`
	LogoURL        string         `json:"logo_url,omitempty"`
	ColorPalette   map[string]any `json:"color_palette,omitempty"`
	FontFamily     string         `json:"font_family,omitempty"`
	CreatedAt      string         `json:"created_at,omitempty"`
	UpdatedAt      string         `json:"updated_at,omitempty"`
}

// OrgFields is a create or update body. Nil fields are not sent, so an
// update changes only what is set.
type OrgFields struct {
	Name             *string        `json:"name,omitempty"`
	Description      *string        `json:"description,omitempty"`
	BusinessSector   *string        `json:"business_sector,omitempty"`
	LogoURL          *string        `json:"logo_url,omitempty"`
	ColorPalette     map[string]any `json:"color_palette,omitempty"`
	FontFamily       *string        `json:"font_family,omitempty"`
	PrivacyPolicyURL *string        `json:"privacy_policy_url,omitempty"`
	CookiePolicyURL  *string        `json:"cookie_policy_url,omitempty"`
	TermsURL         *string        `json:"terms_url,omitempty"`
	GDPREnabled      *bool          `json:"gdpr_enabled,omitempty"`
	DefaultLanguage  *string        `json:"default_language,omitempty"`
	Tracking         map[string]any `json:"tracking,omitempty"`
	PrivacyPolicyMD  *string        `json:"privacy_policy_md,omitempty"`
	TermsMD          *string        `json:"terms_md,omitempty"`
	CookiePolicyMD   *string        `json:"cookie_policy_md,omitempty"`
}

// Ptr is shorthand for optional fields: OrgFields{Name: hqclient.Ptr("Acme")}.
func Ptr[T any](v T) *T { return &v }

type Webhook struct {
	ID          string `json:"id"`
	URL         string `json:"url"`
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
	Secret      string `json:"secret,omitempty"` // only in register's answer
	CreatedAt   string `json:"created_at,omitempty"`
}

type WebhookRequest struct {
	URL         string `json:"url"`
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
}

type Balance struct {
	BalanceCents     int64  `json:"balance_cents"`
	BalanceDisplay   string `json:"balance_display"`
	HasPaymentMethod bool   `json:"has_payment_method"`
	// PaymentMethodID is not in the reference; the sandbox sends it, and
	// AwaitPaymentMethod uses it when it is there (docs/api.md, "Checkout
	// completion").
	PaymentMethodID string `json:"payment_method_id,omitempty"`
}

type TopUpResult struct {
	NewBalanceCents   int64  `json:"new_balance_cents"`
	NewBalanceDisplay string `json:"new_balance_display"`
}

type SetupPayment struct {
	URL string `json:"url"`
	// SessionID is not in the reference (the sandbox sends it): a waiter
	// binds to the URL when it is missing.
	SessionID string `json:"session_id,omitempty"`
}

type BillingEvent struct {
	ID                string `json:"id"`
	Type              string `json:"type"`
	AmountCents       int64  `json:"amount_cents"`
	BalanceAfterCents int64  `json:"balance_after_cents"`
	Description       string `json:"description,omitempty"`
	CreatedAt         string `json:"created_at,omitempty"`
}

// Import job statuses.
const (
	ImportQueued               = "queued"
	ImportProcessing           = "processing"
	ImportAwaitingConfirmation = "awaiting_confirmation"
	ImportCompleted            = "completed"
	ImportFailed               = "failed"
)

// ImportJob is the reference's unnamed ImportJob.
type ImportJob struct {
	ID         string         `json:"id"`
	Domain     string         `json:"domain"`
	Status     string         `json:"status"`
	AutoAccept bool           `json:"auto_accept"`
	Brand      map[string]any `json:"brand,omitempty"`
	OrgID      string         `json:"org_id,omitempty"`
	Error      string         `json:"error,omitempty"`
}

// UnmarshalJSON accepts "job_id" where "id" is expected.
func (j *ImportJob) UnmarshalJSON(b []byte) error {
	type plain ImportJob
	var v struct {
		plain
		JobID string `json:"job_id"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*j = ImportJob(v.plain)
	if j.ID == "" {
		j.ID = v.JobID
	}
	return nil
}

// Done reports whether the job has stopped moving on its own.
func (j ImportJob) Done() bool {
	switch j.Status {
	case ImportAwaitingConfirmation, ImportCompleted, ImportFailed:
		return true
	}
	return false
}

type ImportRequest struct {
	Domain     string `json:"domain"`
	AutoAccept bool   `json:"auto_accept,omitempty"`
}
