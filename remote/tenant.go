// Package remote is the multi-tenant server's own machinery: callers named
// by a hash of their API key, a client per caller, per-caller limits, the
// state replicas share (Redis) and draining. It knows HTTP, hqclient and
// the services door's Secrets (Tenant.ServiceSecrets), not the tools.
package remote

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/myapihq/myapihq-mcp/hqclient"
	"github.com/myapihq/myapihq-mcp/internal/mask"
	"github.com/myapihq/myapihq-mcp/services"
)

// Tenant is the caller of one request: its credentials, which live only as
// long as the request and the per-replica caches below, and the hash that
// names it everywhere else (logs, limits, Redis keys).
type Tenant struct {
	Hash string // hex SHA-256 of the API key
	// Scopes bound an OAuth caller (oauth.ScopeFor each tool); nil for an
	// API key bearer, which may call every tool.
	Scopes      []string
	OAuthClient string // the OAuth client id, for logs ("" for an API key)
	key         string
	pin         string
	client      *hqclient.Client
	creds       *credentials // the client's: it holds the JWT minted from the PIN
}

// Short is the hash prefix logs show.
func (t *Tenant) Short() string { return t.Hash[:12] }

// HasPIN says whether the caller sent a PIN (without showing it).
func (t *Tenant) HasPIN() bool { return t.pin != "" }

// AccountID asks the service whose account the PIN opens ("" without a
// PIN: the HQ API names no account from a key alone).
func (t *Tenant) AccountID(ctx context.Context) (string, error) {
	if t.pin == "" {
		return "", nil
	}
	r, err := t.client.AgentToken(ctx, t.pin)
	if err != nil {
		return "", err
	}
	if r.Data.AccountID != "" {
		return r.Data.AccountID, nil
	}
	sub, _, _ := hqclient.TokenClaims(r.Data.Token)
	return sub, nil
}

// ServiceSecrets is what the services door needs of this caller: the key
// it adds to the caller's own requests, and every credential of the caller
// it masks in answers (the key, the PIN, the JWT minted from it). The raw
// key leaves this package only here.
func (t *Tenant) ServiceSecrets() services.Secrets {
	secrets := []mask.Secret{{Kind: mask.PIN, Value: t.pin}}
	if t.creds != nil {
		secrets = append(secrets, mask.Secret{Kind: mask.Token, Value: t.creds.token()})
	}
	return services.Secrets{APIKey: t.key, Mask: secrets}
}

// Client is this caller's own hqclient: its token cache and its mint are
// never another tenant's.
func (t *Tenant) Client() *hqclient.Client { return t.client }

type tenantKey struct{}

// WithTenant puts t in ctx for the tools.
func WithTenant(ctx context.Context, t *Tenant) context.Context {
	return context.WithValue(ctx, tenantKey{}, t)
}

// TenantFrom is the request's caller, if authenticated.
func TenantFrom(ctx context.Context) (*Tenant, bool) {
	t, ok := ctx.Value(tenantKey{}).(*Tenant)
	return t, ok
}

// Hash names a secret without keeping it.
func Hash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// credentials are one tenant's, for its hqclient: the key and PIN came with
// the request; a minted JWT stays in that client's memory only (and here,
// so that the services door can mask it). Mints are counted against the
// tenant's budget, when there is one.
type credentials struct {
	key, pin string
	kh       string // the key's hash: whose mints
	mints    *Mints
	mu       sync.Mutex
	jwt      string
}

// CodeMintLimited is the hqclient.Error code of a mint over the tenant's
// budget (Mints).
const CodeMintLimited = "mint_limited"

// BeforeMint takes one mint from the tenant's budget.
func (c *credentials) BeforeMint(context.Context) error {
	if c.mints == nil {
		return nil
	}
	if ok, after := c.mints.Allow(c.kh); !ok {
		return &hqclient.Error{Status: http.StatusTooManyRequests, Code: CodeMintLimited, RetryAfter: after,
			Message: "too many agent tokens minted for this API key on this server (is the PIN header changing between requests?)"}
	}
	return nil
}

func (c *credentials) Secrets(context.Context) (hqclient.Secrets, error) {
	return hqclient.Secrets{APIKey: c.key, PIN: c.pin}, nil
}

// SaveToken keeps the last JWT minted for this caller, in memory only.
func (c *credentials) SaveToken(_ context.Context, tok string, _ time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.jwt = tok
	return nil
}

func (c *credentials) token() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.jwt
}

// ErrBadCredentials: no usable API key (absent, malformed or refused).
var ErrBadCredentials = errors.New("a valid MyAPIHQ API key is required: send Authorization: Bearer <API key>")

// FromRequest reads the caller's credentials from the headers. It checks
// form only; Tenants.Resolve asks the service.
func FromRequest(r *http.Request) (key, pin string, err error) {
	key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	key = strings.TrimSpace(key)
	pin = strings.TrimSpace(r.Header.Get("X-MyAPIHQ-Agent-PIN"))
	if !ok || !printable(key, 512) || (pin != "" && !printable(pin, 256)) {
		return "", "", ErrBadCredentials
	}
	return key, pin, nil
}

func printable(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}
